import { RESTORE_TEST_STEP_TIMEOUT_SECONDS } from '../../stacks/constructs/warehouse-restore-test';
import { resourcesOf, synthPlatform, testConfig, type TerraformJson } from '../helpers/synth';

const enabled = { redshift: { restoreTest: { enabled: true, schedule: 'cron(30 4 ? * SAT *)' } } };
const statements = (policy: string): any[] => JSON.parse(policy).Statement;
const only = (stack: TerraformJson, type: string): [string, Record<string, any>] => {
  const found = resourcesOf(stack, type);
  expect(found).toHaveLength(1);
  return found[0]!;
};
const ref = (type: string, id: string, attribute: string) => `\${${type}.${id}.${attribute}}`;

describe('the warehouse restore test', () => {
  test('is off by default: no state machine, schedule or restore-test function in either stack', () => {
    const { stacks } = synthPlatform();
    for (const stack of Object.values(stacks)) {
      expect(resourcesOf(stack, 'aws_sfn_state_machine')).toEqual([]);
      expect(resourcesOf(stack, 'aws_scheduler_schedule')).toEqual([]);
      expect(resourcesOf(stack, 'aws_lambda_function').filter(([, f]) => String(f.function_name).includes('restore-test'))).toEqual([]);
    }
  });

  const { stacks } = synthPlatform(enabled);
  const dr = stacks.dr;

  test('when enabled it lives in the DR stack only', () => {
    expect(resourcesOf(stacks.primary, 'aws_sfn_state_machine')).toEqual([]);
    only(dr, 'aws_sfn_state_machine');
  });

  test('the state machine logs everything to an encrypted group, traces, and is encrypted with the platform key', () => {
    const [, machine] = only(dr, 'aws_sfn_state_machine');
    const [keyId] = only(dr, 'aws_kms_key');
    expect(machine.type).toBe('STANDARD');
    expect(machine.tracing_configuration).toEqual({ enabled: true });
    expect(machine.encryption_configuration).toMatchObject({ type: 'CUSTOMER_MANAGED_KMS_KEY', kms_key_id: ref('aws_kms_key', keyId, 'arn') });
    expect(machine.logging_configuration).toMatchObject({ level: 'ALL', include_execution_data: true });
    const groupId = /aws_cloudwatch_log_group\.([^.]+)\.arn/.exec(machine.logging_configuration.log_destination)![1]!;
    expect(dr.resource.aws_cloudwatch_log_group![groupId]!.kms_key_id).toBe(ref('aws_kms_key', keyId, 'arn'));
    const definition = JSON.parse(machine.definition);
    const [fnId] = resourcesOf(dr, 'aws_lambda_function').find(([, f]) => String(f.function_name).includes('restore-test'))!;
    for (const s of Object.values<any>(definition.States))
      if (s.Type === 'Task') expect(s.Parameters.FunctionName).toBe(ref('aws_lambda_function', fnId, 'arn'));
  });

  test('EventBridge Scheduler starts it on the configured expression, in UTC, with a role that may start only it', () => {
    const [machineId] = only(dr, 'aws_sfn_state_machine');
    const [, schedule] = only(dr, 'aws_scheduler_schedule');
    expect(schedule).toMatchObject({ schedule_expression: 'cron(30 4 ? * SAT *)', schedule_expression_timezone: 'UTC', flexible_time_window: { mode: 'OFF' } });
    expect(schedule.target.arn).toBe(ref('aws_sfn_state_machine', machineId, 'arn'));
    const roleId = /aws_iam_role\.([^.]+)\.arn/.exec(schedule.target.role_arn)![1]!;
    expect(JSON.parse(dr.resource.aws_iam_role![roleId]!.assume_role_policy).Statement[0].Principal.Service).toBe('scheduler.amazonaws.com');
    const policy = resourcesOf(dr, 'aws_iam_role_policy').find(([, p]) => p.role === ref('aws_iam_role', roleId, 'id'))![1];
    expect(statements(policy.policy).find((s) => s.Action === 'states:StartExecution').Resource).toBe(ref('aws_sfn_state_machine', machineId, 'arn'));
  });

  test("the function may restore, describe and delete only clusters under the temporary prefix, from the primary cluster's snapshots", () => {
    const config = testConfig(enabled);
    const [, fn] = resourcesOf(dr, 'aws_lambda_function').find(([, f]) => String(f.function_name).includes('restore-test'))!;
    expect(fn.timeout).toBe(RESTORE_TEST_STEP_TIMEOUT_SECONDS);
    const roleId = /aws_iam_role\.([^.]+)\.arn/.exec(fn.role)![1]!;
    const policy = resourcesOf(dr, 'aws_iam_role_policy').find(([, p]) => p.role === ref('aws_iam_role', roleId, 'id'))![1];
    const all = statements(policy.policy);
    const prefix = `${config.projectName}-${config.environment}-restore-test-usw2`;
    const account = '${data.aws_caller_identity.current.account_id}';
    const clusters = `arn:aws:redshift:us-west-2:${account}:cluster:${prefix}-*`;
    const actionsOn = (action: string) => all.filter((s) => [s.Action].flat().includes(action)).flatMap((s) => [s.Resource].flat());
    expect(actionsOn('redshift:DeleteCluster')).toEqual([clusters]);
    expect(actionsOn('redshift:DescribeClusters')).toEqual([clusters]);
    expect(actionsOn('redshift:RestoreFromClusterSnapshot').sort()).toEqual(
      [`arn:aws:redshift:us-west-2:${account}:snapshot:${config.projectName}-${config.environment}-warehouse-use1/*`, clusters].sort(),
    );
    expect(actionsOn('redshift-data:ExecuteStatement')).toEqual([clusters]);
    for (const s of all.filter((x) => [x.Action].flat().some((a: string) => a.startsWith('redshift:') && a !== 'redshift:DescribeClusterSnapshots'))) {
      for (const r of [s.Resource].flat()) expect(r).not.toBe('*');
    }
    const env = fn.environment.variables;
    expect(env).toMatchObject({
      TEMP_CLUSTER_PREFIX: prefix,
      SOURCE_REGION: 'us-east-1',
      NODE_TYPE: 'ra3.large',
      NUMBER_OF_NODES: '1',
      ROW_COUNT_TOLERANCE: '0.001',
    });
    expect(env.SECURITY_GROUP_ID).toMatch(/^\$\{aws_security_group\.[^.]+\.id\}$/);
    expect(env.KMS_KEY_ID).toMatch(/^\$\{aws_kms_key\.[^.]+\.arn\}$/);
  });

  test('a failed test and a failed execution each alarm to the alert topic', () => {
    const [topicId] = only(dr, 'aws_sns_topic');
    const [machineId] = only(dr, 'aws_sfn_state_machine');
    const alarms = resourcesOf(dr, 'aws_cloudwatch_metric_alarm').map(([, a]) => a);
    const result = alarms.find((a) => a.metric_name === 'RestoreTestSuccess');
    expect(result).toMatchObject({
      namespace: 'DataAnalyticsMl/RestoreTest',
      statistic: 'Minimum',
      comparison_operator: 'LessThanThreshold',
      threshold: 1,
      alarm_actions: [ref('aws_sns_topic', topicId, 'arn')],
      ok_actions: [ref('aws_sns_topic', topicId, 'arn')],
    });
    const execution = alarms.find((a) => a.metric_name === 'ExecutionsFailed');
    expect(execution).toMatchObject({ namespace: 'AWS/States', dimensions: { StateMachineArn: ref('aws_sfn_state_machine', machineId, 'arn') }, threshold: 0 });
    expect(execution!.alarm_actions).toEqual([ref('aws_sns_topic', topicId, 'arn')]);
    // The function is watched like every other: errors, throttles and duration near its timeout.
    expect(
      alarms
        .filter((a) => String(a.alarm_name).includes('lambda-restore-test-'))
        .map((a) => a.metric_name)
        .sort(),
    ).toEqual(['Duration', 'Errors', 'Throttles']);
  });

  test('the platform key lets vended-log delivery read what the state machine logs', () => {
    const [, key] = only(dr, 'aws_kms_key');
    const services = statements(key.policy).find((s) => s.Sid === 'AwsServicesPublishEncrypted').Principal.Service;
    expect(services).toContain('delivery.logs.amazonaws.com');
  });
});
