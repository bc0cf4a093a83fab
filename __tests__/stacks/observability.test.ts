import { BudgetsBudget } from '@cdktf/provider-aws/lib/budgets-budget';
import { Cloudtrail } from '@cdktf/provider-aws/lib/cloudtrail';
import { CloudwatchEventRule } from '@cdktf/provider-aws/lib/cloudwatch-event-rule';
import { GuarddutyDetector } from '@cdktf/provider-aws/lib/guardduty-detector';
import { Route53HealthCheck } from '@cdktf/provider-aws/lib/route53-health-check';
import { Route53Record } from '@cdktf/provider-aws/lib/route53-record';
import { SecurityhubAccount } from '@cdktf/provider-aws/lib/securityhub-account';
import { SecurityhubStandardsSubscription } from '@cdktf/provider-aws/lib/securityhub-standards-subscription';
import { SnsTopicSubscription } from '@cdktf/provider-aws/lib/sns-topic-subscription';
import * as fs from 'fs';
import * as path from 'path';
import { Apigatewayv2Api } from '@cdktf/provider-aws/lib/apigatewayv2-api';
import { Apigatewayv2Stage } from '@cdktf/provider-aws/lib/apigatewayv2-stage';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { TerraformStack, Testing } from 'cdktf';
import { DnsFailover, healthCheckResourcePath } from '../../stacks/constructs/dns-failover';
import { PlatformNaming, type StackRole } from '../../stacks/naming';
import type { PlatformContext } from '../../stacks/platform-context';
import { resourcesOf, ROLES, synthPlatform, testConfig, type TerraformJson } from '../helpers/synth';

const EMAILS = ['oncall@example.com', 'data-team@example.com'];
const configured = { observability: { alertEmails: EMAILS, monthlyBudgetUsd: 750 } };

function only(stack: TerraformJson, type: string): [string, Record<string, any>] {
  const found = resourcesOf(stack, type);
  expect(found).toHaveLength(1);
  return found[0];
}

const statements = (policy: string): any[] => JSON.parse(policy).Statement;

