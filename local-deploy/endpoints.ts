import { AwsProvider, type AwsProviderEndpoints } from '@cdktf/provider-aws/lib/provider';
import type { IConstruct } from 'constructs';
import { ConfigValidationError } from '../stacks/config/validate';

/** The environment variable naming the emulator's URL. */
export const LOCAL_ENDPOINT_VARIABLE = 'LOCAL_AWS_ENDPOINT';

const LOOPBACK_HTTP_URL = /^http:\/\/(127\.\d+\.\d+\.\d+|localhost)(:\d+)?$/;

/**
 * The emulator URL from LOCAL_AWS_ENDPOINT. Only the loopback interface is accepted: the stacks
 * get fake credentials and a proxy, which must never point anywhere but this machine.
 */
export function localEndpointFrom(env: Readonly<Record<string, string | undefined>>): string {
  const value = env[LOCAL_ENDPOINT_VARIABLE];
  if (value === undefined || !LOOPBACK_HTTP_URL.test(value)) {
    throw new ConfigValidationError([
      { field: LOCAL_ENDPOINT_VARIABLE, value, allowed: 'the emulator URL: an http URL on the loopback interface such as http://127.0.0.1:5000' },
    ]);
  }
  return value;
}

/** Services whose endpoints are redirected to the emulator (moto serves them all on one port). */
export const LOCAL_ENDPOINT_SERVICES = [
  'acm',
  'apigatewayv2',
  'applicationautoscaling',
  'athena',
  'budgets',
  'cloudtrail',
  'cloudwatch',
  'cloudwatchlogs',
  'ec2',
  'events',
  'firehose',
  'glue',
  'guardduty',
  'iam',
  'kinesis',
  'kms',
  'lambda',
  'quicksight',
  'redshift',
  'redshiftdata',
  'route53',
  's3',
  's3Control',
  'sagemaker',
  'secretsmanager',
  'securityhub',
  'sns',
  'sqs',
  'ssm',
  'sts',
] as const satisfies readonly (keyof AwsProviderEndpoints)[];

/**
 * Points one AWS provider at the emulator, with fake credentials. Set through the provider's own
 * setters, so the synthesized provider block is what passing them to its constructor would give.
 */
export function pointAtEmulator(provider: AwsProvider, endpoint: string): void {
  provider.accessKey = 'testing';
  provider.secretKey = 'testing';
  provider.skipCredentialsValidation = true;
  // The emulator answers sts:GetCallerIdentity; without the account id the provider builds ARNs such as
  // arn:aws:athena:<region>::workgroup/... and empty Glue catalog ids, which the emulator rejects.
  provider.skipRequestingAccountId = false;
  // Fail in seconds, not after 25 backed-off retries, when the emulator lacks an operation (HTTP 500).
  provider.maxRetries = 2;
  // S3 Control puts the account id in front of the endpoint host (123456789012.127.0.0.1), which no resolver
  // knows; through this proxy such requests reach the emulator, which routes them by path. Loopback hosts are
  // never proxied, and a service without a local endpoint fails at the emulator instead of reaching AWS.
  provider.httpProxy = endpoint;
  provider.httpsProxy = endpoint;
  provider.skipMetadataApiCheck = 'true';
  provider.skipRegionValidation = true;
  provider.s3UsePathStyle = true;
  provider.endpoints = [Object.fromEntries(LOCAL_ENDPOINT_SERVICES.map((service) => [service, endpoint]))];
}

/** Points every AWS provider under `scope` (each stack has the region's and the `aws.peer` alias) at the emulator. */
export function pointProvidersAtEmulator(scope: IConstruct, endpoint: string): void {
  for (const construct of scope.node.findAll()) {
    if (construct instanceof AwsProvider) pointAtEmulator(construct, endpoint);
  }
}

/** The provider endpoint (AwsProviderEndpoints key) that serves each resource / data source type, by longest type prefix. */
export const ENDPOINT_OF_TYPE_PREFIX: Readonly<Record<string, string>> = {
  aws_acm_: 'acm',
  aws_apigatewayv2_: 'apigatewayv2',
  aws_appautoscaling_: 'applicationautoscaling',
  aws_athena_: 'athena',
  aws_availability_zones: 'ec2',
  aws_budgets_: 'budgets',
  aws_caller_identity: 'sts',
  aws_cloudtrail: 'cloudtrail',
  aws_cloudwatch_: 'cloudwatch',
  aws_cloudwatch_event_: 'events',
  aws_cloudwatch_log_: 'cloudwatchlogs',
  aws_default_security_group: 'ec2',
  aws_ec2_: 'ec2',
  aws_eip: 'ec2',
  aws_flow_log: 'ec2',
  aws_glue_: 'glue',
  aws_guardduty_: 'guardduty',
  aws_iam_: 'iam',
  aws_internet_gateway: 'ec2',
  aws_kinesis_firehose_: 'firehose',
  aws_kinesis_stream: 'kinesis',
  aws_kms_: 'kms',
  aws_lambda_: 'lambda',
  aws_nat_gateway: 'ec2',
  aws_quicksight_: 'quicksight',
  aws_redshift_: 'redshift',
  aws_redshiftdata_: 'redshiftdata',
  aws_route_: 'ec2',
  aws_route53_: 'route53',
  aws_s3_: 's3',
  aws_sagemaker_: 'sagemaker',
  aws_secretsmanager_: 'secretsmanager',
  aws_security_group: 'ec2',
  aws_securityhub_: 'securityhub',
  aws_sns_: 'sns',
  aws_ssm_: 'ssm',
  aws_sqs_: 'sqs',
  aws_subnet: 'ec2',
  aws_vpc: 'ec2',
};
// aws_route (no trailing underscore) is EC2 as well; aws_route53_ is longer, so it wins for Route 53.
const ROUTE_TYPE = 'aws_route';

/** The endpoint key serving a resource or data source type, or undefined when the table does not know it. */
export function endpointOfType(terraformType: string): string | undefined {
  if (terraformType === ROUTE_TYPE) return 'ec2';
  let best: string | undefined;
  for (const prefix of Object.keys(ENDPOINT_OF_TYPE_PREFIX)) {
    if (terraformType.startsWith(prefix) && (!best || prefix.length > best.length)) best = prefix;
  }
  return best ? ENDPOINT_OF_TYPE_PREFIX[best] : undefined;
}
