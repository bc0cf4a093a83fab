import { KmsAlias } from '@cdktf/provider-aws/lib/kms-alias';
import { KmsKey } from '@cdktf/provider-aws/lib/kms-key';
import { Construct } from 'constructs';
import { policyDocument } from '../iam';
import type { PlatformContext } from '../platform-context';

export interface PlatformKeyProps {
  readonly context: PlatformContext;
  /** Days before a scheduled key deletion completes (7-30). @default 30 */
  readonly deletionWindowDays?: number;
}

/** Services that use the key on the platform's behalf (through `kms:ViaService`). */
export const KEY_USING_SERVICES = [
  's3',
  'kinesis',
  'sqs',
  'sns',
  'lambda',
  'logs',
  'sagemaker',
  'redshift',
  'redshift-data',
  'secretsmanager',
  'glue',
  'athena',
  'dynamodb',
] as const;

/** Services that call KMS as themselves (their own service principal) for features the platform uses. */
export const KEY_SERVICE_PRINCIPALS = [
  'cloudtrail.amazonaws.com',
  'cloudwatch.amazonaws.com',
  'events.amazonaws.com',
  'budgets.amazonaws.com',
  's3.amazonaws.com',
  // Vended-log delivery reads what a state machine encrypted with this key logs (the restore test's).
  'delivery.logs.amazonaws.com',
] as const;

/**
 * The region's customer-managed KMS key: rotated yearly, with a key policy that names every
 * service that uses it. One key per region keeps grants and key policies in one reviewable place.
 */
export class PlatformKey extends Construct {
  readonly key: KmsKey;
  readonly alias: KmsAlias;

  constructor(scope: Construct, id: string, props: PlatformKeyProps) {
    super(scope, id);
    const { context } = props;
    const { accountId, region } = context;
    const accountRoot = `arn:aws:iam::${accountId}:root`;

    this.key = new KmsKey(this, 'key', {
      description: `${context.naming.prefix} platform data key (${region})`,
      enableKeyRotation: true,
      rotationPeriodInDays: 365,
      isEnabled: true,
      deletionWindowInDays: props.deletionWindowDays ?? 30,
      policy: policyDocument([
        {
          Sid: 'AccountAdministersKeyThroughIam',
          Effect: 'Allow',
          Principal: { AWS: accountRoot },
          Action: 'kms:*',
          Resource: '*',
        },
        {
          Sid: 'PlatformServicesUseKey',
          Effect: 'Allow',
          Principal: { AWS: '*' },
          Action: ['kms:Encrypt', 'kms:Decrypt', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:CreateGrant', 'kms:DescribeKey'],
          Resource: '*',
          Condition: {
            StringEquals: {
              'kms:CallerAccount': accountId,
              'kms:ViaService': KEY_USING_SERVICES.map((service) => `${service}.${region}.amazonaws.com`),
            },
          },
        },
        {
          Sid: 'CloudWatchLogsEncryptsLogGroups',
          Effect: 'Allow',
          Principal: { Service: `logs.${region}.amazonaws.com` },
          Action: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
          Resource: '*',
          Condition: { ArnLike: { 'kms:EncryptionContext:aws:logs:arn': `arn:aws:logs:${region}:${accountId}:*` } },
        },
        {
          Sid: 'AwsServicesPublishEncrypted',
          Effect: 'Allow',
          Principal: { Service: [...KEY_SERVICE_PRINCIPALS] },
          Action: ['kms:Decrypt', 'kms:GenerateDataKey*', 'kms:DescribeKey'],
          Resource: '*',
          Condition: { StringEquals: { 'aws:SourceAccount': accountId } },
        },
      ]),
    });

    this.alias = new KmsAlias(this, 'alias', {
      name: context.naming.keyAlias(region),
      targetKeyId: this.key.keyId,
    });
  }

  get arn(): string {
    return this.key.arn;
  }
}
