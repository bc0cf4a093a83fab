import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy';
import { IamRolePolicyAttachment } from '@cdktf/provider-aws/lib/iam-role-policy-attachment';
import { LambdaFunction, type LambdaFunctionConfig } from '@cdktf/provider-aws/lib/lambda-function';
import type { SecurityGroup } from '@cdktf/provider-aws/lib/security-group';
import { AssetType, TerraformAsset } from 'cdktf';
import { Construct } from 'constructs';
import { kmsUseStatement, policyDocument, type PolicyStatement, serviceTrustPolicy } from '../iam';
import { POWERTOOLS_ENV } from '../../functions/shared/env';
import type { ServiceIdentity } from '../../functions/shared/powertools';
import type { PlatformContext } from '../platform-context';
import type { FunctionCodeSigning } from './code-signing';
import type { PlatformKey } from './encryption';
import { type FunctionBundle, functionBundle } from './function-bundle';
import { EncryptedLogGroup } from './log-group';
import type { Network } from './network';

export interface TypescriptFunctionProps {
  readonly context: PlatformContext;
  readonly platformKey: PlatformKey;
  readonly network: Network;
  /** Directory under functions/ holding index.ts, e.g. "stream-processor". */
  readonly entry: string;
  /**
   * Who the function is in its logs and metrics (its metric-names.ts): POWERTOOLS_SERVICE_NAME and
   * POWERTOOLS_METRICS_NAMESPACE come from here, and the service name is the purpose in the
   * function, role and security group names, so the alarms and dashboards query what it writes.
   */
  readonly service: ServiceIdentity;
  readonly description: string;
  readonly memoryMb: number;
  readonly timeoutSeconds: number;
  /** Reserved concurrent executions: caps cost and protects downstream systems. */
  readonly reservedConcurrency: number;
  /** Environment variables (encrypted with the platform key). @default only POWERTOOLS_SERVICE_NAME */
  readonly environment?: Readonly<Record<string, string>>;
  /** Least-privilege statements for what the code calls. @default none beyond logs, X-Ray, VPC and the key */
  readonly policyStatements?: readonly PolicyStatement[];
  /** Log retention in days. @default config.observability.logRetentionDays */
  readonly logRetentionDays?: number;
  /** Deploy the bundle signed by this region's Signer profile, under its Enforce code signing configuration. @default unsigned code from the local zip */
  readonly codeSigning?: FunctionCodeSigning;
}

/**
 * A TypeScript Lambda function the way the platform runs all of them: Node.js 22 on arm64 from a
 * deterministic esbuild bundle (an unchanged function never redeploys), X-Ray active tracing,
 * KMS-encrypted environment and log group, reserved concurrency, private subnets, and a role
 * that grants only what is listed.
 */
export class TypescriptFunction extends Construct {
  readonly function: LambdaFunction;
  readonly role: IamRole;
  readonly securityGroup: SecurityGroup;
  readonly logGroup: EncryptedLogGroup;
  readonly functionName: string;
  /** The timeout the function runs under (seconds): its duration alarm is a share of it. */
  readonly timeoutSeconds: number;

  constructor(scope: Construct, id: string, props: TypescriptFunctionProps) {
    super(scope, id);
    const { context, platformKey, network } = props;
    const { naming, region, accountId } = context;
    const purpose = props.service.serviceName;
    this.functionName = naming.regional(purpose, region);
    this.timeoutSeconds = props.timeoutSeconds;
    const bundle = functionBundle(props.entry);

    this.logGroup = new EncryptedLogGroup(this, 'logs', {
      context,
      platformKey,
      name: `/aws/lambda/${this.functionName}`,
      retentionDays: props.logRetentionDays,
    });

    this.role = new IamRole(this, 'role', {
      name: naming.regional(`${purpose}-fn`, region),
      assumeRolePolicy: serviceTrustPolicy('lambda.amazonaws.com', accountId),
    });
    // ENI management for VPC functions: AWS's managed policy is the documented minimum.
    const vpcAccess = new IamRolePolicyAttachment(this, 'vpc-access', {
      role: this.role.name,
      policyArn: 'arn:aws:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole',
    });
    const statements: PolicyStatement[] = [
      { Sid: 'WriteOwnLogs', Effect: 'Allow', Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Resource: `${this.logGroup.arn}:*` },
      // X-Ray's trace APIs take no resource ARNs; they are write-only telemetry calls.
      { Sid: 'XRayTraces', Effect: 'Allow', Action: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'], Resource: '*' },
      kmsUseStatement(platformKey.arn, 'DecryptEnvironmentAndData'),
      ...(props.policyStatements ?? []),
    ];
    const policy = new IamRolePolicy(this, 'policy', {
      role: this.role.id,
      name: `${purpose}-least-privilege`,
      policy: policyDocument(statements),
    });

    this.securityGroup = network.createSecurityGroup('sg-' + purpose, `${purpose}-fn`, `Lambda ${purpose}: no inbound, HTTPS out to AWS APIs`);
    network.allowHttpsEgress(`${purpose}-https-egress`, this.securityGroup);

    this.function = new LambdaFunction(this, 'function', {
      functionName: this.functionName,
      description: props.description,
      role: this.role.arn,
      runtime: 'nodejs22.x',
      architectures: ['arm64'],
      handler: 'index.handler',
      ...this.code(props, bundle),
      sourceCodeHash: bundle.sha256Base64,
      memorySize: props.memoryMb,
      timeout: this.timeoutSeconds,
      reservedConcurrentExecutions: props.reservedConcurrency,
      kmsKeyArn: platformKey.arn,
      environment: {
        variables: {
          [POWERTOOLS_ENV.serviceName]: props.service.serviceName,
          [POWERTOOLS_ENV.metricsNamespace]: props.service.metricsNamespace,
          NODE_OPTIONS: '--enable-source-maps',
          ...props.environment,
        },
      },
      tracingConfig: { mode: 'Active' },
      loggingConfig: { logFormat: 'JSON', logGroup: this.logGroup.name },
      vpcConfig: { subnetIds: network.privateSubnets.map((s) => s.id), securityGroupIds: [this.securityGroup.id] },
      dependsOn: [policy, vpcAccess, this.logGroup.logGroup],
    });
  }

  /** The local zip, or its signed copy in S3 with the code signing configuration that admits it. */
  private code(props: TypescriptFunctionProps, bundle: FunctionBundle): Pick<LambdaFunctionConfig, 'filename' | 's3Bucket' | 's3Key' | 'codeSigningConfigArn'> {
    if (props.codeSigning) {
      const signed = props.codeSigning.sign(this, props.entry, bundle);
      return { s3Bucket: signed.s3Bucket, s3Key: signed.s3Key, codeSigningConfigArn: props.codeSigning.config.arn };
    }
    return { filename: new TerraformAsset(this, 'code', { path: bundle.zipPath, type: AssetType.FILE }).path };
  }

  get arn(): string {
    return this.function.arn;
  }
}
