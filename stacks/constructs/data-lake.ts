import type { S3BucketLifecycleConfigurationRule } from '@cdktf/provider-aws/lib/s3-bucket-lifecycle-configuration';
import { S3BucketNotification, type S3BucketNotificationQueue } from '@cdktf/provider-aws/lib/s3-bucket-notification';
import { dependable } from 'cdktf';
import { Construct } from 'constructs';
import { LAKE_PREFIXES } from '../../functions/shared/lake-layout';
import { ALERTS_PREFIX, STATE_PREFIX } from '../../functions/stream-aggregator/keys';
import type { PlatformContext } from '../platform-context';
import type { PlatformKey } from './encryption';
import { formerLogicalId } from './former-address';
import { SecureBucket } from './secure-bucket';
import type { QueueSender, SecureQueue } from './secure-queue';

export interface DataLakeProps {
  readonly context: PlatformContext;
  readonly platformKey: PlatformKey;
}

/** A queue told about new lake objects under some prefixes (S3 ObjectCreated events). */
export interface ObjectCreatedConsumer {
  /** Names the consumer's notification entries: `<id>-<prefix without the slash>`. */
  readonly id: string;
  /** Receives the events; its policy must let the lake send (`objectCreatedSender()`). */
  readonly queue: SecureQueue;
  /** Key prefixes, e.g. LAKE_PREFIXES.curated; one notification entry each. */
  readonly prefixes: readonly string[];
  /** Key suffix every notified object has. @default every object under the prefixes */
  readonly suffix?: string;
  /**
   * Construct path, below the lake's parent, where this consumer wrote the lake's notification
   * configuration before the lake owned it: a `moved` block keeps the deployed one.
   * @default the configuration has always been the lake's
   */
  readonly formerNotificationPath?: readonly string[];
}

/**
 * The region's data lake: the lake bucket (one prefix per data product, lifecycle per prefix),
 * the Athena results bucket and the server-access-log bucket both of them log to. The lake owns
 * its one S3 notification configuration (S3 allows one per bucket): consumers of new objects
 * register with `addObjectCreatedConsumer()` instead of writing it themselves.
 */
export class DataLake extends Construct {
  readonly lake: SecureBucket;
  readonly athenaResults: SecureBucket;
  readonly accessLogs: SecureBucket;
  private readonly accountId: string;
  private notifications?: S3BucketNotification;
  private readonly notifiedQueues: S3BucketNotificationQueue[] = [];

  constructor(scope: Construct, id: string, props: DataLakeProps) {
    super(scope, id);
    const { context, platformKey } = props;
    const { config, naming, region, accountId } = context;
    this.accountId = accountId;
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

  /** The sender a consumer's queue policy admits: S3 notifications of this lake, in this account. */
  objectCreatedSender(sid: string): QueueSender {
    return { sid, service: 's3.amazonaws.com', sourceArn: this.lake.arn, sourceAccount: this.accountId };
  }

  /**
   * Sends ObjectCreated events for `consumer.prefixes` to its queue. The notification
   * configuration is written once the queue policies admit the lake (S3 checks the destinations
   * when the configuration is put).
   */
  addObjectCreatedConsumer(consumer: ObjectCreatedConsumer): void {
    // S3 rejects the whole configuration at apply time when a destination's policy does not admit it.
    if (!consumer.queue.senders.some((sender) => sender.service === 's3.amazonaws.com')) {
      throw new Error(
        `lake consumer "${consumer.id}": its queue's policy does not admit S3; create the queue with senders: [dataLake.objectCreatedSender(...)]`,
      );
    }
    this.notifiedQueues.push(
      ...consumer.prefixes.map((prefix) => ({
        id: `${consumer.id}-${prefix.replace(/\/$/, '')}`,
        queueArn: consumer.queue.arn,
        events: ['s3:ObjectCreated:*'],
        filterPrefix: prefix,
        ...(consumer.suffix ? { filterSuffix: consumer.suffix } : {}),
      })),
    );
    if (!this.notifications) {
      this.notifications = new S3BucketNotification(this, 'lake-notifications', { bucket: this.lake.bucket.id, dependsOn: [consumer.queue.policy] });
    } else {
      this.notifications.dependsOn = [...(this.notifications.dependsOn ?? []), dependable(consumer.queue.policy)];
    }
    if (consumer.formerNotificationPath) {
      this.notifications.moveFromId(`${this.notifications.terraformResourceType}.${formerLogicalId(this, consumer.formerNotificationPath)}`);
    }
    this.notifications.putQueue([...this.notifiedQueues]);
  }
}

/**
 * Lifecycle per prefix: raw data cools down to IA then Glacier; the prefixes Athena and
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
