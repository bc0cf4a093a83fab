import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { resourcesOf, ROLES, synthPlatform, type TerraformJson } from '../helpers/synth';

/**
 * scripts/lib/stack-manifest.js is how monitor.sh and destroy.sh find resources; the bats tests run
 * it on trimmed fixtures, this runs it on the real synthesized stacks, so both stay in step with
 * what the constructs actually emit.
 */
const SCRIPT = path.join(__dirname, '..', '..', 'scripts', 'lib', 'stack-manifest.js');
const ACCOUNT = '123456789012';

function manifest(stack: TerraformJson): string[][] {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'daml-manifest-'));
  try {
    const file = path.join(dir, 'cdk.tf.json');
    fs.writeFileSync(file, JSON.stringify(stack));
    return execFileSync('node', [SCRIPT, file, ACCOUNT], { encoding: 'utf8' })
      .trim()
      .split('\n')
      .map((line) => line.split('\t'));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const { config, stacks } = synthPlatform({ observability: { alarms: { replicationLatencySeconds: 600 } } });

describe.each(ROLES)('%s stack manifest', (role) => {
  const stack = stacks[role];
  const lines = manifest(stack);
  const of = (kind: string) => lines.filter(([k]) => k === kind);

  test('names the region of the stack', () => {
    expect(of('region')).toEqual([['region', role === 'primary' ? config.primaryRegion : config.drRegion]]);
  });

  test('lists every bucket by its real name, with force_destroy and a lifecycle summary', () => {
    const names = of('bucket').map(([, name]) => name);
    expect(names).toHaveLength(resourcesOf(stack, 'aws_s3_bucket').length);
    for (const name of names) expect(name).toMatch(new RegExp(`^data-analytics-ml-analytics-[a-z-]+-${ACCOUNT}-[a-z0-9]+$`));
    for (const [, , force, lifecycle] of of('bucket')) {
      expect(force).toBe(String(config.dataLake.forceDestroy));
      expect(lifecycle).toMatch(/old versions after \d+ d/);
    }
  });

  test('finds the dashboard and one line per stream, function, queue, endpoint, cluster and API in the stack', () => {
    expect(of('dashboard').map(([, name]) => name)).toEqual(resourcesOf(stack, 'aws_cloudwatch_dashboard').map(([, d]) => d.dashboard_name));
    expect(of('stream')).toHaveLength(resourcesOf(stack, 'aws_kinesis_stream').length);
    expect(of('function')).toHaveLength(resourcesOf(stack, 'aws_lambda_function').length);
    expect(of('queue')).toHaveLength(resourcesOf(stack, 'aws_sqs_queue').length);
    expect(of('endpoint')).toHaveLength(resourcesOf(stack, 'aws_sagemaker_endpoint').length);
    expect(of('cluster')).toHaveLength(resourcesOf(stack, 'aws_redshift_cluster').length);
    expect(of('api')).toHaveLength(resourcesOf(stack, 'aws_apigatewayv2_api').length);
  });

  test('lists the outputs the synth knows (scripts/dr.sh reads inference_failover_capacity from them), none with a reference left', () => {
    const outputs = of('output');
    expect(outputs.map(([, name]) => name)).toEqual(expect.arrayContaining(['region', 'inference_endpoint_name']));
    expect(outputs.find(([, name]) => name === 'region')?.[2]).toBe(role === 'primary' ? config.primaryRegion : config.drRegion);
    for (const [, , value] of outputs) expect(value).not.toContain('${');
  });

  test('names every endpoint with the configured production variants (monitor.sh checks each)', () => {
    for (const [, , variants] of of('endpoint')) expect(variants.split(',')).toEqual(config.sagemaker.variants.map((v) => v.name));
  });

  test('marks the stream consumed where an event source mapping reads it (missing iterator age is then CRIT)', () => {
    for (const [, , consumed] of of('stream')) expect(consumed).toBe(resourcesOf(stack, 'aws_lambda_event_source_mapping').length > 0 ? 'yes' : 'no');
  });

  test('carries the threshold of every alarm with a static threshold (anomaly-detection bands have none)', () => {
    const withThreshold = resourcesOf(stack, 'aws_cloudwatch_metric_alarm').filter(([, a]) => typeof a.threshold === 'number');
    expect(of('alarm')).toHaveLength(withThreshold.length);
  });

  test('carries the rule of every such alarm as synthesized (what monitor.sh judges by); deployment guards are marked rollback', () => {
    const synthesized = resourcesOf(stack, 'aws_cloudwatch_metric_alarm')
      .filter(([, a]) => typeof a.threshold === 'number')
      .map(([, a]) => {
        const metric = a.metric_name ? a : a.metric_query.find((q: any) => q.metric).metric;
        return [
          a.metric_name ? a.metric_name : `rate(${metric.metric_name})`,
          String(a.threshold),
          a.comparison_operator,
          metric.statistic ?? metric.extended_statistic ?? metric.stat,
          String(metric.period),
          String(a.evaluation_periods),
          String(a.datapoints_to_alarm),
          a.treat_missing_data,
          a.alarm_name.includes('-rollback-') ? 'rollback' : 'alert',
        ].join(' ');
      });
    const manifested = of('alarm').map(([, metric, , ...rule]) => [metric, ...rule.slice(0, 7), rule[8]].join(' '));
    expect(manifested.sort()).toEqual(synthesized.sort());
    expect(manifested.some((line) => line.endsWith(' alert'))).toBe(true);
  });
});

test('the primary manifest names the replication rule with real bucket names and the configured latency threshold', () => {
  const lines = manifest(stacks.primary);
  expect(lines).toContainEqual([
    'replication',
    `data-analytics-ml-analytics-lake-${ACCOUNT}-use1`,
    `data-analytics-ml-analytics-lake-${ACCOUNT}-usw2`,
    'lake-to-dr',
  ]);
  const dimensions = `DestinationBucket=data-analytics-ml-analytics-lake-${ACCOUNT}-usw2,RuleId=lake-to-dr,SourceBucket=data-analytics-ml-analytics-lake-${ACCOUNT}-use1`;
  expect(lines).toContainEqual([
    'alarm',
    'ReplicationLatency',
    `data-analytics-ml-analytics-lake-${ACCOUNT}-usw2`,
    '600',
    'GreaterThanThreshold',
    'Maximum',
    '300',
    '1',
    '1',
    'notBreaching',
    dimensions,
    'alert',
  ]);
  expect(manifest(stacks.dr).some(([kind]) => kind === 'replication')).toBe(false);
});

test('fails with exit status 2 on a file that is not a synthesized stack', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'daml-manifest-'));
  const file = path.join(dir, 'cdk.tf.json');
  fs.writeFileSync(file, '{"resource":{}}');
  let status = 0;
  try {
    execFileSync('node', [SCRIPT, file], { stdio: 'pipe' });
  } catch (error) {
    status = (error as { status: number }).status;
  }
  fs.rmSync(dir, { recursive: true, force: true });
  expect(status).toBe(2);
});

test("the alarms of the script tests' fixture have the rules of the real ones, so monitor.bats judges as the platform alarms", () => {
  const fixture = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'scripts', 'fixtures', 'primary.cdk.tf.json'), 'utf8'));
  const rule = (line: string[], withThreshold: boolean) => [line[1], line[11], ...(withThreshold ? [line[3]] : []), ...line.slice(4, 10)].join(' ');
  const real = manifest(synthPlatform().stacks.primary).filter(([kind]) => kind === 'alarm');
  const fixtureAlarms = manifest(fixture).filter(([kind]) => kind === 'alarm');
  expect(fixtureAlarms.length).toBeGreaterThan(15);
  for (const line of fixtureAlarms) {
    // The fixture's rollback guards have a threshold of their own, so that a test can tell which alarm monitor.sh used.
    const withThreshold = line[11] === 'alert';
    expect(real.map((r) => rule(r, withThreshold))).toContain(rule(line, withThreshold));
  }
});
