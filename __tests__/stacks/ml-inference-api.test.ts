/** Synthesized-JSON assertions for the inference HTTP API and its function, in both regional stacks. */
import { DEFAULT_READINESS, ENV } from '../../functions/ml-inference/config';
import { INFERENCE_METRICS_NAMESPACE } from '../../functions/ml-inference/metric-names';
import { resourcesOf, ROLES, synthPlatform, type TerraformJson } from '../helpers/synth';

const ref = (type: string, id: string, attr: string) => `\${${type}.${id}.${attr}}`;
const only = (stack: TerraformJson, type: string) => {
  const all = resourcesOf(stack, type);
  expect(all).toHaveLength(1);
  return all[0]!;
};
const routes = (stack: TerraformJson) => Object.fromEntries(resourcesOf(stack, 'aws_apigatewayv2_route').map(([, r]) => [r.route_key, r]));
const inferenceFunction = (stack: TerraformJson) =>
  resourcesOf(stack, 'aws_lambda_function').find(([, f]) => String(f.function_name).includes('ml-inference'))!;

describe.each(ROLES)('%s stack: inference API', (role) => {
  const { config, stacks } = synthPlatform();
  const stack = stacks[role];
  const [apiId, api] = only(stack, 'aws_apigatewayv2_api');
  const [fnId, fn] = inferenceFunction(stack);
  const [endpointId, endpoint] = only(stack, 'aws_sagemaker_endpoint');

  it('is an HTTP API whose POST /predict, GET /health and GET /ready are IAM-authorised by default', () => {
    expect(api.protocol_type).toBe('HTTP');
    const r = routes(stack);
    expect(Object.keys(r).sort()).toEqual(['GET /health', 'GET /ready', 'POST /predict']);
    expect(r['POST /predict']!.authorization_type).toBe('AWS_IAM');
    expect(r['GET /health']!.authorization_type).toBe('AWS_IAM');
    expect(r['GET /ready']!.authorization_type).toBe('AWS_IAM');
    const [integrationId, integration] = only(stack, 'aws_apigatewayv2_integration');
    for (const route of Object.values(r) as Record<string, any>[])
      expect(route.target).toBe(`integrations/${ref('aws_apigatewayv2_integration', integrationId, 'id')}`);
    expect(integration).toMatchObject({
      integration_type: 'AWS_PROXY',
      integration_uri: ref('aws_lambda_function', fnId, 'invoke_arn'),
      payload_format_version: '2.0',
      timeout_milliseconds: 30_000,
    });
  });

  it('throttles the stage from config and logs access as JSON to a KMS-encrypted log group', () => {
    const [, stage] = only(stack, 'aws_apigatewayv2_stage');
    expect(stage.default_route_settings).toMatchObject({
      throttling_rate_limit: config.inferenceApi.throttlingRateLimit,
      throttling_burst_limit: config.inferenceApi.throttlingBurstLimit,
    });
    const logGroupId = /^\$\{aws_cloudwatch_log_group\.([^.]+)\.arn\}$/.exec(stage.access_log_settings.destination_arn)![1]!;
    const logGroup = stack.resource.aws_cloudwatch_log_group![logGroupId]!;
    expect(logGroup.kms_key_id).toMatch(/^\$\{aws_kms_key\./);
    // The readiness route is throttled like the health route (Route 53's checkers and probes only).
    const routeSettings = Object.fromEntries((stage.route_settings as Record<string, any>[]).map((s) => [s.route_key, s]));
    expect({ ...routeSettings['GET /ready'], route_key: 'GET /health' }).toEqual(routeSettings['GET /health']);
    expect(routeSettings['GET /ready']).toMatchObject({ throttling_rate_limit: 10, throttling_burst_limit: 20, detailed_metrics_enabled: true });
    expect(logGroup.retention_in_days).toBe(config.observability.logRetentionDays);
    const format = JSON.parse(stage.access_log_settings.format);
    expect(format).toMatchObject({
      requestId: '$context.requestId',
      status: '$context.status',
      routeKey: '$context.routeKey',
      integrationError: '$context.integrationErrorMessage',
    });
  });

  it('runs the function on Node.js 22 arm64, answering before the 30 s integration timeout', () => {
    expect(fn).toMatchObject({ runtime: 'nodejs22.x', architectures: ['arm64'], tracing_config: { mode: 'Active' } });
    expect(fn.timeout).toBe(config.inferenceApi.timeoutSeconds);
    expect(fn.timeout).toBeLessThan(30);
    expect(fn.reserved_concurrent_executions).toBe(config.inferenceApi.reservedConcurrency);
  });

  it('tells the function its endpoint, the model version behind each variant and where predictions go', () => {
    const env = fn.environment.variables;
    expect(env[ENV.endpointName]).toBe(endpoint.name);
    expect(JSON.parse(env[ENV.variantModelVersions])).toEqual({ champion: 'v1', challenger: 'v2' });
    expect(env[ENV.predictionsBucket]).toMatch(/^\$\{aws_s3_bucket\..+\.bucket\}$/);
    expect(env.POWERTOOLS_METRICS_NAMESPACE).toBe(INFERENCE_METRICS_NAMESPACE);
  });

  it('tells the function which stream /ready checks, and its cache TTL and check timeout', () => {
    const env = fn.environment.variables;
    const [streamId] = only(stack, 'aws_kinesis_stream');
    expect(env[ENV.streamName]).toBe(ref('aws_kinesis_stream', streamId, 'name'));
    expect(env[ENV.readyCacheTtlMs]).toBe(String(DEFAULT_READINESS.cacheTtlMs));
    expect(env[ENV.readyCheckTimeoutMs]).toBe(String(DEFAULT_READINESS.checkTimeoutMs));
  });

  it('lets the function invoke only its endpoint and write only under predictions/', () => {
    const roleRef = /^\$\{aws_iam_role\.([^.]+)\.arn\}$/.exec(fn.role)![1]!;
    const policy = resourcesOf(stack, 'aws_iam_role_policy').find(([, p]) => p.role === ref('aws_iam_role', roleRef, 'id'))![1];
    const statements = JSON.parse(policy.policy).Statement as { Sid?: string; Action: string; Resource: string }[];
    expect(statements.find((s) => s.Sid === 'InvokeOwnEndpoint')).toMatchObject({
      Action: 'sagemaker:InvokeEndpoint',
      Resource: ref('aws_sagemaker_endpoint', endpointId, 'arn'),
    });
    expect(statements.find((s) => s.Sid === 'WritePredictions')).toMatchObject({
      Action: 's3:PutObject',
      Resource: expect.stringMatching(/\.arn\}\/predictions\/\*$/),
    });
  });

  it('lets /ready read the status of its endpoint, its stream and its lake bucket only', () => {
    const roleRef = /^\$\{aws_iam_role\.([^.]+)\.arn\}$/.exec(fn.role)![1]!;
    const policy = resourcesOf(stack, 'aws_iam_role_policy').find(([, p]) => p.role === ref('aws_iam_role', roleRef, 'id'))![1];
    const statements = JSON.parse(policy.policy).Statement as { Sid?: string; Action: string | string[]; Resource: string | string[] }[];
    const [streamId] = only(stack, 'aws_kinesis_stream');
    const lakeArn = ref('aws_s3_bucket', /^\$\{aws_s3_bucket\.([^.]+)\.bucket\}$/.exec(fn.environment.variables[ENV.predictionsBucket])![1]!, 'arn');
    const granting = (action: string) => statements.filter((s) => [s.Action].flat().includes(action));
    expect(granting('sagemaker:DescribeEndpoint')).toEqual([
      { Sid: 'DescribeOwnEndpoint', Effect: 'Allow', Action: 'sagemaker:DescribeEndpoint', Resource: ref('aws_sagemaker_endpoint', endpointId, 'arn') },
    ]);
    expect(granting('kinesis:DescribeStreamSummary')).toEqual([
      { Sid: 'DescribeIngestionStream', Effect: 'Allow', Action: 'kinesis:DescribeStreamSummary', Resource: ref('aws_kinesis_stream', streamId, 'arn') },
    ]);
    // HeadBucket is authorised by s3:ListBucket: the bucket ARN, no objects, no other bucket.
    expect(granting('s3:ListBucket')).toEqual([{ Sid: 'HeadLakeBucket', Effect: 'Allow', Action: 's3:ListBucket', Resource: lakeArn }]);
  });

  it("lets API Gateway invoke the function for this API's three routes only", () => {
    const permissions = resourcesOf(stack, 'aws_lambda_permission')
      .map(([, p]) => p)
      .filter((p) => p.function_name === ref('aws_lambda_function', fnId, 'function_name'));
    expect(permissions.map((p) => p.source_arn).sort()).toEqual([
      `${ref('aws_apigatewayv2_api', apiId, 'execution_arn')}/*/GET/health`,
      `${ref('aws_apigatewayv2_api', apiId, 'execution_arn')}/*/GET/ready`,
      `${ref('aws_apigatewayv2_api', apiId, 'execution_arn')}/*/POST/predict`,
    ]);
    expect(permissions.every((p) => p.principal === 'apigateway.amazonaws.com')).toBe(true);
  });

  it('outputs the API URL and the endpoint name', () => {
    expect(stack.output?.inference_api_url?.value).toBe(ref('aws_apigatewayv2_api', apiId, 'api_endpoint'));
    expect(stack.output?.inference_endpoint_name?.value).toBe(endpoint.name);
  });
});

describe('inference API configuration', () => {
  it('inferenceApi.authorization NONE opens /predict', () => {
    const { stacks } = synthPlatform({ inferenceApi: { authorization: 'NONE' } });
    expect(routes(stacks.primary)['POST /predict']!.authorization_type).toBe('NONE');
  });

  it('with DNS failover configured, /health and /ready are open for Route 53 health checkers while /predict stays IAM-authorised', () => {
    const { stacks } = synthPlatform({ dns: { hostedZoneId: 'Z0123456789ABCDEFGHIJ', apiRecordName: 'api.example.com' } });
    for (const role of ROLES) {
      expect(routes(stacks[role])['GET /health']!.authorization_type).toBe('NONE');
      expect(routes(stacks[role])['GET /ready']!.authorization_type).toBe('NONE');
      expect(routes(stacks[role])['POST /predict']!.authorization_type).toBe('AWS_IAM');
    }
  });

  it('a function timeout too short for the InvokeEndpoint retry budget fails synth, naming both', () => {
    expect(() => synthPlatform({ inferenceApi: { timeoutSeconds: 10 } })).toThrow(/retry budget .*= 15750 ms.*inferenceApi\.timeoutSeconds \(10 s\)/);
  });
});
