import { synthPlatform, resourcesOf, type TerraformJson } from '../helpers/synth';

/** The synthesized alarm whose name ends with `-<key>-<region code>`. */
function alarm(stack: TerraformJson, key: string): Record<string, any> {
  const found = resourcesOf(stack, 'aws_cloudwatch_metric_alarm').filter(([, a]) => new RegExp(`-${key}-[a-z0-9]+$`).test(a.alarm_name));
  expect(found).toHaveLength(1);
  return found[0][1];
}

const topicArnOf = (stack: TerraformJson) => `\${aws_sns_topic.${Object.keys(stack.resource.aws_sns_topic)[0]}.arn}`;
const functions = (stack: TerraformJson) => resourcesOf(stack, 'aws_lambda_function').map(([id, fn]) => ({ id, fn }));

describe('operational alarms in the synthesized stacks', () => {
  const tuned = { observability: { alarms: { lambdaDurationTimeoutRatio: 0.75, kinesisReadThrottles: 4, rawArchiveFreshnessSeconds: 1200 } } };
  const { stacks } = synthPlatform(tuned);

  test.each(['primary', 'dr'] as const)('%s: every function has a duration alarm at the configured share of the timeout it is deployed with', (role) => {
    const stack = stacks[role];
    expect(functions(stack).length).toBeGreaterThan(0);
    for (const { fn } of functions(stack)) {
      const durations = resourcesOf(stack, 'aws_cloudwatch_metric_alarm').filter(
        ([, a]) => a.metric_name === 'Duration' && a.dimensions?.FunctionName === fn.function_name,
      );
      expect(durations).toHaveLength(1);
      expect(durations[0][1]).toMatchObject({
        namespace: 'AWS/Lambda',
        statistic: 'Maximum',
        comparison_operator: 'GreaterThanThreshold',
        threshold: Math.round(fn.timeout * 1000 * 0.75),
        alarm_actions: [topicArnOf(stack)],
        ok_actions: [topicArnOf(stack)],
      });
    }
  });

  test.each(['primary', 'dr'] as const)('%s: Kinesis read throttling on the ingestion stream', (role) => {
    const stack = stacks[role];
    const [streamId] = Object.keys(stack.resource.aws_kinesis_stream);
    expect(alarm(stack, 'kinesis-read-throttled')).toMatchObject({
      namespace: 'AWS/Kinesis',
      metric_name: 'ReadProvisionedThroughputExceeded',
      dimensions: { StreamName: `\${aws_kinesis_stream.${streamId}.name}` },
      statistic: 'Sum',
      threshold: 4,
      comparison_operator: 'GreaterThanOrEqualToThreshold',
      alarm_actions: [topicArnOf(stack)],
    });
  });

  test.each(['primary', 'dr'] as const)('%s: raw archive delivery failures and freshness on the Firehose delivery stream', (role) => {
    const stack = stacks[role];
    const [firehoseId] = Object.keys(stack.resource.aws_kinesis_firehose_delivery_stream);
    const dimensions = { DeliveryStreamName: `\${aws_kinesis_firehose_delivery_stream.${firehoseId}.name}` };
    expect(alarm(stack, 'raw-archive-delivery-failed')).toMatchObject({
      namespace: 'AWS/Firehose',
      metric_name: 'DeliveryToS3.Success',
      dimensions,
      statistic: 'Average',
      threshold: 0.99,
      comparison_operator: 'LessThanThreshold',
      alarm_actions: [topicArnOf(stack)],
    });
    expect(alarm(stack, 'raw-archive-freshness')).toMatchObject({
      namespace: 'AWS/Firehose',
      metric_name: 'DeliveryToS3.DataFreshness',
      dimensions,
      statistic: 'Maximum',
      threshold: 1200,
      comparison_operator: 'GreaterThanThreshold',
      alarm_actions: [topicArnOf(stack)],
    });
  });

  test('without the raw archive there are no raw-archive alarms', () => {
    const { stacks: without } = synthPlatform({ kinesis: { rawArchiveEnabled: false } });
    const names = resourcesOf(without.primary, 'aws_cloudwatch_metric_alarm').map(([, a]) => String(a.alarm_name));
    expect(names.filter((n) => n.includes('raw-archive'))).toEqual([]);
  });

  test('the Security Hub severity comes from the configuration', () => {
    const { stacks: critical } = synthPlatform({ observability: { alarms: { securityHubMinSeverity: 'CRITICAL' } } });
    const patterns = resourcesOf(critical.dr, 'aws_cloudwatch_event_rule').map(([, r]) => JSON.parse(r.event_pattern));
    expect(patterns.find((p) => p.source[0] === 'aws.securityhub').detail.findings.Severity.Label).toEqual(['CRITICAL']);
    const { stacks: off } = synthPlatform({ observability: { securityHub: false } });
    expect(resourcesOf(off.primary, 'aws_cloudwatch_event_rule').filter(([, r]) => JSON.parse(r.event_pattern).source[0] === 'aws.securityhub')).toEqual([]);
  });
});
