import { S3BucketLifecycleConfigurationRule } from '@cdktf/provider-aws/lib/s3-bucket-lifecycle-configuration';
import { Construct } from 'constructs';
import { LAKE_PREFIXES } from '../../functions/shared/lake-layout';
import { ALERTS_PREFIX, STATE_PREFIX } from '../../functions/stream-aggregator/keys';
import { PlatformContext } from '../platform-context';
import { PlatformKey } from './encryption';
import { SecureBucket } from './secure-bucket';

export interface DataLakeProps {
  readonly context: PlatformContext;
  readonly platformKey: PlatformKey;
}

/**
 * The region's data lake: the lake bucket (one prefix per data product, lifecycle per prefix),
 * the Athena results bucket and the server-access-log bucket both of them log to.
 */
export class DataLake extends Construct {
  readonly lake: SecureBucket;
  readonly athenaResults: SecureBucket;
  readonly accessLogs: SecureBucket;

  constructor(scope: Construct, id: string, props: DataLakeProps) {
    super(scope, id);
    const { context, platformKey } = props;
    const { config, naming, region, accountId } = context;
    const lakeConfig = config.dataLake;
    const common = {
      noncurrentVersionExpirationDays: lakeConfig.noncurrentVersionExpirationDays,
      abortIncompleteMultipartUploadDays: lakeConfig.abortIncompleteMultipartUploadDays,
      forceDestroy: lakeConfig.forceDestroy,
    };

    this.accessLogs = new SecureBucket(this, 'access-logs', {
      ...common,
      bucketName: naming.bucketName('access-logs', region, accountId),
      encryption: { kind: 's3-managed', reason: 'S3 server access logging cannot deliver to a bucket whose default encryption is SSE-KMS' },
      lifecycleRules: [{ id: 'expire-access-logs', status: 'Enabled', filter: [{}], expiration: [{ days: lakeConfig.accessLogExpirationDays }] }],
    });
    this.accessLogs.addToPolicy({
      Sid: 'S3ServerAccessLogDelivery',
      Effect: 'Allow',
      Principal: { Service: 'logging.s3.amazonaws.com' },
      Action: 's3:PutObject',
      Resource: `${this.accessLogs.arn}/*`,
      Condition: { StringEquals: { 'aws:SourceAccount': accountId } },
    });

    this.lake = new SecureBucket(this, 'lake', {
      ...common,
      bucketName: naming.bucketName('lake', region, accountId),
      encryption: { kind: 'kms', key: platformKey },
      accessLogTarget: this.accessLogs,
      lifecycleRules: lakeLifecycleRules(context),
    });

    this.athenaResults = new SecureBucket(this, 'athena-results', {
      ...common,
      bucketName: naming.bucketName('athena', region, accountId),
      encryption: { kind: 'kms', key: platformKey },
      accessLogTarget: this.accessLogs,
      lifecycleRules: [{ id: 'expire-query-results', status: 'Enabled', filter: [{}], expiration: [{ days: lakeConfig.athenaResultsExpirationDays }] }],
    });
  }
}

/**
 * Lifecycle per prefix: raw data cools down to IA then Glacier (seed 000); the prefixes Athena and
 * Redshift query stay in Intelligent-Tiering, because neither can read archived objects;
 * quarantine and data capture are working sets that expire. The aggregator's working files are
 * only read by retries, which cannot outlive the stream's retention.
 */
export function lakeLifecycleRules(context: PlatformContext): S3BucketLifecycleConfigurationRule[] {
  const lake = context.config.dataLake;
  const retryHorizonDays = Math.ceil(context.config.kinesis.retentionHours / 24) + 1;
  const queryable = [LAKE_PREFIXES.curated, LAKE_PREFIXES.predictions, LAKE_PREFIXES.aggregates];
  return [
    {
      id: 'raw-to-ia-then-glacier',
      status: 'Enabled',
      filter: [{ prefix: LAKE_PREFIXES.raw }],
      transition: [
        { days: lake.rawInfrequentAccessDays, storageClass: 'STANDARD_IA' },
        { days: lake.rawGlacierDays, storageClass: 'GLACIER' },
      ],
    },
    ...queryable.map((prefix) => ({
      id: `${prefix.replace('/', '')}-intelligent-tiering`,
      status: 'Enabled',
      filter: [{ prefix }],
      transition: [{ days: 0, storageClass: 'INTELLIGENT_TIERING' }],
    })),
    { id: 'quarantine-expiry', status: 'Enabled', filter: [{ prefix: LAKE_PREFIXES.quarantine }], expiration: [{ days: lake.quarantineExpirationDays }] },
    { id: 'data-capture-expiry', status: 'Enabled', filter: [{ prefix: LAKE_PREFIXES.dataCapture }], expiration: [{ days: lake.dataCaptureExpirationDays }] },
    ...[STATE_PREFIX, ALERTS_PREFIX].map((prefix) => ({
      id: `${prefix.replace(/\//g, '-').replace(/-+$/, '').replace(/_/g, '')}-expiry`,
      status: 'Enabled',
      filter: [{ prefix }],
      expiration: [{ days: retryHorizonDays }],
    })),
  ];
}
