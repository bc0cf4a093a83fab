/**
 * The platform's one typed configuration object. Every tunable lives here with its default in
 * `defaults.ts`; `validate.ts` checks a candidate once at start-up and `load.ts` builds it from
 * the environment plus `config/<environment>.json`.
 */

export type DrMode = 'pilot-light' | 'warm-standby';
export type NatStrategy = 'single' | 'per-az';
export type KinesisCapacityMode = 'provisioned' | 'on-demand';
export type ApiAuthorization = 'AWS_IAM' | 'NONE';

export interface CostAllocationTags {
  /** Team or person accountable for the platform. @default "platform-team" */
  readonly owner: string;
  /** Cost center charged for the platform. @default "analytics" */
  readonly costCenter: string;
  /** Extra tags added to every resource. @default {} */
  readonly extra: Readonly<Record<string, string>>;
}

export interface NetworkConfig {
  /** VPC CIDR of the primary region (/16 to /20). @default "10.10.0.0/16" */
  readonly primaryVpcCidr: string;
  /** VPC CIDR of the DR region; must not overlap the primary's so the VPCs can be peered. @default "10.20.0.0/16" */
  readonly drVpcCidr: string;
  /** One NAT gateway for the VPC (cheaper) or one per AZ (survives an AZ outage). @default "single" */
  readonly natStrategy: NatStrategy;
  /** Upper bound on AZs used; the region's own AZ count may lower it (2 or 3). @default 3 */
  readonly maxAzs: number;
}

export interface DataLakeConfig {
  /** Days before raw/ objects move to Standard-IA. @default 30 */
  readonly rawInfrequentAccessDays: number;
  /** Days before raw/ objects move to Glacier Flexible Retrieval. @default 90 */
  readonly rawGlacierDays: number;
  /** Days before quarantined records expire. @default 90 */
  readonly quarantineExpirationDays: number;
  /** Days before SageMaker data-capture files expire. @default 90 */
  readonly dataCaptureExpirationDays: number;
  /** Days before noncurrent object versions expire. @default 30 */
  readonly noncurrentVersionExpirationDays: number;
  /** Days before incomplete multipart uploads are aborted. @default 7 */
  readonly abortIncompleteMultipartUploadDays: number;
  /** Days before Athena query results expire. @default 30 */
  readonly athenaResultsExpirationDays: number;
  /** Days before S3 server access logs expire. @default 365 */
  readonly accessLogExpirationDays: number;
  /** Let `terraform destroy` delete buckets that still hold objects. @default false */
  readonly forceDestroy: boolean;
}

export interface KinesisConfig {
  /** Provisioned shards or on-demand capacity. @default "provisioned" */
  readonly capacityMode: KinesisCapacityMode;
  /** Shards in provisioned mode (1 MB/s or 1,000 records/s of writes each). @default 2 */
  readonly shardCount: number;
  /** Hours records stay readable (24-8760; 168 gives a week of replay headroom, Security Hub Kinesis.3). @default 168 */
  readonly retentionHours: number;
  /** Archive every record as sent to the lake's raw/ prefix (Kinesis Data Firehose). @default true */
  readonly rawArchiveEnabled: boolean;
  /** Seconds Firehose buffers before writing a raw/ object (0-900). @default 300 */
  readonly rawArchiveBufferSeconds: number;
}

export interface LambdaSizing {
  /** Memory in MB (128-10240). */
  readonly memoryMb: number;
  /** Timeout in seconds (1-900). */
  readonly timeoutSeconds: number;
  /** Reserved concurrent executions (-1 for unreserved, else 0 disables the function). */
  readonly reservedConcurrency: number;
}

export interface StreamProcessorConfig extends LambdaSizing {
  /** Records per invocation (1-10000). @default 1000 */
  readonly batchSize: number;
  /** Seconds to gather a batch (0-300). @default 5 */
  readonly batchingWindowSeconds: number;
  /** Concurrent batches per shard (1-10). @default 1 */
  readonly parallelizationFactor: number;
  /** Retries of a failing batch before it goes to the DLQ (0-10000; never -1). @default 10 */
  readonly maximumRetryAttempts: number;
  /** Oldest record age in seconds before it goes to the DLQ (60-604800; never -1). @default 86400 */
  readonly maximumRecordAgeSeconds: number;
}

