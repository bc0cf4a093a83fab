import { S3Bucket } from '@cdktf/provider-aws/lib/s3-bucket';
import { S3BucketLifecycleConfiguration, type S3BucketLifecycleConfigurationRule } from '@cdktf/provider-aws/lib/s3-bucket-lifecycle-configuration';
import { S3BucketLoggingA } from '@cdktf/provider-aws/lib/s3-bucket-logging';
import { S3BucketOwnershipControls } from '@cdktf/provider-aws/lib/s3-bucket-ownership-controls';
import { S3BucketPolicy } from '@cdktf/provider-aws/lib/s3-bucket-policy';
import { S3BucketPublicAccessBlock } from '@cdktf/provider-aws/lib/s3-bucket-public-access-block';
import { S3BucketServerSideEncryptionConfigurationA } from '@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration';
import { S3BucketVersioningA } from '@cdktf/provider-aws/lib/s3-bucket-versioning';
import { Lazy } from 'cdktf';
import { Construct } from 'constructs';
import { policyDocument, type PolicyStatement } from '../iam';
import type { PlatformKey } from './encryption';

export type BucketEncryption =
  | { readonly kind: 'kms'; readonly key: PlatformKey }
  /**
   * SSE-S3. Only for the server-access-log target: S3 cannot deliver access logs to a bucket
   * whose default encryption is SSE-KMS.
   */
  | { readonly kind: 's3-managed'; readonly reason: string };

export interface SecureBucketProps {
  /** Globally unique bucket name. */
  readonly bucketName: string;
  readonly encryption: BucketEncryption;
  /** Bucket receiving server access logs; none only for the log bucket itself. @default no access logging */
  readonly accessLogTarget?: SecureBucket;
  /** Lifecycle rules; an abort-incomplete-multipart and a noncurrent-expiry rule are always added. @default [] */
  readonly lifecycleRules?: S3BucketLifecycleConfigurationRule[];
  /** Days before noncurrent versions expire. */
  readonly noncurrentVersionExpirationDays: number;
  /** Days before incomplete multipart uploads are aborted. */
  readonly abortIncompleteMultipartUploadDays: number;
  /** Allow `terraform destroy` to delete a non-empty bucket. @default false */
  readonly forceDestroy?: boolean;
}

/**
 * An S3 bucket that cannot be created insecure: versioned, encrypted by default, public access
 * blocked, ACLs disabled (BucketOwnerEnforced), TLS-only bucket policy, lifecycle rules that
 * clean up noncurrent versions and failed uploads, and optional server access logging.
 */
export class SecureBucket extends Construct {
  readonly bucket: S3Bucket;
  readonly versioning: S3BucketVersioningA;
  readonly encryption: BucketEncryption;
  /** The bucket policy (TLS-only deny plus `addToPolicy` statements). */
  readonly policy: S3BucketPolicy;
  private readonly policyStatements: PolicyStatement[] = [];

