import { DataAwsKmsAlias } from '@cdktf/provider-aws/lib/data-aws-kms-alias';
import { DataAwsS3Bucket } from '@cdktf/provider-aws/lib/data-aws-s3-bucket';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import type { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy';
import { S3BucketReplicationConfigurationA } from '@cdktf/provider-aws/lib/s3-bucket-replication-configuration';
import { Construct } from 'constructs';
import { policyDocument, serviceTrustPolicy } from '../iam';
import type { PlatformContext } from '../platform-context';
import type { PlatformKey } from './encryption';
import type { SecureBucket } from './secure-bucket';

export interface LakeReplicationProps {
  readonly context: PlatformContext;
  /** The primary region's lake (source). */
  readonly source: SecureBucket;
  /** The key the source objects are encrypted with. */
  readonly sourceKey: PlatformKey;
  /** Provider for the DR region, used to look up the DR lake and key the DR stack created. */
  readonly drProvider: AwsProvider;
  /** Replication Time Control threshold in minutes (RTC's SLA is 15). @default 15 */
  readonly replicationTimeMinutes?: number;
}

/**
 * Cross-region replication of the primary lake into the DR lake, with Replication Time Control
 * (99.99 % of objects within 15 minutes), replication metrics and delete-marker replication.
 * The DR bucket and key are named deterministically (PlatformNaming) and looked up through a
 * DR-region provider, so planning the primary fails with "bucket not found" until the DR stack
 * (bucket, versioning, key) has been deployed: that is the deploy order, enforced.
 */
export class LakeReplication extends Construct {
  readonly role: IamRole;
  readonly configuration: S3BucketReplicationConfigurationA;
  /** Name of the DR lake bucket (a Terraform expression of the account id). */
  readonly destinationBucketName: string;

  constructor(scope: Construct, id: string, props: LakeReplicationProps) {
    super(scope, id);
    const { context, source, sourceKey } = props;
    const { naming, accountId, region, peerRegion: drRegion } = context;
    const minutes = props.replicationTimeMinutes ?? 15;
    this.destinationBucketName = naming.bucketName('lake', drRegion, accountId);
    const drLake = new DataAwsS3Bucket(this, 'dr-lake', { provider: props.drProvider, bucket: this.destinationBucketName });
    const drKey = new DataAwsKmsAlias(this, 'dr-key', { provider: props.drProvider, name: naming.keyAlias(drRegion) });
    const destinationArn = drLake.arn;

    this.role = new IamRole(this, 'role', {
      name: naming.regional('lake-replication', region),
      assumeRolePolicy: serviceTrustPolicy('s3.amazonaws.com', accountId),
    });
    new IamRolePolicy(this, 'policy', {
      role: this.role.id,
      name: 'replicate-lake-to-dr',
      policy: policyDocument([
        source.grantBucket('ReadSourceConfiguration', ['s3:GetReplicationConfiguration', 's3:ListBucket']),
        source.grantObjects('ReadSourceObjects', ['s3:GetObjectVersionForReplication', 's3:GetObjectVersionAcl', 's3:GetObjectVersionTagging']),
        {
          Sid: 'WriteReplicas',
          Effect: 'Allow',
          Action: ['s3:ReplicateObject', 's3:ReplicateDelete', 's3:ReplicateTags', 's3:ObjectOwnerOverrideToBucketOwner'],
          Resource: `${destinationArn}/*`,
        },
        {
          Sid: 'DecryptSourceObjects',
          Effect: 'Allow',
          Action: 'kms:Decrypt',
          Resource: sourceKey.arn,
          Condition: { StringLike: { 'kms:ViaService': `s3.${region}.amazonaws.com` } },
        },
        {
          Sid: 'EncryptReplicasWithDrKey',
          Effect: 'Allow',
          Action: ['kms:Encrypt', 'kms:GenerateDataKey'],
          Resource: drKey.targetKeyArn,
          Condition: { StringLike: { 'kms:ViaService': `s3.${drRegion}.amazonaws.com` } },
        },
      ]),
    });

    this.configuration = new S3BucketReplicationConfigurationA(this, 'configuration', {
      bucket: source.bucket.id,
      role: this.role.arn,
      // Replication needs versioning on both sides: the source's here, the DR lake's (created with its
      // versioning by the DR stack) through the lookup, which fails until the DR stack exists.
      dependsOn: [source.versioning, drLake],
      rule: [
        {
          id: 'lake-to-dr',
          status: 'Enabled',
          priority: 1,
          // An empty filter selects the V2 schema, which delete-marker replication requires.
          filter: {},
          deleteMarkerReplication: { status: 'Enabled' },
          sourceSelectionCriteria: { sseKmsEncryptedObjects: { status: 'Enabled' } },
          destination: {
            bucket: destinationArn,
            storageClass: 'STANDARD',
            encryptionConfiguration: { replicaKmsKeyId: drKey.targetKeyArn },
            replicationTime: { status: 'Enabled', time: { minutes } },
            metrics: { status: 'Enabled', eventThreshold: { minutes } },
          },
        },
      ],
    });
  }
}
