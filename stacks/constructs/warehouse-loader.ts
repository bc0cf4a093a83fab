import { LambdaEventSourceMapping } from '@cdktf/provider-aws/lib/lambda-event-source-mapping';
import { SqsQueueRedriveAllowPolicy } from '@cdktf/provider-aws/lib/sqs-queue-redrive-allow-policy';
import { Construct } from 'constructs';
import { ENV } from '../../functions/warehouse-loader/config';
import { LOADER_SERVICE } from '../../functions/warehouse-loader/metric-names';
import { TABLES } from '../../functions/shared/contract';
import { type LoadableTable, WAREHOUSE_SCHEMA, WAREHOUSE_TABLES } from '../../functions/warehouse-loader/sql';
import type { PlatformContext } from '../platform-context';
import type { DataLake } from './data-lake';
import type { PlatformKey } from './encryption';
import type { Network } from './network';
import { DAY_SECONDS, SecureQueue } from './secure-queue';
import { TypescriptFunction } from './typescript-function';
import { LOADED_PREFIXES, type RedshiftWarehouse } from './warehouse';
import type { WarehouseSchema } from './warehouse-schema';
import type { FunctionCodeSigning } from './code-signing';

/** Minutes a resumed cluster may take before it accepts statements again. */
export const RESUME_MARGIN_MINUTES = 30;

/**
 * Deliveries a message is allowed: `base` while the warehouse runs, plus one per visibility
 * timeout of the longest pause (and the time a resume takes), when a paused cluster fails every
 * delivery.
 */
export function receivesAcrossPause(base: number, longestPauseMinutes: number, visibilityTimeoutSeconds: number): number {
  if (longestPauseMinutes <= 0) return base;
  return base + Math.ceil(((longestPauseMinutes + RESUME_MARGIN_MINUTES) * 60) / visibilityTimeoutSeconds);
}

export interface WarehouseLoaderProps {
  readonly context: PlatformContext;
  readonly platformKey: PlatformKey;
  readonly network: Network;
  /** Sign the function's code and enforce it (config.observability.lambdaCodeSigning). @default unsigned code */
  readonly codeSigning?: FunctionCodeSigning;
  readonly dataLake: DataLake;
  /** The warehouse to load; it must have a cluster in this region. */
  readonly warehouse: RedshiftWarehouse;
  /** The deploy-time schema: the tables the loader writes and the database user it signs in as. */
  readonly schema: WarehouseSchema;
  /** Concurrent loads (= concurrent COPYs): the event source mapping's maximum concurrency. @default config.redshift.loaderMaxConcurrency */
  readonly maxConcurrency?: number;
  /** Messages per invocation; they are loaded one after another. @default 5 */
  readonly batchSize?: number;
  /** Deliveries of a message before it moves to the dead-letter queue, while the warehouse runs. @default 5 */
  readonly maxReceiveCount?: number;
  /**
   * Longest time, in minutes, the warehouse is paused on its schedule (config/pause-schedule.ts).
   * Messages wait in the queue meanwhile and are received once per visibility timeout, so the
   * queue allows that many more deliveries before dead-lettering a message.
   * @default 0 (the warehouse never pauses)
   */
  readonly longestPauseMinutes?: number;
  /** Function timeout in seconds. @default 300 */
  readonly timeoutSeconds?: number;
  /** Function memory in MB (the function waits on the Data API; it computes little). @default 256 */
  readonly memoryMb?: number;
}

/**
 * The loading path: S3 ObjectCreated notifications for curated/ and predictions/ Parquet objects
 * go to a KMS-encrypted queue (with a dead-letter queue), and the loader function COPYs each object
 * through the Data API (functions/warehouse-loader). The event source mapping's maximum
 * concurrency bounds concurrent COPYs; failed messages are retried by SQS, then dead-lettered.
 */
export class WarehouseLoader extends Construct {
  readonly queue: SecureQueue;
  readonly deadLetterQueue: SecureQueue;
  readonly function: TypescriptFunction;
  readonly eventSourceMapping: LambdaEventSourceMapping;

