import { LambdaEventSourceMapping } from '@cdktf/provider-aws/lib/lambda-event-source-mapping';
import { SqsQueue } from '@cdktf/provider-aws/lib/sqs-queue';
import { SqsQueuePolicy } from '@cdktf/provider-aws/lib/sqs-queue-policy';
import { Construct } from 'constructs';
import { TABLES } from '../../functions/shared/contract';
import { PROCESSOR_METRICS_NAMESPACE } from '../../functions/stream-processor/metric-names';
import { StreamProcessorConfig } from '../config/types';
import { policyDocument } from '../iam';
import { PlatformContext } from '../platform-context';
import { DataLake } from './data-lake';
import { PlatformKey } from './encryption';
import { IngestionStream } from './ingestion-stream';
import { Network } from './network';
import { TypescriptFunction } from './typescript-function';
import type { FunctionCodeSigning } from './code-signing';

export interface StreamProcessorProps {
  readonly context: PlatformContext;
  readonly platformKey: PlatformKey;
  readonly network: Network;
  /** Sign the function's code and enforce it (config.observability.lambdaCodeSigning). @default unsigned code */
  readonly codeSigning?: FunctionCodeSigning;
  readonly dataLake: DataLake;
  readonly stream: IngestionStream;
  /** Sizing and event source mapping settings. @default config.streamProcessor */
  readonly settings?: Partial<StreamProcessorConfig>;
  /** Days the dead-letter queue keeps batch metadata (the SQS maximum). @default 14 */
  readonly deadLetterRetentionDays?: number;
}

/** POWERTOOLS_SERVICE_NAME of the function: the `service` dimension of its metrics. */
export const STREAM_PROCESSOR_SERVICE = 'stream-processor';

/** Lake prefixes the processor writes (and nothing else). */
export const PROCESSOR_OUTPUT_PREFIXES = [TABLES.curated.prefix, TABLES.quarantine.prefix] as const;

const DAY_SECONDS = 86_400;

/**
 * The stream processor (functions/stream-processor) and its Kinesis event source mapping:
 * partial batch responses, bisection on error, bounded retries and record age (never the
 * retry-forever default of -1, which lets one poison batch block a shard for the whole
 * retention), and an SQS on-failure destination that receives the metadata (shard, sequence
 * range) of every batch that exhausted them, so it can be replayed (docs/data-flow.md).
 */
export class StreamProcessor extends Construct {
  readonly function: TypescriptFunction;
  readonly eventSourceMapping: LambdaEventSourceMapping;
  readonly deadLetterQueue: SqsQueue;

  constructor(scope: Construct, id: string, props: StreamProcessorProps) {
    super(scope, id);
    const { context, platformKey, network, dataLake, stream } = props;
    const { config, naming, region } = context;
    const s: StreamProcessorConfig = { ...config.streamProcessor, ...props.settings };
    const lake = dataLake.lake;

    this.node.addValidation({
      validate: () => {
        const errors: string[] = [];
        if (s.maximumRetryAttempts < 0) errors.push('maximumRetryAttempts must be >= 0: -1 retries forever and blocks the shard');
        if (s.maximumRecordAgeSeconds < 60) errors.push('maximumRecordAgeSeconds must be >= 60: -1 keeps a failing record until it expires from the stream');
        const shards = config.kinesis.capacityMode === 'provisioned' ? config.kinesis.shardCount : undefined;
        if (shards !== undefined && s.reservedConcurrency >= 0 && s.reservedConcurrency < shards * s.parallelizationFactor) {
          errors.push(`reservedConcurrency ${s.reservedConcurrency} is below shards x parallelizationFactor (${shards * s.parallelizationFactor}): the mapping would be throttled`);
        }
        return errors;
      },
    });

    this.deadLetterQueue = new SqsQueue(this, 'dlq', {
      name: naming.regional('stream-processor-dlq', region),
      kmsMasterKeyId: platformKey.arn,
      kmsDataKeyReusePeriodSeconds: 300,
      messageRetentionSeconds: (props.deadLetterRetentionDays ?? 14) * DAY_SECONDS,
    });
    new SqsQueuePolicy(this, 'dlq-policy', {
      queueUrl: this.deadLetterQueue.url,
      policy: policyDocument([
        {
          Sid: 'DenyInsecureTransport',
          Effect: 'Deny',
          Principal: '*',
          Action: 'sqs:*',
          Resource: this.deadLetterQueue.arn,
          Condition: { Bool: { 'aws:SecureTransport': false } },
        },
      ]),
    });

    this.function = new TypescriptFunction(this, 'function', {
      context,
      codeSigning: props.codeSigning,
      platformKey,
      network,
      entry: 'stream-processor',
      purpose: STREAM_PROCESSOR_SERVICE,
      description: 'Validates, enriches and partitions clickstream events into the lake (curated Parquet by event time, quarantine with reasons)',
      memoryMb: s.memoryMb,
      timeoutSeconds: s.timeoutSeconds,
      reservedConcurrency: s.reservedConcurrency,
      environment: {
        LAKE_BUCKET: lake.name,
        LAKE_KMS_KEY_ARN: platformKey.arn,
        POWERTOOLS_METRICS_NAMESPACE: PROCESSOR_METRICS_NAMESPACE,
      },
      policyStatements: [
        ...stream.consumerStatements('ReadIngestionStream'),
        { Sid: 'WriteLakeOutputs', Effect: 'Allow', Action: 's3:PutObject', Resource: PROCESSOR_OUTPUT_PREFIXES.map((p) => `${lake.arn}/${p}*`) },
        { Sid: 'ReportFailedBatches', Effect: 'Allow', Action: 'sqs:SendMessage', Resource: this.deadLetterQueue.arn },
      ],
    });

    this.eventSourceMapping = new LambdaEventSourceMapping(this, 'stream-source', {
      eventSourceArn: stream.arn,
      functionName: this.function.arn,
      // Nothing in the stream is skipped: a new mapping starts from the oldest retained record.
      startingPosition: 'TRIM_HORIZON',
      batchSize: s.batchSize,
      maximumBatchingWindowInSeconds: s.batchingWindowSeconds,
      parallelizationFactor: s.parallelizationFactor,
      maximumRetryAttempts: s.maximumRetryAttempts,
      maximumRecordAgeInSeconds: s.maximumRecordAgeSeconds,
      bisectBatchOnFunctionError: true,
      functionResponseTypes: ['ReportBatchItemFailures'],
      destinationConfig: { onFailure: { destinationArn: this.deadLetterQueue.arn } },
      dependsOn: [this.function.function],
    });
  }
}