export interface AthenaConfig {
  /** Per-query bytes-scanned cutoff (>= 10 MB). @default 10737418240 (10 GiB) */
  readonly bytesScannedCutoffPerQuery: number;
}

export interface RedshiftPauseScheduleConfig {
  /**
   * Pause the cluster and resume it on the schedule below (Redshift scheduled actions): a paused
   * cluster bills storage only. Off by default; a production environment (protected, or named
   * prod/production) also needs allowInProduction.
   * @default false
   */
  readonly enabled: boolean;
  /** When the cluster pauses, as a Redshift scheduler cron expression in UTC. @default "cron(0 20 ? * MON-FRI *)" */
  readonly pauseCron: string;
  /** When the cluster resumes, as a Redshift scheduler cron expression in UTC. @default "cron(0 8 ? * MON-FRI *)" */
  readonly resumeCron: string;
  /** Let a production environment pause its warehouse on the schedule. @default false */
  readonly allowInProduction: boolean;
}

export interface RedshiftRestoreTestConfig {
  /**
   * Restore the newest snapshot copied to the DR region into a temporary cluster on a schedule,
   * compare its events with the lake, report metrics and delete the cluster (DR stack). Off by
   * default: each run bills the temporary cluster for its hour or so.
   * @default false
   */
  readonly enabled: boolean;
  /** When a test starts: an EventBridge Scheduler cron expression in UTC of the weekly form. @default "cron(0 6 ? * SUN *)" (Sundays 06:00, after the maintenance window) */
  readonly schedule: string;
  /** RA3 node type of the temporary cluster. @default "ra3.large" */
  readonly nodeType: string;
  /** Nodes of the temporary cluster (within the node type's limits). @default 1 */
  readonly numberOfNodes: number;
  /** Hours of events compared, ending settleMinutes before the snapshot (1-168). @default 24 */
  readonly countWindowHours: number;
  /** Minutes before the snapshot the window ends, so events of the window had reached the warehouse (0-1440). @default 60 */
  readonly settleMinutes: number;
  /** Largest share (0-1) by which the warehouse and lake counts may differ. @default 0.001 */
  readonly rowCountTolerance: number;
  /** Minutes the restore may take before the test fails and the cluster is deleted (30-1440). @default 120 */
  readonly restoreTimeoutMinutes: number;
}

export interface RedshiftConfig {
  /** Create the warehouse (the stream processor runs without it). @default true */
  readonly enabled: boolean;
  /** RA3 node type; retired DC1/DC2/DS2 types are rejected. @default "ra3.large" */
  readonly nodeType: string;
  /** Nodes in the primary cluster (ra3.large and ra3.xlplus 1-16, ra3.4xlarge 2-32, ra3.16xlarge 2-128). @default 2 */
  readonly numberOfNodes: number;
  /** Database created in the cluster. @default "analytics" */
  readonly databaseName: string;
  /** Admin user (password managed by Secrets Manager). @default "platform_admin" */
  readonly masterUsername: string;
  /** Days automated snapshots are kept (1-35). @default 7 */
  readonly automatedSnapshotRetentionDays: number;
  /** Hours between scheduled snapshots (1-24): the warehouse RPO. @default 1 */
  readonly snapshotIntervalHours: number;
  /** Days snapshots copied to the DR region are kept (1-35). @default 7 */
  readonly drSnapshotRetentionDays: number;
  /** Weekly maintenance window, ddd:hh24:mi-ddd:hh24:mi (UTC). @default "sun:05:00-sun:05:30" */
  readonly maintenanceWindow: string;
  /** Concurrent COPY statements the loader may run (2-5; 2 is the SQS event source mapping's minimum). @default 2 */
  readonly loaderMaxConcurrency: number;
  /** Scheduled pause and resume (weekdays 08:00-20:00 UTC running when enabled). */
  readonly schedule: RedshiftPauseScheduleConfig;
  /** Scheduled restore test of the snapshots copied to the DR region. */
  readonly restoreTest: RedshiftRestoreTestConfig;
}

