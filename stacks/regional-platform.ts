import type { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { Construct } from 'constructs';
import type { PlatformContext } from './platform-context';
import { ActiveRegion } from './constructs/active-region';
import { AthenaAnalytics } from './constructs/athena';
import { DataCatalog } from './constructs/catalog';
import { FunctionCodeSigning } from './constructs/code-signing';
import { DataQualityAlarms } from './constructs/data-quality-alarms';
import { DataLake } from './constructs/data-lake';
import { DataWarehouse } from './constructs/data-warehouse';
import { PlatformKey } from './constructs/encryption';
import { IngestionStream } from './constructs/ingestion-stream';
import { RawArchive } from './constructs/raw-archive';
import { LogInsightsQueries } from './constructs/log-queries';
import { LakeReplication } from './constructs/lake-replication';
import { Network } from './constructs/network';
import { InferenceApi, READY_PATH } from './constructs/inference-api';
import { MlEndpoint } from './constructs/ml-endpoint';
import { PlatformAlarms } from './constructs/alarms';
import { AlertTopic } from './constructs/alerting';
import { Audit } from './constructs/audit';
import { PlatformDashboard } from './constructs/dashboard';
import { DnsFailover } from './constructs/dns-failover';
import { type ObservedComponents, streamProcessorMetrics } from './constructs/observed-components';
import { QuickSight } from './constructs/quicksight';
import { StreamAggregator } from './constructs/stream-aggregator';
import { WarehouseRestoreTest } from './constructs/warehouse-restore-test';
import { STREAM_PROCESSOR_SERVICE, StreamProcessor } from './constructs/stream-processor';

export interface RegionalPlatformProps {
  readonly context: PlatformContext;
  /** Provider of the peer region; the primary uses it to find the DR lake it replicates to. */
  readonly peerProvider: AwsProvider;
}

/**
 * Everything one region runs, composed from one construct per concern. Instantiated once per
 * region; the primary and DR instances differ only where `context.role` says they must.
 */
export class RegionalPlatform extends Construct {
  readonly key: PlatformKey;
  readonly network: Network;
  readonly dataLake: DataLake;
  readonly replication?: LakeReplication;
  /** Kinesis ingestion stream (partition key user_id). */
  readonly ingestion: IngestionStream;
  /** Firehose archive of every record as sent, under raw/ (config.kinesis.rawArchiveEnabled). */
  readonly rawArchive?: RawArchive;
  /** Stream processor Lambda, its event source mapping and dead-letter queue. */
  readonly streamProcessor: StreamProcessor;
  /** Glue database and tables over this region's lake (tables from the event contract). */
  readonly catalog: DataCatalog;
  readonly athena: AthenaAnalytics;
  /** Windowed aggregates and threshold alerts: a second consumer of the stream (absent when config.aggregates.enabled is false). */
  readonly aggregator?: StreamAggregator;
  /** Anomaly-detection alarms on ingest volume and freshness. */
  readonly dataQuality: DataQualityAlarms;
  /** Redshift, its loader and DR (absent when config.redshift.enabled is false). */
  readonly warehouse?: DataWarehouse;
  /** Scheduled restore test of the copied snapshots (DR stack, config.redshift.restoreTest.enabled). */
  readonly restoreTest?: WarehouseRestoreTest;
  /** QuickSight data sources, data sets and the platform dashboard (primary only, when config.quicksight.enabled). */
  readonly quicksight?: QuickSight;
  readonly mlEndpoint: MlEndpoint;
  readonly inferenceApi: InferenceApi;
  /** Signer profile and code signing configuration, when config.observability.lambdaCodeSigning is on. */
  readonly codeSigning?: FunctionCodeSigning;
  /** The region's alert topic: every alarm, budget and threshold alert notifies it. */
  readonly alerts: AlertTopic;
  /** CloudTrail, GuardDuty, Security Hub and the budget, alerting through the topic. */
  readonly audit: Audit;
  /** The paging alarms over every component above. */
  readonly alarms: PlatformAlarms;
  readonly dashboard: PlatformDashboard;
  /** Logs Insights saved queries over the functions' log groups. */
  readonly logQueries: LogInsightsQueries;
  /** SSM parameter naming the region that serves traffic (a failover overwrites it). */
  readonly activeRegion: ActiveRegion;
  /** Route 53 failover of the inference API (when config.dns.hostedZoneId is set). */
  readonly dnsFailover?: DnsFailover;

  constructor(scope: Construct, id: string, props: RegionalPlatformProps) {
    super(scope, id);
    const { context } = props;
    const { config } = context;

    // First what everything else is built with: the key, then the alert topic.
    this.key = new PlatformKey(this, 'encryption', { context });
    // Groups the region's alerting and monitoring in the tree (and in their Terraform addresses);
    // its members are built where their inputs exist: the topic now, the alarms and dashboard last.
    const observability = new Construct(this, 'observability');
    this.alerts = new AlertTopic(observability, 'alerts', { context, platformKey: this.key });
    const alertTopic = this.alerts;

    this.network = new Network(this, 'network', { context, platformKey: this.key });
    this.dataLake = new DataLake(this, 'data-lake', { context, platformKey: this.key });
    this.activeRegion = new ActiveRegion(this, 'active-region', { context });
    this.audit = new Audit(observability, 'audit', { context, platformKey: this.key, accessLogs: this.dataLake.accessLogs, alertTopic });
    // Every function below deploys signed code when this is on.
    const codeSigning = config.observability.lambdaCodeSigning
      ? new FunctionCodeSigning(this, 'code-signing', { context, accessLogs: this.dataLake.accessLogs })
      : undefined;
    this.codeSigning = codeSigning;

    if (context.role === 'primary') {
      this.replication = new LakeReplication(this, 'lake-replication', {
        context,
        source: this.dataLake.lake,
        sourceKey: this.key,
        drProvider: props.peerProvider,
      });
    }

    // Real-time path: stream -> processor -> lake, catalogued for Athena (both regions; the DR catalog covers the replica).
    const base = { context, platformKey: this.key, network: this.network, dataLake: this.dataLake };
    this.ingestion = new IngestionStream(this, 'ingestion', { context, platformKey: this.key });
    if (config.kinesis.rawArchiveEnabled) {
      this.rawArchive = new RawArchive(this, 'raw-archive', { context, platformKey: this.key, stream: this.ingestion, dataLake: this.dataLake });
    }
    this.streamProcessor = new StreamProcessor(this, 'stream-processor', { ...base, stream: this.ingestion, codeSigning });
    this.catalog = new DataCatalog(this, 'catalog', { context, platformKey: this.key, dataLake: this.dataLake });
    this.athena = new AthenaAnalytics(this, 'athena', { context, platformKey: this.key, dataLake: this.dataLake, catalog: this.catalog });
    if (config.aggregates.enabled) {
      this.aggregator = new StreamAggregator(this, 'stream-aggregator', { ...base, stream: this.ingestion, alertTopic, codeSigning });
    }
    const processorMetrics = streamProcessorMetrics(STREAM_PROCESSOR_SERVICE);
    this.dataQuality = new DataQualityAlarms(this, 'data-quality', { context, alertTopic, stream: this.ingestion, processorMetrics });

    if (config.redshift.enabled) {
      this.warehouse = new DataWarehouse(this, 'warehouse', { ...base, codeSigning });
    }
    if (this.warehouse && config.redshift.restoreTest.enabled && context.role === 'dr') {
      this.restoreTest = new WarehouseRestoreTest(this, 'restore-test', {
        ...base,
        warehouse: this.warehouse.warehouse,
        athenaWorkgroup: this.athena.workgroup,
        alertTopic,
        codeSigning,
      });
    }
    if (config.quicksight.enabled && context.role === 'primary') {
      this.quicksight = new QuickSight(this, 'quicksight', {
        context,
        network: this.network,
        warehouse: this.warehouse?.warehouse,
        athenaWorkgroup: this.athena.workgroup,
        catalog: this.catalog,
        warehouseSchema: this.warehouse?.schema,
      });
    }

    this.mlEndpoint = new MlEndpoint(this, 'ml-endpoint', { ...base, alertTopic });
    this.inferenceApi = new InferenceApi(this, 'inference-api', { ...base, endpoint: this.mlEndpoint, stream: this.ingestion, codeSigning });

    // Last: the alarms and the dashboard watch every component above through typed references.
    const functions = [
      { label: 'stream-processor' as const, fn: this.streamProcessor.function },
      { label: 'ml-inference' as const, fn: this.inferenceApi.fn },
      ...(this.aggregator ? [{ label: 'stream-aggregator' as const, fn: this.aggregator.function }] : []),
      ...(this.warehouse?.loader ? [{ label: 'warehouse-loader' as const, fn: this.warehouse.loader.function }] : []),
    ];
    const components: ObservedComponents = {
      replication: this.replication,
      stream: this.ingestion.stream,
      streamConsumer: this.streamProcessor.function,
      platformMetrics: streamProcessorMetrics(STREAM_PROCESSOR_SERVICE, this.inferenceApi.predictionMetrics),
      endpoint: { endpoint: this.mlEndpoint.endpoint, variantNames: this.mlEndpoint.variants.map((v) => v.name) },
      api: { api: this.inferenceApi.api, stage: this.inferenceApi.stage },
      functions: [...functions, ...(this.restoreTest ? [{ label: 'restore-test', fn: this.restoreTest.fn }] : [])],
      rawArchive: this.rawArchive?.deliveryStream,
      warehouse: this.warehouse?.warehouse.cluster,
      warehousePausesOnSchedule: this.warehouse?.pauseSchedule !== undefined,
      deadLetterQueues: [
        { label: 'stream-processor', queue: this.streamProcessor.deadLetterQueue },
        ...(this.aggregator ? [{ label: 'stream-aggregator', queue: this.aggregator.onFailureQueue }] : []),
        ...(this.warehouse?.loader ? [{ label: 'warehouse-loader', queue: this.warehouse.loader.deadLetterQueue }] : []),
      ],
    };
    this.alarms = new PlatformAlarms(observability, 'alarms', { context, alertTopic, components });
    this.logQueries = new LogInsightsQueries(observability, 'log-queries', { context, functions });
    const otherAlarms = [...this.mlEndpoint.rollbackAlarms, ...this.dataQuality.alarms, ...(this.restoreTest?.alarms ?? [])];
    this.dashboard = new PlatformDashboard(observability, 'dashboard', {
      context,
      components,
      alarmArns: [...this.alarms.arns, ...otherAlarms.map((a) => a.arn)],
    });
    if (config.dns.hostedZoneId) {
      this.dnsFailover = new DnsFailover(observability, 'dns-failover', {
        context,
        target: { api: this.inferenceApi.api, stage: this.inferenceApi.stage, healthCheckPath: READY_PATH },
      });
    }
  }
}
