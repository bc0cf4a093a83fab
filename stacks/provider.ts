import { AwsProvider, AwsProviderEndpoints } from '@cdktf/provider-aws/lib/provider';
import { Construct } from 'constructs';
import { PlatformConfig } from './config/types';
import { StackRole } from './naming';

/** Services whose endpoints are redirected to LOCAL_AWS_ENDPOINT (moto serves them all on one port). */
export const LOCAL_ENDPOINT_SERVICES = [
  'acm', 'apigatewayv2', 'applicationautoscaling', 'athena', 'budgets', 'cloudtrail', 'cloudwatch', 'cloudwatchlogs', 'ec2', 'events',
  'firehose', 'glue', 'guardduty', 'iam', 'kinesis', 'kms', 'lambda', 'quicksight', 'redshift', 'redshiftdata', 'route53', 's3',
  's3Control', 'sagemaker', 'secretsmanager', 'securityhub', 'sns', 'sqs', 'sts',
] as const satisfies readonly (keyof AwsProviderEndpoints)[];

export function costAllocationTags(config: PlatformConfig, role: StackRole): Record<string, string> {
  return {
    ...config.tags.extra,
    project: config.projectName,
    environment: config.environment,
    owner: config.tags.owner,
    'cost-center': config.tags.costCenter,
    'platform-role': role,
    'managed-by': 'cdktf',
  };
}

/**
 * The AWS provider of a regional stack, with cost-allocation default tags. With LOCAL_AWS_ENDPOINT
 * set, every service points at the local emulator with fake credentials (local tests only).
 */
export function createAwsProvider(scope: Construct, id: string, config: PlatformConfig, role: StackRole, region: string, alias?: string): AwsProvider {
  const local = config.localAwsEndpoint;
  return new AwsProvider(scope, id, {
    region,
    alias,
    defaultTags: [{ tags: costAllocationTags(config, role) }],
    ...(local
      ? {
          accessKey: 'testing',
          secretKey: 'testing',
          skipCredentialsValidation: true,
          // The emulator answers sts:GetCallerIdentity; without the account id the provider builds ARNs such as
          // arn:aws:athena:<region>::workgroup/... and empty Glue catalog ids, which the emulator rejects.
          skipRequestingAccountId: false,
          // Fail in seconds, not after 25 backed-off retries, when the emulator lacks an operation (HTTP 500).
          maxRetries: 2,
          // S3 Control puts the account id in front of the endpoint host (123456789012.127.0.0.1), which no resolver
          // knows; through this proxy such requests reach the emulator, which routes them by path. Loopback hosts are
          // never proxied, and a service without a local endpoint fails at the emulator instead of reaching AWS.
          httpProxy: local,
          httpsProxy: local,
          skipMetadataApiCheck: 'true',
          skipRegionValidation: true,
          s3UsePathStyle: true,
          endpoints: [Object.fromEntries(LOCAL_ENDPOINT_SERVICES.map((service) => [service, local]))],
        }
      : {}),
  });
}
