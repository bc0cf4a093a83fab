/**
 * What the local run creates and how it wires the functions: derived from the same validated
 * configuration, naming scheme, construct helpers (catalog database, model artifacts, endpoint
 * name), metric namespaces and environment variable names the stacks use, so a change there
 * (shard count, batch size, retry limits, variant weights) changes the local run too.
 * __tests__/local/platform.test.ts compares every value with the synthesized primary stack.
 */
import { loadConfig } from '../stacks/config/load';
import type { PlatformConfig } from '../stacks/config/types';
import { catalogDatabaseName } from '../stacks/constructs/catalog';
import { boundedName, modelArtifact, modelArtifactKey } from '../stacks/constructs/ml-endpoint';
import { STREAM_PROCESSOR_SERVICE } from '../stacks/constructs/stream-processor';
import { PlatformNaming } from '../stacks/naming';
import type { PlatformContext } from '../stacks/platform-context';
import { DEFAULT_INVOKE_BUDGET, DEFAULT_READINESS, ENV as INFERENCE_ENV } from '../functions/ml-inference/config';
import { INFERENCE_METRICS_NAMESPACE, INFERENCE_SERVICE } from '../functions/ml-inference/metric-names';
import { ENV as PROCESSOR_ENV } from '../functions/stream-processor/config';
import { ENV as LOADER_ENV } from '../functions/warehouse-loader/config';
import { PROCESSOR_METRICS_NAMESPACE } from '../functions/stream-processor/metric-names';
import { LOADER_METRICS_NAMESPACE, LOADER_SERVICE } from '../functions/warehouse-loader/metric-names';
import { LOADER_DB_USER, WAREHOUSE_SCHEMA } from '../functions/warehouse-loader/sql';
import type { EventSourceMappingSettings } from './event-source-mapping';

/** moto's default account: ARNs and names built for the local run use it. */
export const LOCAL_ACCOUNT_ID = '123456789012';

export interface LocalVariantDefinition {
  readonly name: string;
  readonly weight: number;
  readonly modelVersion: string;
  /** The shipped archive the stack uploads for this version, and its key in the lake. */
  readonly archivePath: string;
  readonly artifactKey: string;
}

export interface LocalPlatform {
  readonly config: PlatformConfig;
  readonly region: string;
  /** The warehouse admin secret the deploy-time statements run with (Secrets Manager is not emulated; the Data API stand-in does not check it). */
  readonly secretArn: string;
  readonly accountId: string;
  readonly streamName: string;
  readonly shardCount: number;
  readonly lakeBucket: string;
  readonly manifestBucket: string;
  /** The Glue database the named Athena queries refer to. */
  readonly catalogDatabase: string;
  readonly processor: {
    readonly functionName: string;
    readonly timeoutSeconds: number;
    readonly environment: Readonly<Record<string, string>>;
    readonly mapping: EventSourceMappingSettings;
    readonly onFailureQueue: string;
  };
  readonly loader: {
    readonly functionName: string;
    readonly timeoutSeconds: number;
    readonly environment: Readonly<Record<string, string>>;
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
    readonly environment: Readonly<Record<string, string>>;
    readonly endpointName: string;
    readonly variants: readonly LocalVariantDefinition[];
  };
}

/**
 * Settings the constructs keep as construct defaults rather than configuration (WarehouseLoader:
 * batchSize 5, timeoutSeconds 300, maxReceiveCount 5). __tests__/local/platform.test.ts compares
 * every value here with the synthesized primary stack, so they cannot drift apart.
 */
const LOADER_DEFAULTS = { batchSize: 5, timeoutSeconds: 300, maxReceiveCount: 5 } as const;
/** On-demand streams start with 4 shards. */
const ON_DEMAND_INITIAL_SHARDS = 4;

