import { CloudwatchMetricAlarm } from '@cdktf/provider-aws/lib/cloudwatch-metric-alarm';
import { DataAwsSqsQueue } from '@cdktf/provider-aws/lib/data-aws-sqs-queue';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { SnsTopic } from '@cdktf/provider-aws/lib/sns-topic';
import { SqsQueue } from '@cdktf/provider-aws/lib/sqs-queue';
import { SqsQueuePolicy } from '@cdktf/provider-aws/lib/sqs-queue-policy';
import { Aspects, TerraformOutput, TerraformStack, Testing } from 'cdktf';
import { buildLocalApp } from '../../local-deploy/app';
import { LocalEmulatorAspect, type LocalEmulatorReport } from '../../local-deploy/emulator-aspect';
import { EMULATOR_GAPS, EMULATOR_READBACK_GAPS } from '../../local-deploy/emulator-gaps';
import { endpointOfType } from '../../local-deploy/endpoints';
import type { StackRole } from '../../stacks/naming';
import { addressesReferencedBy, SynthesizedStackView } from '../../stacks/synthesized-stack';
import { ROLES, synthPlatform, testConfig, type TerraformJson } from '../helpers/synth';

const ENDPOINT = 'http://127.0.0.1:5123';

interface LocalStack {
  readonly json: TerraformJson;
  readonly report: LocalEmulatorReport;
}

/** Both stacks synthesized for the emulator at ENDPOINT, with the report the aspect writes into `//`. */
function synthLocal(file: unknown): Record<StackRole, LocalStack> {
  const app = Testing.app();
  const stacks = buildLocalApp(app, testConfig(file), ENDPOINT);
  return Object.fromEntries(
    stacks.map((stack) => {
      const json = JSON.parse(Testing.synth(stack)) as TerraformJson;
      const report = (stack.toTerraform() as Record<string, any>)['//'].localEmulator as LocalEmulatorReport;
      return [stack.context.role, { json, report }];
    }),
  ) as Record<StackRole, LocalStack>;
}

function addresses(stack: TerraformJson): Set<string> {
  return new SynthesizedStackView(stack).addresses();
}

/** Resource and data-source addresses mentioned anywhere in the stack (interpolations, depends_on). */
function referencedAddresses(stack: TerraformJson): Set<string> {
  return new Set(addressesReferencedBy({ resource: stack.resource, data: stack.data, output: stack.output }));
}

function statementsOf(policy: string): any[] {
  return JSON.parse(policy).Statement;
}

const mentionsSecureTransport = (statement: any): boolean =>
  JSON.stringify(statement.Condition ?? {})
    .toLowerCase()
    .includes('aws:securetransport');

const configurations: Record<string, unknown> = {
  defaults: {},
  'every optional feature': {
    drMode: 'warm-standby',
    network: { natStrategy: 'per-az' },
    observability: { alertEmails: ['oncall@example.com'] },
    quicksight: { enabled: true, principalArn: 'arn:aws:quicksight:us-east-1:123456789012:user/default/analyst' },
    dns: { hostedZoneId: 'Z0123456789ABCDEFGHIJ', apiRecordName: 'api.example.com' },
  },
};

const local = synthLocal({});
const aws = synthPlatform().stacks;