  constructor(scope: Construct, id: string, props: WarehouseLoaderProps) {
    super(scope, id);
    const { context, platformKey, network, dataLake, warehouse } = props;
    const { config, naming, region } = context;
    const cluster = warehouse.cluster;
    if (!cluster) throw new Error('WarehouseLoader needs a region with a cluster (config.redshift.enabled, and not a pilot-light DR region)');
    const timeoutSeconds = props.timeoutSeconds ?? 300;
    const maxConcurrency = props.maxConcurrency ?? config.redshift.loaderMaxConcurrency;
    const lake = dataLake.lake;
    const loadablePrefixes = (Object.keys(WAREHOUSE_TABLES) as LoadableTable[]).map((table) => TABLES[table].prefix);

    this.deadLetterQueue = new SecureQueue(this, 'dlq', { queueName: naming.regional('warehouse-loader-dlq', region), platformKey });
    this.queue = new SecureQueue(this, 'queue', {
      queueName: naming.regional('warehouse-loader', region),
      platformKey,
      retentionSeconds: 4 * DAY_SECONDS,
      // AWS's guidance for SQS event sources: at least six times the function timeout, so a batch in flight is never redelivered.
      visibilityTimeoutSeconds: 6 * timeoutSeconds,
      deadLetter: {
        queue: this.deadLetterQueue,
        maxReceiveCount: receivesAcrossPause(props.maxReceiveCount ?? 5, props.longestPauseMinutes ?? 0, 6 * timeoutSeconds),
      },
      senders: [dataLake.objectCreatedSender('LakeNotifications')],
      formerPolicyId: 'queue-policy',
    });
    new SqsQueueRedriveAllowPolicy(this, 'dlq-redrive-allow', {
      queueUrl: this.deadLetterQueue.url,
      redriveAllowPolicy: JSON.stringify({ redrivePermission: 'byQueue', sourceQueueArns: [this.queue.arn] }),
    });
    dataLake.addObjectCreatedConsumer({
      id: 'warehouse-loader',
      queue: this.queue,
      prefixes: LOADED_PREFIXES,
      suffix: '.parquet',
      // The loader wrote the lake's notification configuration itself before the lake owned it.
      formerNotificationPath: [...this.node.scopes.slice(dataLake.node.scopes.length - 1).map((c) => c.node.id), 'lake-notifications'],
    });

    this.function = new TypescriptFunction(this, 'function', {
      context,
      codeSigning: props.codeSigning,
      platformKey,
      network,
      entry: 'warehouse-loader',
      service: LOADER_SERVICE,
      description: 'COPYs curated and prediction Parquet objects into Redshift through the Data API, exactly once in effect',
      memoryMb: props.memoryMb ?? 256,
      timeoutSeconds,
      // Equal to the mapping's maximum concurrency: more could not be used, less would throttle the mapping.
      reservedConcurrency: maxConcurrency,
      environment: {
        [ENV.clusterIdentifier]: warehouse.clusterIdentifier,
        [ENV.database]: config.redshift.databaseName,
        [ENV.dbUser]: props.schema.loaderUser,
        [ENV.lakeBucket]: lake.name,
        [ENV.manifestBucket]: warehouse.manifests.name,
        [ENV.schema]: WAREHOUSE_SCHEMA,
      },
      policyStatements: [
        this.queue.grantConsume('ConsumeLoadQueue'),
        warehouse.manifests.grantWrite('WriteCopyManifests'),
        // HEAD (s3:GetObject) tells a notification's version from a newer one and gives COPY the
        // object's size. Without ListBucket S3 answers a HEAD of a deleted key 403, not 404; a HEAD
        // carries no s3:prefix, so a prefix condition would never match: key names only, no content.
        lake.grantRead(
          'InspectLoadableObjects',
          loadablePrefixes.map((prefix) => `${prefix}*`),
        ),
        lake.grantList('InspectLoadableObjectsList'),
        ...warehouse.dataApiStatements(props.schema.loaderUser),
      ],
    });

    this.eventSourceMapping = new LambdaEventSourceMapping(this, 'queue-source', {
      eventSourceArn: this.queue.arn,
      functionName: this.function.arn,
      batchSize: props.batchSize ?? 5,
      functionResponseTypes: ['ReportBatchItemFailures'],
      scalingConfig: { maximumConcurrency: maxConcurrency },
      // Loads start once the tables exist and the loader's user holds its grants.
      dependsOn: props.schema.statements,
    });
  }
}