export function localPlatform(config: PlatformConfig = loadConfig(process.env)): LocalPlatform {
  const naming = new PlatformNaming(config);
  const region = config.primaryRegion;
  const sp = config.streamProcessor;
  const context: PlatformContext = { config, naming, role: 'primary', region, peerRegion: config.drRegion, accountId: LOCAL_ACCOUNT_ID };
  const lakeBucket = naming.bucketName('lake', region, LOCAL_ACCOUNT_ID);
  const manifestBucket = naming.bucketName('manifests', region, LOCAL_ACCOUNT_ID);
  const clusterIdentifier = naming.regional('warehouse', region);
  const secretArn = `arn:aws:secretsmanager:${region}:${LOCAL_ACCOUNT_ID}:secret:${clusterIdentifier}-admin`;
  const endpointName = boundedName(naming.regional('inference', region), 63);
  const variants = config.sagemaker.variants.map((v) => ({
    name: v.name,
    weight: v.initialWeight,
    modelVersion: v.modelVersion,
    archivePath: modelArtifact(v.modelVersion).archivePath,
    artifactKey: modelArtifactKey(v.modelVersion),
  }));
  return {
    config,
    region,
    accountId: LOCAL_ACCOUNT_ID,
    streamName: naming.regional('events', region),
    shardCount: config.kinesis.capacityMode === 'on-demand' ? ON_DEMAND_INITIAL_SHARDS : config.kinesis.shardCount,
    secretArn,
    lakeBucket,
    manifestBucket,
    catalogDatabase: catalogDatabaseName(context),
    processor: {
      functionName: naming.regional(STREAM_PROCESSOR_SERVICE, region),
      timeoutSeconds: sp.timeoutSeconds,
      // LAKE_KMS_KEY_ARN is left out: KMS is not emulated, objects get the bucket's default encryption.
      environment: {
        [PROCESSOR_ENV.serviceName]: STREAM_PROCESSOR_SERVICE,
        [PROCESSOR_ENV.lakeBucket]: lakeBucket,
        [PROCESSOR_ENV.metricsNamespace]: PROCESSOR_METRICS_NAMESPACE,
      },
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
      functionName: naming.regional(LOADER_SERVICE.serviceName, region),
      timeoutSeconds: LOADER_DEFAULTS.timeoutSeconds,
      environment: {
        [LOADER_ENV.serviceName]: LOADER_SERVICE.serviceName,
        [LOADER_ENV.clusterIdentifier]: clusterIdentifier,
        [LOADER_ENV.database]: config.redshift.databaseName,
        [LOADER_ENV.dbUser]: LOADER_DB_USER,
        [LOADER_ENV.lakeBucket]: lakeBucket,
        [LOADER_ENV.manifestBucket]: manifestBucket,
        [LOADER_ENV.schema]: WAREHOUSE_SCHEMA,
        [LOADER_ENV.metricsNamespace]: LOADER_METRICS_NAMESPACE,
      },
      queue: naming.regional('warehouse-loader', region),
      deadLetterQueue: naming.regional('warehouse-loader-dlq', region),
      batchSize: LOADER_DEFAULTS.batchSize,
      maxConcurrency: config.redshift.loaderMaxConcurrency,
      maxReceiveCount: LOADER_DEFAULTS.maxReceiveCount,
      clusterIdentifier,
      database: config.redshift.databaseName,
    },
    inference: {
      functionName: naming.regional(INFERENCE_SERVICE.serviceName, region),
      timeoutSeconds: config.inferenceApi.timeoutSeconds,
      environment: {
        [INFERENCE_ENV.serviceName]: INFERENCE_SERVICE.serviceName,
        [INFERENCE_ENV.endpointName]: endpointName,
        [INFERENCE_ENV.variantModelVersions]: JSON.stringify(Object.fromEntries(variants.map((v) => [v.name, v.modelVersion]))),
        [INFERENCE_ENV.predictionsBucket]: lakeBucket,
        [INFERENCE_ENV.streamName]: naming.regional('events', region),
        [INFERENCE_ENV.readyCacheTtlMs]: String(DEFAULT_READINESS.cacheTtlMs),
        [INFERENCE_ENV.readyCheckTimeoutMs]: String(DEFAULT_READINESS.checkTimeoutMs),
        [INFERENCE_ENV.connectTimeoutMs]: String(DEFAULT_INVOKE_BUDGET.connectTimeoutMs),
        [INFERENCE_ENV.requestTimeoutMs]: String(DEFAULT_INVOKE_BUDGET.requestTimeoutMs),
        [INFERENCE_ENV.maxAttempts]: String(DEFAULT_INVOKE_BUDGET.maxAttempts),
        [INFERENCE_ENV.metricsNamespace]: INFERENCE_METRICS_NAMESPACE,
      },
      endpointName,
      variants,
    },
  };
}