describe.each(Object.entries(configurations).flatMap(([name, file]) => ROLES.map((role) => [name, role, file] as const)))(
  '%s, %s stack synthesized for the local emulator',
  (_name, role, file) => {
    const { json, report } = synthLocal(file)[role];
    const forAws = synthPlatform(file).stacks[role];

    test('the reference checker finds every reference of the stack as synthesized for AWS', () => {
      // Sanity check of the checker used below: on the real stack, everything it finds exists.
      const known = addresses(forAws);
      const referenced = referencedAddresses(forAws);
      expect(referenced.size).toBeGreaterThan(50);
      expect([...referenced].filter((address) => !known.has(address))).toEqual([]);
    });

    test('still valid Terraform: every reference and depends_on names a resource or data source that is there', () => {
      const known = addresses(json);
      expect([...referencedAddresses(json)].filter((address) => !known.has(address))).toEqual([]);
    });

    test('kept plus excluded is exactly the stack as synthesized for AWS', () => {
      const kept = [...addresses(json)].filter((address) => !address.startsWith('data.'));
      const excluded = report.excluded.map((entry) => entry.address).filter((address) => !address.startsWith('data.') && !address.startsWith('output.'));
      expect(kept.filter((address) => excluded.includes(address))).toEqual([]);
      const forAwsResources = [...addresses(forAws)].filter((address) => !address.startsWith('data.'));
      expect([...kept, ...excluded].sort()).toEqual(forAwsResources.sort());
    });

    test('no resource of a type moto cannot create is left, and each excluded one says why', () => {
      for (const gap of EMULATOR_GAPS) expect(json.resource[gap.resourceType]).toBeUndefined();
      for (const entry of report.excluded) {
        expect(entry.reason).toMatch(/^(moto does not implement .+: .+|references \S+, which is excluded)$/);
        const dependency = /^references (\S+),/.exec(entry.reason)?.[1];
        if (dependency) expect(report.excluded.map((e) => e.address)).toContain(dependency);
      }
      const gapTypesInStack = EMULATOR_GAPS.map((gap) => gap.resourceType).filter((type) => forAws.resource[type]);
      expect(gapTypesInStack.length).toBeGreaterThan(0);
      for (const type of gapTypesInStack) {
        expect(report.excluded.filter((entry) => entry.address.startsWith(`${type}.`))).toHaveLength(Object.keys(forAws.resource[type]).length);
      }
    });

    test('bucket policies lose only their aws:SecureTransport statements', () => {
      const policies = Object.entries(json.resource.aws_s3_bucket_policy ?? {});
      expect(policies.length).toBeGreaterThan(2);
      for (const [id, config] of policies) {
        const original = statementsOf(forAws.resource.aws_s3_bucket_policy[id].policy);
        expect(original.some(mentionsSecureTransport)).toBe(true);
        expect(statementsOf(config.policy)).toEqual(original.filter((statement) => !mentionsSecureTransport(statement)));
      }
    });

    test('settings moto does not read back are still sent, and only left out of the comparison', () => {
      let checked = 0;
      for (const gap of EMULATOR_READBACK_GAPS) {
        for (const [id, config] of Object.entries(json.resource[gap.resourceType] ?? {})) {
          expect(config.lifecycle?.ignore_changes).toEqual(expect.arrayContaining([...gap.attributes]));
          const { lifecycle: _local, ...rest } = config;
          const { lifecycle: _aws, ...original } = forAws.resource[gap.resourceType][id];
          expect(rest).toEqual(original);
          checked += 1;
        }
      }
      expect(checked).toBe(report.notReadBack.length);
      expect(checked).toBeGreaterThan(10);
    });

    test('the provider points every service the stack uses at the emulator, and nothing else leaves the machine', () => {
      for (const provider of json.provider!.aws) {
        expect(provider).toMatchObject({
          access_key: 'testing',
          skip_credentials_validation: true,
          skip_requesting_account_id: false,
          s3_use_path_style: true,
          http_proxy: ENDPOINT,
          https_proxy: ENDPOINT,
        });
        const endpoints = provider.endpoints[0] as Record<string, string>;
        const types = [...Object.keys(json.resource), ...Object.keys(json.data ?? {})];
        const unserved = types.filter((type) => type !== 'aws_sagemaker_prebuilt_ecr_image' && endpoints[endpointOfType(type) ?? ''] !== ENDPOINT);
        expect(unserved).toEqual([]);
      }
    });
  },
);

test('the stack as synthesized for AWS is untouched: no emulator settings, every resource type present', () => {
  for (const role of ROLES) {
    const provider = aws[role].provider!.aws[0];
    expect(provider.endpoints).toBeUndefined();
    expect(provider.http_proxy).toBeUndefined();
    for (const [type, byId] of Object.entries(aws[role].resource)) {
      for (const config of Object.values(byId)) {
        const ignored: string[] = config.lifecycle?.ignore_changes ?? [];
        const gap = EMULATOR_READBACK_GAPS.find((g) => g.resourceType === type);
        for (const attribute of gap?.attributes ?? []) expect(ignored).not.toContain(attribute);
      }
    }
  }
  expect(aws.primary.resource.aws_budgets_budget).toBeDefined();
  expect(aws.primary.resource.aws_redshift_cluster).toBeDefined();
});

