import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { TerraformStack, Testing } from 'cdktf';
import * as fc from 'fast-check';
import { endpointOfType, LOCAL_ENDPOINT_SERVICES, localEndpointFrom, pointAtEmulator, pointProvidersAtEmulator } from '../../local-deploy/endpoints';
import { ConfigValidationError } from '../../stacks/config/validate';
import { synthPlatform } from '../helpers/synth';

describe('localEndpointFrom', () => {
  test.each(['http://127.0.0.1:5000', 'http://127.1.2.3', 'http://localhost:4566'])('accepts %s', (url) => {
    expect(localEndpointFrom({ LOCAL_AWS_ENDPOINT: url })).toBe(url);
  });

  test.each([undefined, '', 'https://127.0.0.1:5000', 'http://10.0.0.1:5000', 'http://example.com', 'http://127.0.0.1:5000/path'])(
    'rejects %p, naming the variable, the value and what is allowed',
    (value) => {
      let problem: unknown;
      try {
        localEndpointFrom(value === undefined ? {} : { LOCAL_AWS_ENDPOINT: value });
      } catch (error) {
        expect(error).toBeInstanceOf(ConfigValidationError);
        problem = (error as ConfigValidationError).problems[0];
      }
      expect(problem).toEqual({ field: 'LOCAL_AWS_ENDPOINT', value, allowed: expect.stringContaining('loopback interface') });
    },
  );

  test('property: no URL of a host other than the loopback interface is accepted', () => {
    const notLoopback = fc.webUrl().filter((url) => !/^https?:\/\/(127\.|localhost[:/]|localhost$)/.test(url));
    fc.assert(
      fc.property(notLoopback, (url) => {
        expect(() => localEndpointFrom({ LOCAL_AWS_ENDPOINT: url })).toThrow(ConfigValidationError);
      }),
      { numRuns: 200 },
    );
  });
});

describe('pointProvidersAtEmulator', () => {
  const ENDPOINT = 'http://127.0.0.1:5123';

  function synthProviders(): Record<string, unknown>[] {
    const app = Testing.app();
    const stack = new TerraformStack(app, 'providers');
    new AwsProvider(stack, 'aws', { region: 'us-east-1', defaultTags: [{ tags: { project: 'p' } }] });
    new AwsProvider(stack, 'peer', { region: 'us-west-2', alias: 'peer' });
    pointProvidersAtEmulator(stack, ENDPOINT);
    return JSON.parse(Testing.synth(stack)).provider.aws;
  }

  test('every AWS provider of the stack, the alias too, talks only to the emulator, with fake credentials', () => {
    const providers = synthProviders();
    expect(providers).toHaveLength(2);
    for (const provider of providers) {
      expect(provider).toMatchObject({
        access_key: 'testing',
        secret_key: 'testing',
        skip_credentials_validation: true,
        skip_requesting_account_id: false,
        skip_metadata_api_check: 'true',
        skip_region_validation: true,
        s3_use_path_style: true,
        max_retries: 2,
        http_proxy: ENDPOINT,
        https_proxy: ENDPOINT,
      });
      const endpoints = (provider.endpoints as Record<string, string>[])[0];
      // Synthesized keys are the setting names in lower case (s3Control -> s3control).
      expect(Object.keys(endpoints).sort()).toEqual(LOCAL_ENDPOINT_SERVICES.map((service) => service.toLowerCase()).sort());
      expect(new Set(Object.values(endpoints))).toEqual(new Set([ENDPOINT]));
    }
  });

  test('keeps what the provider had: region, alias and default tags', () => {
    const [aws, peer] = synthProviders();
    expect(aws).toMatchObject({ region: 'us-east-1', default_tags: [{ tags: { project: 'p' } }] });
    expect(peer).toMatchObject({ region: 'us-west-2', alias: 'peer' });
  });

  test('pointAtEmulator on one provider leaves the others alone', () => {
    const app = Testing.app();
    const stack = new TerraformStack(app, 'one');
    const local = new AwsProvider(stack, 'aws', { region: 'us-east-1' });
    new AwsProvider(stack, 'peer', { region: 'us-west-2', alias: 'peer' });
    pointAtEmulator(local, ENDPOINT);
    const [first, second] = JSON.parse(Testing.synth(stack)).provider.aws;
    expect(first.http_proxy).toBe(ENDPOINT);
    expect(second).toEqual({ alias: 'peer', region: 'us-west-2' });
  });
});

test('the production app ignores LOCAL_AWS_ENDPOINT: same stacks with and without it', () => {
  const withVariable = synthPlatform({}, { LOCAL_AWS_ENDPOINT: 'http://127.0.0.1:5123' }).stacks;
  expect(withVariable).toEqual(synthPlatform().stacks);
});

describe('endpointOfType', () => {
  test.each([
    ['aws_route', 'ec2'],
    ['aws_route_table_association', 'ec2'],
    ['aws_route53_health_check', 'route53'],
    ['aws_cloudwatch_log_group', 'cloudwatchlogs'],
    ['aws_cloudwatch_event_rule', 'events'],
    ['aws_cloudwatch_metric_alarm', 'cloudwatch'],
    ['aws_kinesis_firehose_delivery_stream', 'firehose'],
    ['aws_kinesis_stream', 'kinesis'],
    ['aws_redshiftdata_statement', 'redshiftdata'],
    ['aws_redshift_cluster', 'redshift'],
  ])('%s is served by the %s endpoint', (type, endpoint) => {
    expect(endpointOfType(type)).toBe(endpoint);
  });

  test('an unknown type has no endpoint, so the coverage test names it', () => {
    expect(endpointOfType('aws_memorydb_cluster')).toBeUndefined();
  });
});