export interface SageMakerVariantConfig {
  /** Variant name (A/B arm), e.g. "champion". */
  readonly name: string;
  /** Model version directory under model-artifacts/ (e.g. "v1"). */
  readonly modelVersion: string;
  /** Hosting instance type, e.g. "ml.m5.large". */
  readonly instanceType: string;
  /** Instances at creation and autoscaling floor. */
  readonly initialInstanceCount: number;
  /** Relative traffic weight (>= 0; weights must sum to a positive number). */
  readonly initialWeight: number;
}

export interface SageMakerConfig {
  /** Tag of the built-in XGBoost image (`sagemaker-xgboost`). @default "1.7-1" */
  readonly xgboostImageTag: string;
  /** Production variants: champion and challenger by default. */
  readonly variants: readonly SageMakerVariantConfig[];
  /** Percentage of requests captured to the data-capture prefix (0-100). @default 20 */
  readonly dataCaptureSamplingPercent: number;
  /** Autoscaling floor per variant. @default 1 */
  readonly autoscalingMinInstances: number;
  /** Autoscaling ceiling per variant. @default 4 */
  readonly autoscalingMaxInstances: number;
  /** Target of SageMakerVariantInvocationsPerInstance (per minute). @default 750 */
  readonly targetInvocationsPerInstance: number;
  /** Canary share of capacity shifted first in blue/green deployments (1-50 %). @default 10 */
  readonly canaryPercent: number;
}

export interface InferenceApiConfig extends LambdaSizing {
  /** Authorization of POST /predict. @default "AWS_IAM" */
  readonly authorization: ApiAuthorization;
  /** Stage steady-state requests per second. @default 100 */
  readonly throttlingRateLimit: number;
  /** Stage burst. @default 200 */
  readonly throttlingBurstLimit: number;
}

export interface AlarmThresholds {
  /** Kinesis iterator age (ms) that pages. @default 60000 */
  readonly iteratorAgeMs: number;
  /** Lambda errors per 5 minutes. @default 1 */
  readonly lambdaErrors: number;
  /** Lambda throttles per 5 minutes. @default 1 */
  readonly lambdaThrottles: number;
  /** Lowest acceptable valid/total ratio per batch (0-1). @default 0.98 */
  readonly dataQualityRatio: number;
  /** Lowest acceptable completeness ratio (0-1). @default 0.95 */
  readonly completenessRatio: number;
  /** Lowest acceptable validity ratio (0-1). @default 0.98 */
  readonly validityRatio: number;
  /** Highest acceptable duplicate share (0-1). @default 0.05 */
  readonly duplicateRatio: number;
  /** Highest acceptable p99 freshness (event to processing), ms. @default 300000 */
  readonly freshnessP99Ms: number;
  /** SageMaker 5XX errors per 5 minutes. @default 1 */
  readonly sagemaker5xx: number;
  /** SageMaker model latency (microseconds, as CloudWatch reports it). @default 500000 */
  readonly sagemakerModelLatencyMicros: number;
  /** API 5XX rate (0-1). @default 0.01 */
  readonly api5xxRate: number;
  /** API p99 latency, ms. @default 1000 */
  readonly apiLatencyP99Ms: number;
  /** Redshift CPU %. @default 90 */
  readonly redshiftCpuPercent: number;
  /** Redshift disk used %. @default 80 */
  readonly redshiftDiskPercent: number;
  /** S3 replication latency (seconds); RTC's SLA is 900. @default 900 */
  readonly replicationLatencySeconds: number;
  /** Share of its timeout (0.1-1) a function's slowest invocation may take before it pages. @default 0.8 */
  readonly lambdaDurationTimeoutRatio: number;
  /** Throttled GetRecords calls on the ingestion stream per 5 minutes, sustained for 15 minutes. @default 10 */
  readonly kinesisReadThrottles: number;
  /** Age (seconds) of the oldest record the raw archive has not yet written to S3; above kinesis.rawArchiveBufferSeconds. @default 900 */
  readonly rawArchiveFreshnessSeconds: number;
  /** Lowest acceptable share of successful raw-archive deliveries to S3 per 5 minutes (0-1). @default 0.99 */
  readonly rawArchiveDeliverySuccessRatio: number;
  /** Lowest Security Hub severity label sent to the alert topic. @default "HIGH" (HIGH and CRITICAL) */
  readonly securityHubMinSeverity: SecurityHubSeverity;
}