/** Link targets of a Markdown file: explicit `<a id>` anchors and GitHub-style heading slugs. */
function anchorsOf(file: string): Set<string> {
  const text = fs.readFileSync(path.join(__dirname, '..', '..', file), 'utf8');
  const explicit = [...text.matchAll(/<a id="([^"]+)"><\/a>/g)].map((m) => m[1]);
  const headings = [...text.matchAll(/^#{1,6} (.+)$/gm)].map((m) =>
    m[1]
      .trim()
      .toLowerCase()
      .replace(/[^\p{L}\p{N} _-]/gu, '')
      .replace(/ /g, '-'),
  );
  return new Set([...explicit, ...headings]);
}

describe.each(ROLES)('%s stack observability', (role) => {
  const { stacks } = synthPlatform(configured);
  const stack = stacks[role];
  const region = stack.provider!.aws.find((p: any) => !p.alias).region;
  const [topicId, topic] = only(stack, 'aws_sns_topic');
  const topicArn = `\${aws_sns_topic.${topicId}.arn}`;

  test('alert topic is KMS-encrypted and e-mails every configured address', () => {
    expect(topic.kms_master_key_id).toMatch(/^\$\{aws_kms_key\./);
    const subscriptions = resourcesOf(stack, 'aws_sns_topic_subscription').map(([, s]) => s);
    expect(subscriptions.map((s) => s.endpoint).sort()).toEqual([...EMAILS].sort());
    for (const s of subscriptions) expect(s).toMatchObject({ protocol: 'email', topic_arn: topicArn });
  });

  test('topic policy lets only CloudWatch, Budgets and EventBridge of this account publish', () => {
    const [, policy] = only(stack, 'aws_sns_topic_policy');
    const allow = statements(policy.policy).filter((s) => s.Effect === 'Allow');
    expect(allow).toHaveLength(1);
    expect([...allow[0].Principal.Service].sort()).toEqual(['budgets.amazonaws.com', 'cloudwatch.amazonaws.com', 'events.amazonaws.com']);
    expect(allow[0].Action).toBe('sns:Publish');
    expect(allow[0].Condition.StringEquals['aws:SourceAccount']).toBe('${data.aws_caller_identity.current.account_id}');
  });

  test('every alarm notifies the topic on ALARM and on OK, treats missing data explicitly and links an existing runbook section', () => {
    const alarms = resourcesOf(stack, 'aws_cloudwatch_metric_alarm');
    if (role === 'primary') expect(alarms.length).toBeGreaterThan(0);
    for (const [, alarm] of alarms) {
      expect(alarm.alarm_actions).toEqual([topicArn]);
      expect(alarm.ok_actions).toEqual([topicArn]);
      expect(['breaching', 'notBreaching', 'ignore', 'missing']).toContain(alarm.treat_missing_data);
      const link = /Runbook: (docs\/[a-z0-9-]+\.md)#([a-z0-9-]+)/.exec(String(alarm.alarm_description));
      expect(link).not.toBeNull();
      expect(anchorsOf(link![1])).toContain(link![2]);
    }
  });

  test('one dashboard, in the stack region, with an alarm-status widget listing every alarm', () => {
    const [, dashboard] = only(stack, 'aws_cloudwatch_dashboard');
    const body = JSON.parse(dashboard.dashboard_body);
    for (const w of body.widgets.filter((x: any) => x.type === 'metric')) expect(w.properties.region).toBe(region);
    const alarmIds = resourcesOf(stack, 'aws_cloudwatch_metric_alarm').map(([id]) => `\${aws_cloudwatch_metric_alarm.${id}.arn}`);
    const statusWidget = body.widgets.find((w: any) => w.type === 'alarm');
    if (alarmIds.length > 0) expect([...statusWidget.properties.alarms].sort()).toEqual(alarmIds.sort());
  });

  test('GuardDuty and Security Hub with the Foundational Security Best Practices standard in this region', () => {
    expect(only(stack, 'aws_guardduty_detector')[1].enable).toBe(true);
    only(stack, 'aws_securityhub_account');
    expect(only(stack, 'aws_securityhub_standards_subscription')[1].standards_arn).toBe(
      `arn:aws:securityhub:${region}::standards/aws-foundational-security-best-practices/v/1.0.0`,
    );
    const rules = resourcesOf(stack, 'aws_cloudwatch_event_rule');
    const guardduty = rules.find(([, r]) => JSON.parse(r.event_pattern).source[0] === 'aws.guardduty');
    expect(JSON.parse(guardduty![1].event_pattern)).toMatchObject({ detail: { severity: [{ numeric: ['>=', 7] }] } });
    const targets = resourcesOf(stack, 'aws_cloudwatch_event_target').map(([, t]) => t);
    expect(targets.filter((t) => t.rule === `\${aws_cloudwatch_event_rule.${guardduty![0]}.name}`).map((t) => t.arn)).toEqual([topicArn]);
  });

  test('new, active Security Hub findings of HIGH and CRITICAL severity go to the alert topic', () => {
    const rules = resourcesOf(stack, 'aws_cloudwatch_event_rule');
    const securityHub = rules.filter(([, r]) => JSON.parse(r.event_pattern).source[0] === 'aws.securityhub');
    expect(securityHub).toHaveLength(1);
    const [ruleId, rule] = securityHub[0];
    expect(JSON.parse(rule.event_pattern)).toEqual({
      source: ['aws.securityhub'],
      'detail-type': ['Security Hub Findings - Imported'],
      detail: { findings: { Severity: { Label: ['HIGH', 'CRITICAL'] }, Workflow: { Status: ['NEW'] }, RecordState: ['ACTIVE'] } },
    });
    const targets = resourcesOf(stack, 'aws_cloudwatch_event_target').filter(([, t]) => t.rule === `\${aws_cloudwatch_event_rule.${ruleId}.name}`);
    expect(targets.map(([, t]) => t.arn)).toEqual([topicArn]);
    // The topic admits EventBridge (policy test above); its key lets EventBridge encrypt what it publishes.
    const [, key] = only(stack, 'aws_kms_key');
    const publishers = statements(key.policy).find((s) => s.Sid === 'AwsServicesPublishEncrypted');
    expect(publishers.Principal.Service).toContain('events.amazonaws.com');
    expect(publishers.Action).toEqual(expect.arrayContaining(['kms:GenerateDataKey*', 'kms:Decrypt']));
  });

  test('no DNS failover records without a hosted zone', () => {
    expect(resourcesOf(stack, 'aws_route53_record')).toHaveLength(0);
    expect(resourcesOf(stack, 'aws_route53_health_check')).toHaveLength(0);
  });
});

describe('account-wide guardrails live in the primary stack only', () => {
  const { stacks, synthesized } = synthPlatform(configured);

  test('the DR stack has no trail and no budget (a multi-region trail already records the DR region)', () => {
    expect(synthesized.dr).not.toHaveResource(Cloudtrail);
    expect(synthesized.dr).not.toHaveResource(BudgetsBudget);
    expect(synthesized.primary).toHaveResourceWithProperties(Cloudtrail, { is_multi_region_trail: true });
  });

  test('multi-region trail with log file validation, KMS and CloudWatch Logs delivery', () => {
    const [, trail] = only(stacks.primary, 'aws_cloudtrail');
    expect(trail).toMatchObject({ is_multi_region_trail: true, enable_log_file_validation: true, include_global_service_events: true, enable_logging: true });
    expect(trail.kms_key_id).toMatch(/^\$\{aws_kms_key\./);
    expect(trail.cloud_watch_logs_group_arn).toMatch(/^\$\{aws_cloudwatch_log_group\.[^}]+\.arn\}:\*$/);
    expect(trail.cloud_watch_logs_role_arn).toMatch(/^\$\{aws_iam_role\./);
    expect(trail.depends_on.some((d: string) => d.startsWith('aws_s3_bucket_policy.'))).toBe(true);
  });

  test('the trail bucket admits CloudTrail only for this trail (aws:SourceArn), is KMS-encrypted and announces new log files on EventBridge', () => {
    const [, trail] = only(stacks.primary, 'aws_cloudtrail');
    const bucketId = /^\$\{aws_s3_bucket\.([^.]+)\.bucket\}$/.exec(trail.s3_bucket_name)![1];
    const policy = resourcesOf(stacks.primary, 'aws_s3_bucket_policy').find(([, p]) => p.bucket === `\${aws_s3_bucket.${bucketId}.id}`)![1];
    const trailArn = `arn:aws:cloudtrail:us-east-1:\${data.aws_caller_identity.current.account_id}:trail/${trail.name}`;
    const cloudtrail = statements(policy.policy).filter((s) => s.Principal?.Service === 'cloudtrail.amazonaws.com');
    expect(cloudtrail.map((s) => s.Action).sort()).toEqual(['s3:GetBucketAcl', 's3:PutObject']);
    for (const s of cloudtrail) expect(s.Condition.StringEquals['aws:SourceArn']).toBe(trailArn);
    expect(resourcesOf(stacks.primary, 'aws_s3_bucket_notification').find(([, n]) => n.bucket === `\${aws_s3_bucket.${bucketId}.id}`)![1].eventbridge).toBe(
      true,
    );
    const encryption = resourcesOf(stacks.primary, 'aws_s3_bucket_server_side_encryption_configuration').find(
      ([, e]) => e.bucket === `\${aws_s3_bucket.${bucketId}.id}`,
    )![1];
    expect(encryption.rule[0].apply_server_side_encryption_by_default.sse_algorithm).toBe('aws:kms');
  });

  test('CloudTrail delivers to CloudWatch Logs through a role limited to that log group', () => {
    const [, trail] = only(stacks.primary, 'aws_cloudtrail');
    const roleId = /aws_iam_role\.([^.]+)\.arn/.exec(trail.cloud_watch_logs_role_arn)![1];
    const [, role] = resourcesOf(stacks.primary, 'aws_iam_role').find(([id]) => id === roleId)!;
    expect(statements(role.assume_role_policy)[0].Principal.Service).toBe('cloudtrail.amazonaws.com');
    const [, policy] = resourcesOf(stacks.primary, 'aws_iam_role_policy').find(([, p]) => p.role === `\${aws_iam_role.${roleId}.id}`)!;
    const [statement] = statements(policy.policy);
    expect(statement.Action).toEqual(['logs:CreateLogStream', 'logs:PutLogEvents']);
    expect(statement.Resource).toBe(trail.cloud_watch_logs_group_arn.replace(/:\*$/, ':log-stream:*'));
  });

  test('monthly budget with 80 % and 100 % notifications of forecasted and actual cost, to the e-mails and the topic', () => {
    const [, budget] = only(stacks.primary, 'aws_budgets_budget');
    expect(budget).toMatchObject({ budget_type: 'COST', limit_amount: '750', limit_unit: 'USD', time_unit: 'MONTHLY' });
    const [topicId] = only(stacks.primary, 'aws_sns_topic');
    const seen = budget.notification.map((n: any) => `${n.notification_type}@${n.threshold}`).sort();
    expect(seen).toEqual(['ACTUAL@100', 'ACTUAL@80', 'FORECASTED@100', 'FORECASTED@80']);
    for (const n of budget.notification) {
      expect(n).toMatchObject({ comparison_operator: 'GREATER_THAN', threshold_type: 'PERCENTAGE' });
      expect([...n.subscriber_email_addresses].sort()).toEqual([...EMAILS].sort());
      expect(n.subscriber_sns_topic_arns).toEqual([`\${aws_sns_topic.${topicId}.arn}`]);
    }
  });

  test('the primary alarms on replication of the lake to DR; the DR stack does not', () => {
    const names = (stack: TerraformJson) => resourcesOf(stack, 'aws_cloudwatch_metric_alarm').map(([, a]) => a.metric_name);
    expect(names(stacks.primary)).toEqual(expect.arrayContaining(['ReplicationLatency', 'OperationsFailedReplication']));
    expect(names(stacks.dr)).not.toContain('ReplicationLatency');
  });
});

test('GuardDuty and Security Hub can be switched off', () => {
  const { synthesized } = synthPlatform({ observability: { guardDuty: false, securityHub: false } });
  for (const role of ROLES) {
    for (const type of [GuarddutyDetector, SecurityhubAccount, SecurityhubStandardsSubscription, CloudwatchEventRule]) {
      expect(synthesized[role]).not.toHaveResource(type);
    }
  }
});

test('no subscriptions and a topic-only budget when no e-mail is configured', () => {
  const { stacks, synthesized } = synthPlatform();
  expect(synthesized.primary).not.toHaveResource(SnsTopicSubscription);
  for (const n of only(stacks.primary, 'aws_budgets_budget')[1].notification) {
    expect(n.subscriber_email_addresses).toBeUndefined();
    expect(n.subscriber_sns_topic_arns).toHaveLength(1);
  }
});

test('with a hosted zone, the platform fails the inference API over: PRIMARY gated by /ready, DR SECONDARY', () => {
  const { stacks, synthesized } = synthPlatform({ dns: { hostedZoneId: 'Z0EXAMPLE123', apiRecordName: 'api.example.com' } });
  expect(synthesized.primary).toHaveResourceWithProperties(Route53Record, { zone_id: 'Z0EXAMPLE123', failover_routing_policy: { type: 'PRIMARY' } });
  expect(synthesized.dr).toHaveResourceWithProperties(Route53Record, { zone_id: 'Z0EXAMPLE123', failover_routing_policy: { type: 'SECONDARY' } });
  const failover = (stack: TerraformJson) =>
    resourcesOf(stack, 'aws_route53_record')
      .map(([, r]) => r)
      .filter((r) => r.failover_routing_policy);
  const [primary] = failover(stacks.primary);
  const [secondary] = failover(stacks.dr);
  expect(primary.failover_routing_policy.type).toBe('PRIMARY');
  expect(secondary.failover_routing_policy.type).toBe('SECONDARY');
  expect(secondary.name).toBe(primary.name);
  const [, check] = only(stacks.primary, 'aws_route53_health_check');
  // /ready, not /health: a region whose endpoint, stream or lake is down must fail over too. Only
  // resource_path differs from a /health check, and it is updated in place (not ForceNew).
  expect(check).toMatchObject({ type: 'HTTPS', port: 443, resource_path: '/ready', request_interval: 30, failure_threshold: 3 });
  expect(check.fqdn).toMatch(/^\$\{aws_apigatewayv2_api\.[^.]+\.id\}\.execute-api\.us-east-1\.amazonaws\.com$/);
  // Route 53 health checkers cannot sign requests: the route the check calls must be open.
  const readyRoute = resourcesOf(stacks.primary, 'aws_apigatewayv2_route')
    .map(([, r]) => r)
    .find((r) => r.route_key === 'GET /ready');
  expect(readyRoute?.authorization_type).toBe('NONE');
  expect(synthesized.dr).not.toHaveResource(Route53HealthCheck);
});

describe('DnsFailover', () => {
  const dns = { dns: { hostedZoneId: 'Z0EXAMPLE123', apiRecordName: 'api.example.com' } };

  function synthFailover(role: StackRole, stageName: string): TerraformJson {
    const config = testConfig(dns);
    const naming = new PlatformNaming(config);
    const app = Testing.app();
    const stack = new TerraformStack(app, `dns-${role}`);
    const region = naming.regionOf(role);
    new AwsProvider(stack, 'aws', { region });
    const context: PlatformContext = {
      config,
      naming,
      role,
      region,
      peerRegion: naming.regionOf(role === 'primary' ? 'dr' : 'primary'),
      accountId: '123456789012',
    };
    const api = new Apigatewayv2Api(stack, 'api', { name: 'inference', protocolType: 'HTTP' });
    const stage = new Apigatewayv2Stage(stack, 'stage', { apiId: api.id, name: stageName, autoDeploy: true });
    new DnsFailover(stack, 'failover', { context, target: { api, stage, healthCheckPath: '/health' } });
    return JSON.parse(Testing.synth(stack));
  }

  test('primary: PRIMARY alias record gated by an HTTPS health check on the regional execute-api host', () => {
    const stack = synthFailover('primary', '$default');
    const [checkId, check] = only(stack, 'aws_route53_health_check');
    expect(check).toMatchObject({ type: 'HTTPS', port: 443, resource_path: '/health', request_interval: 30, failure_threshold: 3 });
    expect(check.fqdn).toMatch(/^\$\{aws_apigatewayv2_api\.api\.id\}\.execute-api\.us-east-1\.amazonaws\.com$/);
    const record = resourcesOf(stack, 'aws_route53_record').find(([, r]) => r.failover_routing_policy)![1];
    expect(record).toMatchObject({
      zone_id: 'Z0EXAMPLE123',
      name: 'api.example.com',
      type: 'A',
      failover_routing_policy: { type: 'PRIMARY' },
      health_check_id: `\${aws_route53_health_check.${checkId}.id}`,
    });
    expect(record.alias.evaluate_target_health).toBe(true);
    expect(record.alias.name).toMatch(/aws_apigatewayv2_domain_name\./);
  });

  test('DR: SECONDARY record to the DR API, no health check of its own', () => {
    const stack = synthFailover('dr', '$default');
    expect(resourcesOf(stack, 'aws_route53_health_check')).toHaveLength(0);
    const record = resourcesOf(stack, 'aws_route53_record').find(([, r]) => r.failover_routing_policy)![1];
    expect(record.failover_routing_policy.type).toBe('SECONDARY');
    expect(record.set_identifier).toBe('data-analytics-ml-analytics-dr');
    expect(record.health_check_id).toBeUndefined();
  });

  test('each region serves the name through a validated certificate on a TLS 1.2 regional custom domain mapped to the API stage', () => {
    const stack = synthFailover('dr', 'prod');
    expect(only(stack, 'aws_acm_certificate')[1]).toMatchObject({ domain_name: 'api.example.com', validation_method: 'DNS' });
    const [, validationRecord] = resourcesOf(stack, 'aws_route53_record').find(([, r]) => !r.failover_routing_policy)!;
    expect(validationRecord.allow_overwrite).toBe(true);
    expect(validationRecord.for_each).toBeDefined();
    const [, domain] = only(stack, 'aws_apigatewayv2_domain_name');
    expect(domain.domain_name_configuration).toMatchObject({ endpoint_type: 'REGIONAL', security_policy: 'TLS_1_2' });
    expect(domain.domain_name_configuration.certificate_arn).toMatch(/aws_acm_certificate_validation\./);
    expect(only(stack, 'aws_apigatewayv2_api_mapping')[1]).toMatchObject({
      api_id: '${aws_apigatewayv2_api.api.id}',
      stage: '${aws_apigatewayv2_stage.stage.id}',
    });
  });

  test('health check path carries the stage prefix except on $default', () => {
    expect(healthCheckResourcePath('$default', '/health')).toBe('/health');
    expect(healthCheckResourcePath('prod', 'health')).toBe('/prod/health');
  });
});
