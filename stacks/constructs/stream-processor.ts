import { LambdaEventSourceMapping } from '@cdktf/provider-aws/lib/lambda-event-source-mapping';
import { Construct } from 'constructs';
import { TABLES } from '../../functions/shared/contract';
import { ENV } from '../../functions/stream-processor/config';
import { PROCESSOR_SERVICE } from '../../functions/stream-processor/metric-names';
import type { StreamProcessorConfig } from '../config/types';
import type { PlatformContext } from '../platform-context';
import type { DataLake } from './data-lake';
import type { PlatformKey } from './encryption';
import type { IngestionStream } from './ingestion-stream';
import type { Network } from './network';
import { DAY_SECONDS, SecureQueue } from './secure-queue';
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
export const STREAM_PROCESSOR_SERVICE = PROCESSOR_SERVICE.serviceName;

/** Lake prefixes the processor writes (and nothing else). */
export const PROCESSOR_OUTPUT_PREFIXES = [TABLES.curated.prefix, TABLES.quarantine.prefix] as const;

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
  readonly deadLetterQueue: SecureQueue;

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
          errors.push(
            `reservedConcurrency ${s.reservedConcurrency} is below shards x parallelizationFactor (${shards * s.parallelizationFactor}): the mapping would be throttled`,
          );
        }
        return errors;
      },
    });

    this.deadLetterQueue = new SecureQueue(this, 'dlq', {
      queueName: naming.regional('stream-processor-dlq', region),
      platformKey,
      retentionSeconds: props.deadLetterRetentionDays === undefined ? undefined : props.deadLetterRetentionDays * DAY_SECONDS,
      formerPolicyId: 'dlq-policy',
    });

    this.function = new TypescriptFunction(this, 'function', {
      context,
      codeSigning: props.codeSigning,
      platformKey,
      network,
      entry: 'stream-processor',
      service: PROCESSOR_SERVICE,
      description: 'Validates, enriches and partitions clickstream events into the lake (curated Parquet by event time, quarantine with reasons)',
      memoryMb: s.memoryMb,
      timeoutSeconds: s.timeoutSeconds,
      reservedConcurrency: s.reservedConcurrency,
      environment: {
        [ENV.lakeBucket]: lake.name,
        [ENV.lakeKmsKeyArn]: platformKey.arn,
      },
      policyStatements: [
        stream.grantConsume('ReadIngestionStream'),
        lake.grantWrite(
          'WriteLakeOutputs',
          PROCESSOR_OUTPUT_PREFIXES.map((prefix) => `${prefix}*`),
        ),
        this.deadLetterQueue.grantSend('ReportFailedBatches'),
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