/** Security Hub finding severity labels, lowest first (INFORMATIONAL is never alerted). */
export const SECURITY_HUB_SEVERITIES = ['LOW', 'MEDIUM', 'HIGH', 'CRITICAL'] as const;
export type SecurityHubSeverity = (typeof SECURITY_HUB_SEVERITIES)[number];

export type CostAnomalyFrequency = 'DAILY' | 'WEEKLY';

export interface CostAnomalyConfig {
  /** Watch the platform's spend (the project cost-allocation tag) with Cost Anomaly Detection. @default true */
  readonly enabled: boolean;
  /** Total impact in USD of an anomaly that is e-mailed to observability.alertEmails (>= 1). @default 100 */
  readonly thresholdUsd: number;
  /** How often the anomaly e-mails are sent (e-mail subscribers allow DAILY or WEEKLY). @default "DAILY" */
  readonly frequency: CostAnomalyFrequency;
}

export interface ObservabilityConfig {
  /** Addresses subscribed to the alert topic and budget notifications. @default [] */
  readonly alertEmails: readonly string[];
  /** CloudWatch Logs retention in days (a value CloudWatch accepts). @default 365 */
  readonly logRetentionDays: number;
  /** Monthly cost budget in USD, above the ~1,790 estimated at the defaults (docs/cost.md). @default 2000 */
  readonly monthlyBudgetUsd: number;
  /**
   * Activate project, environment and cost-center as cost-allocation tags (Cost Explorer, from the
   * primary stack). Set false where the stack cannot: in an AWS Organizations member account (the
   * management account activates tags) or before the tags first appear in billing data.
   * @default true
   */
  readonly activateCostAllocationTags: boolean;
  /** Cost Anomaly Detection on the platform's spend (primary stack; Cost Explorer is global). */
  readonly costAnomaly: CostAnomalyConfig;
  /** Enable a GuardDuty detector. @default true */
  readonly guardDuty: boolean;
  /** Enable Security Hub with AWS Foundational Security Best Practices. @default true */
  readonly securityHub: boolean;
  /** Sign every function's code with AWS Signer and enforce it with a code signing configuration. @default false */
  readonly lambdaCodeSigning: boolean;
  /** Thresholds of every alarm. */
  readonly alarms: AlarmThresholds;
}

export interface DnsConfig {
  /** Route 53 hosted zone for failover records; none are created when empty. @default "" */
  readonly hostedZoneId: string;
  /** Record name of the inference API (required with hostedZoneId). @default "" */
  readonly apiRecordName: string;
}

/** How a QuickSight data set reads its source: a copy in SPICE, or a query per visual. */
export type QuickSightImportMode = 'SPICE' | 'DIRECT_QUERY';
/** How often SPICE data sets are fully refreshed. */
export type QuickSightRefreshInterval = 'HOURLY' | 'DAILY';

