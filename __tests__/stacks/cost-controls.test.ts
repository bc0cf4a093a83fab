import { ACTIVATED_COST_ALLOCATION_TAG_KEYS } from '../../stacks/provider';
import { receivesAcrossPause, RESUME_MARGIN_MINUTES } from '../../stacks/constructs/warehouse-loader';
import { resourcesOf, ROLES, synthPlatform, type TerraformJson } from '../helpers/synth';

const EMAILS = ['oncall@example.com', 'finance@example.com'];
const SCHEDULED = { redshift: { schedule: { enabled: true } } };
const CE_TYPES = ['aws_ce_anomaly_monitor', 'aws_ce_anomaly_subscription', 'aws_ce_cost_allocation_tag'];

const statements = (policy: string): any[] => JSON.parse(policy).Statement;
const ref = (type: string, id: string, attribute: string) => `\${${type}.${id}.${attribute}}`;

function only(stack: TerraformJson, type: string): [string, Record<string, any>] {
  const found = resourcesOf(stack, type);
  expect(found).toHaveLength(1);
  return found[0]!;
}

function loaderQueue(stack: TerraformJson): Record<string, any> {
  const queues = resourcesOf(stack, 'aws_sqs_queue').filter(([, q]) => /-warehouse-loader-[a-z0-9]+$/.test(q.name));
  expect(queues).toHaveLength(1);
  return queues[0]![1];
}

describe('warehouse pause schedule', () => {
  it('is off by default: no scheduled actions, no scheduler role, and the loader queue keeps its 5 deliveries', () => {
    const { stacks } = synthPlatform();
    for (const role of ROLES) {
      expect(resourcesOf(stacks[role], 'aws_redshift_scheduled_action')).toHaveLength(0);
      expect(resourcesOf(stacks[role], 'aws_iam_role').filter(([, r]) => r.assume_role_policy.includes('scheduler.redshift'))).toHaveLength(0);
    }
    expect(JSON.parse(loaderQueue(stacks.primary).redrive_policy).maxReceiveCount).toBe(5);
  });

  describe('enabled', () => {
    const { config, stacks } = synthPlatform(SCHEDULED);
    const primary = stacks.primary;
    const [clusterId, cluster] = only(primary, 'aws_redshift_cluster');
    const actions = resourcesOf(primary, 'aws_redshift_scheduled_action').map(([, a]) => a);

    it('pauses and resumes the cluster on the configured cron expressions', () => {
      expect(actions).toHaveLength(2);
      const pause = actions.find((a) => a.target_action.pause_cluster)!;
      const resume = actions.find((a) => a.target_action.resume_cluster)!;
      expect(pause).toMatchObject({
        schedule: config.redshift.schedule.pauseCron,
        enable: true,
        target_action: { pause_cluster: { cluster_identifier: ref('aws_redshift_cluster', clusterId, 'cluster_identifier') } },
      });
      expect(resume).toMatchObject({
        schedule: config.redshift.schedule.resumeCron,
        enable: true,
        target_action: { resume_cluster: { cluster_identifier: ref('aws_redshift_cluster', clusterId, 'cluster_identifier') } },
      });
      expect(pause.schedule).toBe('cron(0 20 ? * MON-FRI *)');
      expect(resume.schedule).toBe('cron(0 8 ? * MON-FRI *)');
      expect(pause.name).not.toBe(resume.name);
    });

    it('runs them as a role only the Redshift scheduler assumes, allowed to pause and resume this cluster only', () => {
      const roleIds = new Set(actions.map((a) => /aws_iam_role\.([^.]+)\.arn/.exec(a.iam_role)![1]));
      expect(roleIds.size).toBe(1);
      const [roleId] = [...roleIds];
      const role = primary.resource.aws_iam_role[roleId!];
      expect(statements(role.assume_role_policy)).toEqual([
        { Effect: 'Allow', Principal: { Service: 'scheduler.redshift.amazonaws.com' }, Action: 'sts:AssumeRole' },
      ]);
      const policies = resourcesOf(primary, 'aws_iam_role_policy').filter(([, p]) => p.role === ref('aws_iam_role', roleId!, 'id'));
      expect(policies).toHaveLength(1);
      expect(statements(policies[0]![1].policy)).toEqual([
        {
          Sid: 'PauseAndResumeWarehouse',
          Effect: 'Allow',
          Action: ['redshift:PauseCluster', 'redshift:ResumeCluster'],
          Resource: `arn:aws:redshift:us-east-1:\${data.aws_caller_identity.current.account_id}:cluster:${cluster.cluster_identifier}`,
        },
      ]);
      for (const action of actions) expect(action.depends_on).toEqual([`aws_iam_role_policy.${policies[0]![0]}`]);
    });

    it("lets the loader's queue redeliver across the longest pause (Friday 20:00 to Monday 08:00) before dead-lettering", () => {
      const visibility = loaderQueue(primary).visibility_timeout_seconds;
      const expected = 5 + Math.ceil(((60 * 60 + RESUME_MARGIN_MINUTES) * 60) / visibility);
      expect(JSON.parse(loaderQueue(primary).redrive_policy).maxReceiveCount).toBe(expected);
      expect(expected).toBe(receivesAcrossPause(5, 60 * 60, visibility));
    });

    it('keeps the health alarm quiet while the cluster is paused (missing data is not breaching); by default silence breaches', () => {
      const health = (stack: TerraformJson) =>
        resourcesOf(stack, 'aws_cloudwatch_metric_alarm')
          .map(([, a]) => a)
          .find((a) => a.metric_name === 'HealthStatus')!;
      expect(health(primary).treat_missing_data).toBe('notBreaching');
      expect(health(synthPlatform().stacks.primary).treat_missing_data).toBe('breaching');
    });

    it('has nothing to pause in a pilot-light DR region', () => {
      expect(resourcesOf(stacks.dr, 'aws_redshift_scheduled_action')).toHaveLength(0);
    });
  });

  it('pauses the warm-standby DR cluster too', () => {
    const { stacks } = synthPlatform({ ...SCHEDULED, drMode: 'warm-standby' });
    expect(resourcesOf(stacks.dr, 'aws_redshift_scheduled_action')).toHaveLength(2);
  });

  it('receivesAcrossPause adds nothing without a pause, and one delivery per visibility timeout of the pause', () => {
    expect(receivesAcrossPause(5, 0, 1800)).toBe(5);
    expect(receivesAcrossPause(5, 12 * 60, 1800)).toBe(5 + Math.ceil((12 * 60 + RESUME_MARGIN_MINUTES) / 30));
  });
});

