/**
 * What the local run creates and how it wires the functions: derived from the same validated
 * configuration, naming scheme, event contract and warehouse DDL generator the stacks use, so a
 * change there (shard count, batch size, retry limits, variant weights, a column) changes the
 * local run too. Nothing here is a second list of columns or a second copy of a setting.
 */
import { loadConfig } from '../stacks/config/load';
import type { PlatformConfig } from '../stacks/config/types';
import { PlatformNaming } from '../stacks/naming';
import type { EventSourceMappingSettings } from './event-source-mapping';

/** moto's default account: ARNs and names built for the local run use it. */
export const LOCAL_ACCOUNT_ID = '123456789012';

export interface LocalVariantDefinition {
  readonly name: string;
  readonly weight: number;
  readonly modelVersion: string;
}

export interface LocalPlatform {
  readonly config: PlatformConfig;
  readonly region: string;
  readonly accountId: string;
  readonly streamName: string;
  readonly shardCount: number;
  readonly lakeBucket: string;
  readonly manifestBucket: string;
  readonly processor: {
    readonly functionName: string;
    readonly timeoutSeconds: number;
    readonly mapping: EventSourceMappingSettings;
    readonly onFailureQueue: string;
  };
  readonly loader: {
    readonly functionName: string;
    readonly timeoutSeconds: number;
    readonly queue: string;
    readonly deadLetterQueue: string;
    /** SQS event source batch size (Lambda's default for SQS). */
    readonly batchSize: number;
    /** The mapping's maximum concurrency: the bound on concurrent COPYs. */
    readonly maxConcurrency: number;
    /** Receives before a message moves to the dead-letter queue. */
    readonly maxReceiveCount: number;
    readonly clusterIdentifier: string;
    readonly database: string;
  };
  readonly inference: {
    readonly functionName: string;
    readonly timeoutSeconds: number;
    readonly endpointName: string;
    readonly variants: readonly LocalVariantDefinition[];
  };
}

/** SQS event source mappings default to 10 messages per batch; the loader's queue keeps the default. */
const SQS_BATCH_SIZE = 10;
/** The loader queue's redrive: a message failing this often is parked in its dead-letter queue. */
const LOADER_MAX_RECEIVE_COUNT = 5;

export function localPlatform(config: PlatformConfig = loadConfig(process.env)): LocalPlatform {
  const naming = new PlatformNaming(config);
  const region = config.primaryRegion;
  const sp = config.streamProcessor;
  return {
    config,
    region,
    accountId: LOCAL_ACCOUNT_ID,
    streamName: naming.regional('events', region),
    shardCount: config.kinesis.capacityMode === 'on-demand' ? 4 : config.kinesis.shardCount,
    lakeBucket: naming.bucketName('lake', region, LOCAL_ACCOUNT_ID),
    manifestBucket: naming.bucketName('athena', region, LOCAL_ACCOUNT_ID),
    processor: {
      functionName: naming.regional('stream-processor', region),
      timeoutSeconds: sp.timeoutSeconds,
      mapping: {
        batchSize: sp.batchSize,
        bisectBatchOnFunctionError: true,
        maximumRetryAttempts: sp.maximumRetryAttempts,
        maximumRecordAgeSeconds: sp.maximumRecordAgeSeconds,
        reportBatchItemFailures: true,
      },
      onFailureQueue: naming.regional('stream-processor-dlq', region),
    },
    loader: {
      functionName: naming.regional('warehouse-loader', region),
      timeoutSeconds: 300,
      queue: naming.regional('warehouse-load', region),
      deadLetterQueue: naming.regional('warehouse-load-dlq', region),
      batchSize: SQS_BATCH_SIZE,
      maxConcurrency: Math.max(2, config.redshift.loaderMaxConcurrency),
      maxReceiveCount: LOADER_MAX_RECEIVE_COUNT,
      clusterIdentifier: naming.regional('warehouse', region),
      database: config.redshift.databaseName,
    },
    inference: {
      functionName: naming.regional('ml-inference', region),
      timeoutSeconds: config.inferenceApi.timeoutSeconds,
      endpointName: naming.regional('propensity', region),
      variants: config.sagemaker.variants.map((v) => ({ name: v.name, weight: v.initialWeight, modelVersion: v.modelVersion })),
    },
  };
}
