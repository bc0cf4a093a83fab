import { CloudwatchLogStream } from '@cdktf/provider-aws/lib/cloudwatch-log-stream';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy';
import { KinesisFirehoseDeliveryStream } from '@cdktf/provider-aws/lib/kinesis-firehose-delivery-stream';
import { Construct } from 'constructs';
import { RAW_ARCHIVE_ERRORS_PREFIX, RAW_ARCHIVE_PREFIX_EXPRESSION } from '../../functions/shared/lake-keys';
import { LAKE_PREFIXES } from '../../functions/shared/lake-layout';
import { policyDocument, serviceTrustPolicy } from '../iam';
import type { PlatformContext } from '../platform-context';
import type { DataLake } from './data-lake';
import type { PlatformKey } from './encryption';
import type { IngestionStream } from './ingestion-stream';
import { EncryptedLogGroup } from './log-group';

export interface RawArchiveProps {
  readonly context: PlatformContext;
  readonly platformKey: PlatformKey;
  readonly stream: IngestionStream;
  readonly dataLake: DataLake;
  /** Seconds Firehose buffers before writing an object (0-900). @default config.kinesis.rawArchiveBufferSeconds */
  readonly bufferSeconds?: number;
  /** MiB Firehose buffers before writing an object (1-128). @default 64 */
  readonly bufferMb?: number;
}

/** Arrival-time partitions of the raw archive (Firehose's own clock, UTC). */
export const RAW_ARCHIVE_PREFIX = RAW_ARCHIVE_PREFIX_EXPRESSION;
export const RAW_ARCHIVE_ERROR_PREFIX = `${RAW_ARCHIVE_ERRORS_PREFIX}!{firehose:error-output-type}/dt=!{timestamp:yyyy-MM-dd}/`;

/**
 * Every record exactly as producers sent it, archived to the lake's raw/ prefix by Kinesis Data
 * Firehose reading the stream (no code to run). It outlives the stream's retention, so any
 * period can be replayed through the processor later, and it is what raw/'s IA-then-Glacier
 * lifecycle is for. Objects are gzip NDJSON-as-sent, SSE-KMS with the platform key.
 */
export class RawArchive extends Construct {
  readonly deliveryStream: KinesisFirehoseDeliveryStream;
  readonly role: IamRole;

  constructor(scope: Construct, id: string, props: RawArchiveProps) {
    super(scope, id);
    const { context, platformKey, stream, dataLake } = props;
    const { naming, region, accountId, config } = context;
    const lake = dataLake.lake;
    const name = naming.regional('raw-archive', region);

    const logGroup = new EncryptedLogGroup(this, 'logs', { context, platformKey, name: `/aws/kinesisfirehose/${name}` });
    const logStream = new CloudwatchLogStream(this, 'delivery-errors', { name: 'DestinationDelivery', logGroupName: logGroup.name });

    this.role = new IamRole(this, 'role', {
      name: naming.regional('raw-archive-firehose', region),
      assumeRolePolicy: serviceTrustPolicy('firehose.amazonaws.com', accountId),
    });
    const policy = new IamRolePolicy(this, 'policy', {
      role: this.role.id,
      name: 'read-stream-write-raw',
      policy: policyDocument([
        stream.grantConsume('ReadStream'),
        lake.grantBucket('LocateBucket', ['s3:GetBucketLocation', 's3:ListBucket', 's3:ListBucketMultipartUploads']),
        lake.grantObjects('WriteRawPrefix', ['s3:PutObject', 's3:GetObject', 's3:AbortMultipartUpload'], `${LAKE_PREFIXES.raw}*`),
        {
          Sid: 'DecryptStreamEncryptObjects',
          Effect: 'Allow',
          Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
          Resource: platformKey.arn,
          Condition: { StringEquals: { 'kms:ViaService': [`kinesis.${region}.amazonaws.com`, `s3.${region}.amazonaws.com`] } },
        },
        { Sid: 'DeliveryErrorLogs', Effect: 'Allow', Action: 'logs:PutLogEvents', Resource: `${logGroup.arn}:log-stream:${logStream.name}` },
      ]),
    });

    this.deliveryStream = new KinesisFirehoseDeliveryStream(this, 'delivery-stream', {
      name,
      destination: 'extended_s3',
      kinesisSourceConfiguration: { kinesisStreamArn: stream.arn, roleArn: this.role.arn },
      extendedS3Configuration: {
        bucketArn: lake.arn,
        roleArn: this.role.arn,
        prefix: RAW_ARCHIVE_PREFIX,
        errorOutputPrefix: RAW_ARCHIVE_ERROR_PREFIX,
        bufferingInterval: props.bufferSeconds ?? config.kinesis.rawArchiveBufferSeconds,
        bufferingSize: props.bufferMb ?? 64,
        compressionFormat: 'GZIP',
        // One record per line (Firehose concatenates records otherwise): the catalog's raw_events
        // table reads JSON lines, and a replay splits an object back into its records at the newlines.
        processingConfiguration: { enabled: true, processors: [{ type: 'AppendDelimiterToRecord' }] },
        kmsKeyArn: platformKey.arn,
        cloudwatchLoggingOptions: { enabled: true, logGroupName: logGroup.name, logStreamName: logStream.name },
      },
      // Firehose checks the role when the stream is created: the policy must exist first.
      dependsOn: [policy],
    });
  }
}