describe('cost allocation tags, budget filter and anomaly detection', () => {
  const { config, stacks } = synthPlatform({ observability: { alertEmails: EMAILS } });
  const primary = stacks.primary;

  it('activates project, environment and cost-center, keys the provider applies as default tags', () => {
    const tags = resourcesOf(primary, 'aws_ce_cost_allocation_tag').map(([, t]) => t);
    expect(tags.map((t) => t.tag_key).sort()).toEqual(['cost-center', 'environment', 'project']);
    for (const tag of tags) expect(tag.status).toBe('Active');
    const defaultTags = primary.provider!.aws.find((p: any) => !p.alias).default_tags[0].tags;
    for (const key of ACTIVATED_COST_ALLOCATION_TAG_KEYS) expect(Object.keys(defaultTags)).toContain(key);
  });

  it('filters the budget by the project tag, after the tags are activated', () => {
    const [, budget] = only(primary, 'aws_budgets_budget');
    expect(budget.cost_filter).toEqual([{ name: 'TagKeyValue', values: [`user:project$${config.projectName}`] }]);
    const tagIds = resourcesOf(primary, 'aws_ce_cost_allocation_tag').map(([id]) => `aws_ce_cost_allocation_tag.${id}`);
    expect([...budget.depends_on].sort()).toEqual(tagIds.sort());
  });

  it('monitors the spend carrying the project tag and e-mails anomalies of at least the threshold', () => {
    const [monitorId, monitor] = only(primary, 'aws_ce_anomaly_monitor');
    expect(monitor.monitor_type).toBe('CUSTOM');
    expect(JSON.parse(monitor.monitor_specification)).toEqual({ Tags: { Key: 'project', Values: [config.projectName], MatchOptions: ['EQUALS'] } });
    const [, subscription] = only(primary, 'aws_ce_anomaly_subscription');
    expect(subscription).toMatchObject({
      frequency: 'DAILY',
      monitor_arn_list: [ref('aws_ce_anomaly_monitor', monitorId, 'arn')],
      threshold_expression: { dimension: { key: 'ANOMALY_TOTAL_IMPACT_ABSOLUTE', match_options: ['GREATER_THAN_OR_EQUAL'], values: ['100'] } },
    });
    expect(subscription.subscriber).toEqual(EMAILS.map((address) => ({ type: 'EMAIL', address })));
  });

  it('creates every Cost Explorer resource once, in the primary stack only (Cost Explorer is global)', () => {
    for (const type of CE_TYPES) expect(resourcesOf(stacks.dr, type)).toHaveLength(0);
  });

  it('takes the threshold and frequency from config', () => {
    const { stacks: tuned } = synthPlatform({ observability: { alertEmails: EMAILS, costAnomaly: { thresholdUsd: 250, frequency: 'WEEKLY' } } });
    const [, subscription] = only(tuned.primary, 'aws_ce_anomaly_subscription');
    expect(subscription.frequency).toBe('WEEKLY');
    expect(subscription.threshold_expression.dimension.values).toEqual(['250']);
  });

  it('has no subscription without alert e-mails (the monitor still records anomalies)', () => {
    const { stacks: bare } = synthPlatform();
    expect(resourcesOf(bare.primary, 'aws_ce_anomaly_monitor')).toHaveLength(1);
    expect(resourcesOf(bare.primary, 'aws_ce_anomaly_subscription')).toHaveLength(0);
  });

  it('switches off: no monitor or tag activation, and the budget keeps its project filter without depending on it', () => {
    const { stacks: off } = synthPlatform({ observability: { activateCostAllocationTags: false, costAnomaly: { enabled: false } } });
    for (const type of CE_TYPES) expect(resourcesOf(off.primary, type)).toHaveLength(0);
    const [, budget] = only(off.primary, 'aws_budgets_budget');
    expect(budget.cost_filter).toEqual([{ name: 'TagKeyValue', values: [`user:project$${config.projectName}`] }]);
    expect(budget.depends_on).toBeUndefined();
  });
});