export interface QuickSightConfig {
  /** Create QuickSight data sources, data sets and the platform dashboard (needs an account subscription made by hand). @default false */
  readonly enabled: boolean;
  /** QuickSight user or group ARN that owns the data sources, data sets, analysis, template and dashboard (required when enabled). @default "" */
  readonly principalArn: string;
  /** QuickSight user or group ARNs that may view the dashboard (read only). @default [] */
  readonly dashboardViewerArns: readonly string[];
  /** Import mode of the lake (Athena) data sets; SPICE bounds Athena scans to one per refresh (docs/warehouse.md). @default "SPICE" */
  readonly athenaImportMode: QuickSightImportMode;
  /** Import mode of the warehouse (Redshift) data sets; the cluster answers each visual itself. @default "DIRECT_QUERY" */
  readonly redshiftImportMode: QuickSightImportMode;
  /** Full-refresh interval of every SPICE data set. @default "HOURLY" */
  readonly refreshInterval: QuickSightRefreshInterval;
  /** Time of day (HH:MM, UTC) of a DAILY refresh; unused for HOURLY. @default "02:00" */
  readonly refreshTimeOfDay: string;
  /** Days of events, predictions and aggregates the lake data sets hold, by the dt partition (1-90); each SPICE refresh scans these days. @default 7 */
  readonly lookbackDays: number;
}

export interface AggregatesConfig extends LambdaSizing {
  /** Run the windowed aggregator. @default true */
  readonly enabled: boolean;
  /** Alert when an hour's conversion rate falls below this (0-1). @default 0.01 */
  readonly minConversionRate: number;
  /** Alert when a country's hourly traffic drops by more than this share vs the previous hour (0-1). @default 0.5 */
  readonly maxTrafficDropRatio: number;
  /** Groups with fewer events (the judged hour for conversion, the previous hour for drops) are not judged (>= 1). @default 100 */
  readonly ruleMinEvents: number;
  /** Records per invocation of the aggregator (1-10000). @default 1000 */
  readonly batchSize: number;
  /** Retries of a failing batch before it goes to the on-failure queue (0-10000; never -1). @default 10 */
  readonly maximumRetryAttempts: number;
  /** Oldest record age in seconds before it goes to the on-failure queue (60-604800; never -1). @default 86400 */
  readonly maximumRecordAgeSeconds: number;
}

export interface RemoteStateConfig {
  /** S3 bucket of the remote state; local state when empty. @default "" (from TF_STATE_BUCKET) */
  readonly bucket: string;
  /** Region of the state bucket. @default primary region (from TF_STATE_REGION) */
  readonly region: string;
}

export interface PlatformConfig {
  /** Lowercase project identifier (PROJECT_NAME). @default "data-analytics-ml" */
  readonly projectName: string;
  /** Environment name (ENVIRONMENT). @default "analytics" */
  readonly environment: string;
  /** Primary region (AWS_REGION). @default "us-east-1" */
  readonly primaryRegion: string;
  /** Disaster-recovery region (SECONDARY_REGION). @default "us-west-2" */
  readonly drRegion: string;
  /** What runs in the DR region before a failover. @default "pilot-light" */
  readonly drMode: DrMode;
  /** destroy.sh refuses protected environments. @default false */
  readonly protected: boolean;
  /**
   * A development environment may keep its Terraform state on the deploying machine; deploy.sh
   * refuses any other environment without TF_STATE_BUCKET unless told --allow-local-state. @default false
   */
  readonly development: boolean;
  readonly tags: CostAllocationTags;
  readonly network: NetworkConfig;
  readonly dataLake: DataLakeConfig;
  readonly kinesis: KinesisConfig;
  readonly streamProcessor: StreamProcessorConfig;
  readonly athena: AthenaConfig;
  readonly redshift: RedshiftConfig;
  readonly sagemaker: SageMakerConfig;
  readonly inferenceApi: InferenceApiConfig;
  readonly observability: ObservabilityConfig;
  readonly dns: DnsConfig;
  readonly quicksight: QuickSightConfig;
  readonly aggregates: AggregatesConfig;
  readonly remoteState: RemoteStateConfig;
}

/** Deep-partial shape of `config/<environment>.json`. */
export type DeepPartial<T> = {
  -readonly [K in keyof T]?: T[K] extends readonly (infer U)[] ? DeepPartial<U>[] : T[K] extends object ? DeepPartial<T[K]> : T[K];
};