  constructor(scope: Construct, id: string, props: SecureBucketProps) {
    super(scope, id);
    this.encryption = props.encryption;
    this.bucket = new S3Bucket(this, 'bucket', { bucket: props.bucketName, forceDestroy: props.forceDestroy ?? false });
    const bucket = this.bucket.id;

    this.versioning = new S3BucketVersioningA(this, 'versioning', { bucket, versioningConfiguration: { status: 'Enabled' } });
    new S3BucketServerSideEncryptionConfigurationA(this, 'encryption', {
      bucket,
      rule: [
        props.encryption.kind === 'kms'
          ? { applyServerSideEncryptionByDefault: { sseAlgorithm: 'aws:kms', kmsMasterKeyId: props.encryption.key.arn }, bucketKeyEnabled: true }
          : { applyServerSideEncryptionByDefault: { sseAlgorithm: 'AES256' } },
      ],
    });
    const publicAccessBlock = new S3BucketPublicAccessBlock(this, 'public-access-block', {
      bucket,
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    });
    new S3BucketOwnershipControls(this, 'ownership', { bucket, rule: { objectOwnership: 'BucketOwnerEnforced' } });
    if (props.accessLogTarget) {
      new S3BucketLoggingA(this, 'access-logging', {
        bucket,
        targetBucket: props.accessLogTarget.bucket.id,
        targetPrefix: `${props.bucketName}/`,
        // S3 refuses the logging configuration (InvalidTargetBucketForLogging) until the target's policy lets the
        // logging service write.
        dependsOn: [props.accessLogTarget.policy],
      });
    }

    new S3BucketLifecycleConfiguration(this, 'lifecycle', {
      bucket,
      dependsOn: [this.versioning],
      rule: [
        ...(props.lifecycleRules ?? []),
        {
          id: 'expire-noncurrent-versions-and-abort-uploads',
          status: 'Enabled',
          filter: [{}],
          noncurrentVersionExpiration: [{ noncurrentDays: props.noncurrentVersionExpirationDays }],
          abortIncompleteMultipartUpload: [{ daysAfterInitiation: props.abortIncompleteMultipartUploadDays }],
        },
      ],
    });

    this.addToPolicy({
      Sid: 'DenyInsecureTransport',
      Effect: 'Deny',
      Principal: '*',
      Action: 's3:*',
      Resource: [this.bucket.arn, `${this.bucket.arn}/*`],
      Condition: { Bool: { 'aws:SecureTransport': false } },
    });
    this.policy = new S3BucketPolicy(this, 'policy', {
      bucket,
      policy: Lazy.stringValue({ produce: () => policyDocument(this.policyStatements) }),
      // A policy written before the public access block could be judged public and rejected.
      dependsOn: [publicAccessBlock],
    });
  }

  /** Adds a statement to the bucket policy (the TLS-only deny is always there). */
  addToPolicy(statement: PolicyStatement): void {
    this.policyStatements.push(statement);
  }

  get arn(): string {
    return this.bucket.arn;
  }

  /**
   * `actions` on the objects matching `objectsKeyPattern` (e.g. "curated/*"), in the manner of
   * aws-cdk-lib's Bucket grants. A list of patterns gives one statement over all of them.
   */
  grantObjects(sid: string, actions: string | readonly string[], objectsKeyPattern: string | readonly string[] = '*'): PolicyStatement {
    const resource = typeof objectsKeyPattern === 'string' ? this.objectArn(objectsKeyPattern) : objectsKeyPattern.map((pattern) => this.objectArn(pattern));
    return { Sid: sid, Effect: 'Allow', Action: actions, Resource: resource };
  }

  /** GetObject (which also answers HeadObject) on the matching objects. */
  grantRead(sid: string, objectsKeyPattern: string | readonly string[] = '*'): PolicyStatement {
    return this.grantObjects(sid, 's3:GetObject', objectsKeyPattern);
  }

  /** PutObject on the matching objects. */
  grantWrite(sid: string, objectsKeyPattern: string | readonly string[] = '*'): PolicyStatement {
    return this.grantObjects(sid, 's3:PutObject', objectsKeyPattern);
  }

  /** DeleteObject on the matching objects. */
  grantDelete(sid: string, objectsKeyPattern: string | readonly string[] = '*'): PolicyStatement {
    return this.grantObjects(sid, 's3:DeleteObject', objectsKeyPattern);
  }

  /** Bucket-level `actions` (configuration reads, listing): the bucket's ARN, not its objects'. */
  grantBucket(sid: string, actions: string | readonly string[]): PolicyStatement {
    return { Sid: sid, Effect: 'Allow', Action: actions, Resource: this.arn };
  }

  /** ListBucket (and other bucket-level `actions`), limited to keys under `prefixes` when given. */
  grantList(sid: string, prefixes?: readonly string[], actions: string | readonly string[] = 's3:ListBucket'): PolicyStatement {
    return {
      Sid: sid,
      Effect: 'Allow',
      Action: actions,
      Resource: this.arn,
      ...(prefixes ? { Condition: { StringLike: { 's3:prefix': prefixes.map((prefix) => `${prefix}*`) } } } : {}),
    };
  }

  private objectArn(pattern: string): string {
    return `${this.arn}/${pattern}`;
  }

  get name(): string {
    return this.bucket.bucket;
  }
}