test('primary: the Redshift alarms and the dashboard watch the excluded cluster by its configured identifier', () => {
  const { json, report } = local.primary;
  const [clusterId, cluster] = Object.entries(aws.primary.resource.aws_redshift_cluster)[0];
  const identifier = cluster.cluster_identifier as string;
  const watching = report.adapted.filter((entry) => entry.reason.startsWith(`names aws_redshift_cluster.${clusterId} `));
  expect(watching.map((entry) => entry.address.split('.')[0]).sort()).toEqual(
    expect.arrayContaining(['aws_cloudwatch_dashboard', 'aws_cloudwatch_metric_alarm']),
  );
  for (const entry of watching) {
    const [type, id] = entry.address.split('.');
    const text = JSON.stringify(json.resource[type][id]);
    expect(text).toContain(identifier);
    expect(text).not.toContain('aws_redshift_cluster.');
  }
});

describe('LocalEmulatorAspect on a small stack', () => {
  function synthSmall(): { json: TerraformJson; report: LocalEmulatorReport } {
    const app = Testing.app();
    const stack = new TerraformStack(app, 'small');
    new AwsProvider(stack, 'aws', { region: 'us-east-1' });
    const queue = new SqsQueue(stack, 'queue', { name: 'orders' });
    const policy = new SqsQueuePolicy(stack, 'policy', { queueUrl: queue.url, policy: '{}' });
    new SnsTopic(stack, 'after-policy', { name: 'after', dependsOn: [policy] });
    new SnsTopic(stack, 'unrelated', { name: 'unrelated' });
    new DataAwsSqsQueue(stack, 'lookup', { name: queue.name });
    new CloudwatchMetricAlarm(stack, 'by-name', {
      alarmName: 'depth',
      alarmDescription: `${queue.name} is deep`,
      namespace: 'AWS/SQS',
      metricName: 'ApproximateNumberOfMessagesVisible',
      dimensions: { QueueName: queue.name },
      statistic: 'Maximum',
      period: 60,
      evaluationPeriods: 1,
      threshold: 1,
      comparisonOperator: 'GreaterThanOrEqualToThreshold',
    });
    new CloudwatchMetricAlarm(stack, 'by-arn', {
      alarmName: 'arn',
      namespace: 'AWS/SQS',
      metricName: 'NumberOfMessagesSent',
      dimensions: { QueueArn: queue.arn },
      statistic: 'Sum',
      period: 60,
      evaluationPeriods: 1,
      threshold: 1,
      comparisonOperator: 'GreaterThanOrEqualToThreshold',
    });
    new TerraformOutput(stack, 'queue_url', { value: queue.url });
    const aspect = new LocalEmulatorAspect([{ resourceType: 'aws_sqs_queue', operation: 'sqs:Everything', emulatorError: 'not here' }], [], []);
    Aspects.of(stack).add(aspect);
    const json = JSON.parse(Testing.synth(stack)) as TerraformJson;
    return { json, report: aspect.reports.get('small')! };
  }

  const { json, report } = synthSmall();
  const excluded = Object.fromEntries(report.excluded.map((entry) => [entry.address, entry.reason]));

  test('removes the unsupported type and, transitively, whatever references it (depends_on, data sources, outputs)', () => {
    expect(excluded).toEqual({
      'aws_sqs_queue.queue': 'moto does not implement sqs:Everything: not here',
      'aws_sqs_queue_policy.policy': 'references aws_sqs_queue.queue, which is excluded',
      'aws_sns_topic.after-policy': 'references aws_sqs_queue_policy.policy, which is excluded',
      'data.aws_sqs_queue.lookup': 'references aws_sqs_queue.queue, which is excluded',
      'aws_cloudwatch_metric_alarm.by-arn': 'references aws_sqs_queue.queue, which is excluded',
      'output.queue_url': 'references aws_sqs_queue.queue, which is excluded',
    });
    expect(Object.keys(json.resource).sort()).toEqual(['aws_cloudwatch_metric_alarm', 'aws_sns_topic']);
    expect(Object.keys(json.resource.aws_sns_topic)).toEqual(['unrelated']);
    expect(json.data).toBeUndefined();
    expect(json.output).toBeUndefined();
  });

  test('an alarm that names the excluded queue by a configured argument keeps watching it by that literal name', () => {
    const alarm = json.resource.aws_cloudwatch_metric_alarm['by-name'];
    expect(alarm.dimensions).toEqual({ QueueName: 'orders' });
    expect(alarm.alarm_description).toBe('orders is deep');
    expect(report.adapted).toEqual([
      { address: 'aws_cloudwatch_metric_alarm.by-name', reason: 'names aws_sqs_queue.queue (excluded) by the literal value of its configuration' },
    ]);
  });
});
