import { PlatformConfig } from './types';

/** Fields that come from environment variables rather than the per-environment file. */
export type EnvironmentFields = 'projectName' | 'environment' | 'primaryRegion' | 'drRegion' | 'remoteState';

export const ENVIRONMENT_DEFAULTS = {
  projectName: 'data-analytics-ml',
  environment: 'analytics',
  primaryRegion: 'us-east-1',
  drRegion: 'us-west-2',
} as const;

/**
 * Every tunable in one place, with a secure and production-sane default
 * (terraform-aws-modules style). `config/<environment>.json` overrides any subset.
 */
export const TUNABLE_DEFAULTS: Omit<PlatformConfig, EnvironmentFields> = {
  drMode: 'pilot-light',
  protected: false,
  development: false,
  tags: { owner: 'platform-team', costCenter: 'analytics', extra: {} },
  network: { primaryVpcCidr: '10.10.0.0/16', drVpcCidr: '10.20.0.0/16', natStrategy: 'single', maxAzs: 3 },
  dataLake: {
    rawInfrequentAccessDays: 30,
    rawGlacierDays: 90,
    quarantineExpirationDays: 90,
    dataCaptureExpirationDays: 90,
    noncurrentVersionExpirationDays: 30,
    abortIncompleteMultipartUploadDays: 7,
    athenaResultsExpirationDays: 30,
    accessLogExpirationDays: 365,
    forceDestroy: false,
  },
  kinesis: { capacityMode: 'provisioned', shardCount: 2, retentionHours: 168, rawArchiveEnabled: true, rawArchiveBufferSeconds: 300 },
  streamProcessor: {
    memoryMb: 1024,
    timeoutSeconds: 120,
    reservedConcurrency: 20,
    batchSize: 1000,
    batchingWindowSeconds: 5,
    parallelizationFactor: 1,
    maximumRetryAttempts: 10,
    maximumRecordAgeSeconds: 86400,
  },
  athena: { bytesScannedCutoffPerQuery: 10 * 1024 ** 3 },
  redshift: {
    enabled: true,
    nodeType: 'ra3.large',
    numberOfNodes: 2,
    databaseName: 'analytics',
    masterUsername: 'platform_admin',
    automatedSnapshotRetentionDays: 7,
    snapshotIntervalHours: 1,
    drSnapshotRetentionDays: 7,
    maintenanceWindow: 'sun:05:00-sun:05:30',
    loaderMaxConcurrency: 2,
    schedule: { enabled: false, pauseCron: 'cron(0 20 ? * MON-FRI *)', resumeCron: 'cron(0 8 ? * MON-FRI *)', allowInProduction: false },
  },
  sagemaker: {
    xgboostImageTag: '1.7-1',
    variants: [
      { name: 'champion', modelVersion: 'v1', instanceType: 'ml.m5.large', initialInstanceCount: 1, initialWeight: 90 },
      { name: 'challenger', modelVersion: 'v2', instanceType: 'ml.m5.large', initialInstanceCount: 1, initialWeight: 10 },
    ],
    dataCaptureSamplingPercent: 20,
    autoscalingMinInstances: 1,
    autoscalingMaxInstances: 4,
    targetInvocationsPerInstance: 750,
    canaryPercent: 10,
  },
  inferenceApi: {
    memoryMb: 512,
    timeoutSeconds: 29,
    reservedConcurrency: 50,
    authorization: 'AWS_IAM',
    throttlingRateLimit: 100,
    throttlingBurstLimit: 200,
  },
  observability: {
    alertEmails: [],
    logRetentionDays: 365,
    monthlyBudgetUsd: 2000,
    activateCostAllocationTags: true,
    costAnomaly: { enabled: true, thresholdUsd: 100, frequency: 'DAILY' },
    guardDuty: true,
    securityHub: true,
    lambdaCodeSigning: false,
    alarms: {
      iteratorAgeMs: 60_000,
      lambdaErrors: 1,
      lambdaThrottles: 1,
      dataQualityRatio: 0.98,
      completenessRatio: 0.95,
      validityRatio: 0.98,
      duplicateRatio: 0.05,
      freshnessP99Ms: 300_000,
      sagemaker5xx: 1,
      sagemakerModelLatencyMicros: 500_000,
      api5xxRate: 0.01,
      apiLatencyP99Ms: 1000,
      redshiftCpuPercent: 90,
      redshiftDiskPercent: 80,
      replicationLatencySeconds: 900,
    },
  },
  dns: { hostedZoneId: '', apiRecordName: '' },
  quicksight: { enabled: false, principalArn: '' },
  aggregates: {
    enabled: true,
    minConversionRate: 0.01,
    maxTrafficDropRatio: 0.5,
    ruleMinEvents: 100,
    // One concurrent batch per shard (tumbling windows keep per-shard state); 512 MB gives arm64 enough CPU to decode 10,000 records well inside the timeout.
    memoryMb: 512,
    timeoutSeconds: 120,
    reservedConcurrency: 10,
    batchSize: 1000,
    maximumRetryAttempts: 10,
    maximumRecordAgeSeconds: 86_400,
  },
};
