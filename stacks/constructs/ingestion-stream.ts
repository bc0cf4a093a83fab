import { KinesisStream } from '@cdktf/provider-aws/lib/kinesis-stream';
import { Construct } from 'constructs';
import { PRODUCER_PARTITION_KEY_FIELD } from '../../functions/shared/contract';
import type { KinesisCapacityMode } from '../config/types';
import type { PolicyStatement } from '../iam';
import type { PlatformContext } from '../platform-context';
import type { PlatformKey } from './encryption';

export interface IngestionStreamProps {
  readonly context: PlatformContext;
  readonly platformKey: PlatformKey;
  /** Provisioned shards or on-demand capacity. @default config.kinesis.capacityMode */
  readonly capacityMode?: KinesisCapacityMode;
  /** Shards in provisioned mode. @default config.kinesis.shardCount */
  readonly shardCount?: number;
  /** Hours records stay readable (24-8760). @default config.kinesis.retentionHours */
  readonly retentionHours?: number;
}

/**
 * Shard-level metrics turned on: per-shard hot spots (one busy user_id) and per-shard iterator
 * age are invisible in the stream-level aggregates. Costs one CloudWatch metric per shard each.
 */
export const SHARD_LEVEL_METRICS = [
  'IncomingBytes',
  'IncomingRecords',
  'OutgoingBytes',
  'OutgoingRecords',
  'WriteProvisionedThroughputExceeded',
  'ReadProvisionedThroughputExceeded',
  'IteratorAgeMilliseconds',
] as const;

/**
 * The region's clickstream ingestion stream: SSE-KMS with the platform key, retention long
 * enough to replay a week (Security Hub Kinesis.3, and the DR replay window), shard-level
 * metrics. Producers put events with partition key `user_id` (PRODUCER_PARTITION_KEY_FIELD),
 * which keeps each user's events ordered on one shard.
 */
export class IngestionStream extends Construct {
  readonly stream: KinesisStream;
  /** The event field producers must use as the partition key. */
  readonly partitionKeyField = PRODUCER_PARTITION_KEY_FIELD;

  constructor(scope: Construct, id: string, props: IngestionStreamProps) {
    super(scope, id);
    const { context, platformKey } = props;
    const { config, naming, region } = context;
    const capacityMode = props.capacityMode ?? config.kinesis.capacityMode;
    const retentionHours = props.retentionHours ?? config.kinesis.retentionHours;
    const shardCount = props.shardCount ?? config.kinesis.shardCount;
    this.node.addValidation({
      validate: () => [
        ...(retentionHours < 24 || retentionHours > 8760 ? [`retentionHours ${retentionHours} is outside 24-8760`] : []),
        ...(capacityMode === 'provisioned' && (!Number.isInteger(shardCount) || shardCount < 1)
          ? [`shardCount ${shardCount} must be a positive integer in provisioned mode`]
          : []),
      ],
    });

    this.stream = new KinesisStream(this, 'stream', {
      name: naming.regional('events', region),
      // On-demand streams size themselves; Kinesis rejects a shard count for them.
      ...(capacityMode === 'provisioned' ? { shardCount } : {}),
      streamModeDetails: { streamMode: capacityMode === 'provisioned' ? 'PROVISIONED' : 'ON_DEMAND' },
      retentionPeriod: retentionHours,
      encryptionType: 'KMS',
      kmsKeyId: platformKey.arn,
      shardLevelMetrics: [...SHARD_LEVEL_METRICS],
    });
  }

  get arn(): string {
    return this.stream.arn;
  }

  get name(): string {
    return this.stream.name;
  }

  /** What a polling consumer (a Lambda event source mapping) needs on this stream. */
  grantConsume(sid = 'ReadEvents'): PolicyStatement {
    return {
      Sid: sid,
      Effect: 'Allow',
      Action: ['kinesis:DescribeStream', 'kinesis:DescribeStreamSummary', 'kinesis:GetRecords', 'kinesis:GetShardIterator', 'kinesis:ListShards'],
      Resource: this.stream.arn,
    };
  }

  /** What a readiness check needs: DescribeStreamSummary (its status) on this stream. */
  grantDescribeSummary(sid: string): PolicyStatement {
    return { Sid: sid, Effect: 'Allow', Action: 'kinesis:DescribeStreamSummary', Resource: this.stream.arn };
  }
}
