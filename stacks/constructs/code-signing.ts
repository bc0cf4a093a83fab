import { LambdaCodeSigningConfig } from '@cdktf/provider-aws/lib/lambda-code-signing-config';
import { S3Object } from '@cdktf/provider-aws/lib/s3-object';
import { SignerSigningJob } from '@cdktf/provider-aws/lib/signer-signing-job';
import { SignerSigningProfile } from '@cdktf/provider-aws/lib/signer-signing-profile';
import { AssetType, TerraformAsset } from 'cdktf';
import { Construct } from 'constructs';
import type { PlatformContext } from '../platform-context';
import { SecureBucket } from './secure-bucket';
import type { FunctionBundle } from './function-bundle';

/** AWS Signer's platform for Lambda zip archives. */
export const LAMBDA_SIGNING_PLATFORM = 'AWSLambda-SHA384-ECDSA';
/** Where the unsigned bundles go, and where Signer writes the signed copies. */
export const UNSIGNED_PREFIX = 'unsigned/';
export const SIGNED_PREFIX = 'signed/';

export interface FunctionCodeSigningProps {
  readonly context: PlatformContext;
  /** Bucket receiving the artifacts bucket's access logs. */
  readonly accessLogs: SecureBucket;
  /** How long a signature stays valid, in months; a function cannot be deployed with code signed longer ago. @default 135 (Signer's own default) */
  readonly signatureValidityMonths?: number;
}

/** Where a signed bundle lies: what a function's `s3_bucket` / `s3_key` name. */
export interface SignedCode {
  readonly s3Bucket: string;
  readonly s3Key: string;
}

/**
 * Lambda code signing for one region (config.observability.lambdaCodeSigning): a Signer profile,
 * a code signing configuration that rejects (Enforce) any code this profile did not sign, and a
 * versioned bucket where each function's bundle is uploaded and signed at deploy time by an
 * `aws_signer_signing_job`. Functions then deploy the signed object, never the local zip.
 */
export class FunctionCodeSigning extends Construct {
  readonly artifacts: SecureBucket;
  readonly profile: SignerSigningProfile;
  readonly config: LambdaCodeSigningConfig;

  constructor(scope: Construct, id: string, props: FunctionCodeSigningProps) {
    super(scope, id);
    const { naming, region, accountId, config } = props.context;
    this.artifacts = new SecureBucket(this, 'artifacts', {
      bucketName: naming.bucketName('lambda-code', region, accountId),
      // Signer reads the source and writes the signed copy with the caller's session; its
      // documentation names versioning as the bucket's only requirement and does not cover SSE-KMS.
      // The objects are the bundles built from this repository: nothing secret is at rest here.
      encryption: {
        kind: 's3-managed',
        reason:
          'AWS Signer source and destination bucket: versioning is its documented requirement; SSE-KMS is not documented for it, and the objects are build outputs of public sources',
      },
      accessLogTarget: props.accessLogs,
      noncurrentVersionExpirationDays: 30,
      abortIncompleteMultipartUploadDays: config.dataLake.abortIncompleteMultipartUploadDays,
      forceDestroy: config.dataLake.forceDestroy,
    });
    this.profile = new SignerSigningProfile(this, 'profile', {
      // Signer profile names allow letters, digits and underscores only (2-64).
      name: naming
        .regional('lambda', region)
        .replace(/[^A-Za-z0-9]/g, '_')
        .slice(0, 64),
      platformId: LAMBDA_SIGNING_PLATFORM,
      signatureValidityPeriod: { type: 'MONTHS', value: props.signatureValidityMonths ?? 135 },
    });
    this.config = new LambdaCodeSigningConfig(this, 'config', {
      description: `Only code signed by ${naming.regional('lambda', region)}'s Signer profile deploys`,
      allowedPublishers: { signingProfileVersionArns: [this.profile.versionArn] },
      policies: { untrustedArtifactOnDeployment: 'Enforce' },
    });
  }

  /**
   * Uploads one function's bundle and signs it. The key carries the bundle's hash, so changed
   * code is a new object and a new signing job, and unchanged code signs nothing again.
   */
  sign(scope: Construct, entry: string, bundle: FunctionBundle): SignedCode {
    const hash = Buffer.from(bundle.sha256Base64, 'base64').toString('hex');
    const asset = new TerraformAsset(scope, 'unsigned-code-asset', { path: bundle.zipPath, type: AssetType.FILE });
    const unsigned = new S3Object(scope, 'unsigned-code', {
      bucket: this.artifacts.name,
      key: `${UNSIGNED_PREFIX}${entry}/${hash}.zip`,
      source: asset.path,
      sourceHash: bundle.sha256Base64,
      contentType: 'application/zip',
      // Signer needs the object's version; it exists only once versioning is on.
      dependsOn: [this.artifacts.versioning],
    });
    const job = new SignerSigningJob(scope, 'signing-job', {
      profileName: this.profile.name,
      source: { s3: { bucket: this.artifacts.name, key: unsigned.key, version: unsigned.versionId } },
      destination: { s3: { bucket: this.artifacts.name, prefix: `${SIGNED_PREFIX}${entry}/` } },
      ignoreSigningJobFailure: false,
    });
    const signed = job.signedObject.get(0).s3.get(0);
    return { s3Bucket: signed.bucket, s3Key: signed.key };
  }
}
