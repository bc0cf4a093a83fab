import { BudgetsBudget, type BudgetsBudgetCostFilter, type BudgetsBudgetNotification } from '@cdktf/provider-aws/lib/budgets-budget';
import type { CeCostAllocationTag } from '@cdktf/provider-aws/lib/ce-cost-allocation-tag';
import { Cloudtrail } from '@cdktf/provider-aws/lib/cloudtrail';
import { CloudwatchEventRule } from '@cdktf/provider-aws/lib/cloudwatch-event-rule';
import { CloudwatchEventTarget } from '@cdktf/provider-aws/lib/cloudwatch-event-target';
import { GuarddutyDetector } from '@cdktf/provider-aws/lib/guardduty-detector';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy';
import { S3BucketNotification } from '@cdktf/provider-aws/lib/s3-bucket-notification';
import { S3BucketPolicy } from '@cdktf/provider-aws/lib/s3-bucket-policy';
import { SecurityhubAccount } from '@cdktf/provider-aws/lib/securityhub-account';
import { SecurityhubStandardsSubscription } from '@cdktf/provider-aws/lib/securityhub-standards-subscription';
import { Construct } from 'constructs';
import { SECURITY_HUB_SEVERITIES, type SecurityHubSeverity } from '../config/types';
import { policyDocument, serviceTrustPolicy } from '../iam';
import type { PlatformContext } from '../platform-context';
import type { AlertTopic } from './alerting';
import { CostAllocationTagActivation, CostAnomalyAlerts } from './cost-controls';
import type { PlatformKey } from './encryption';
import { EncryptedLogGroup } from './log-group';
import { SecureBucket } from './secure-bucket';

export interface AuditTrailProps {
  readonly context: PlatformContext;
  readonly platformKey: PlatformKey;
  /** Server-access-log target of the trail bucket. */
  readonly accessLogs: SecureBucket;
  /** Days trail log files are kept in S3 and in CloudWatch Logs. @default config.observability.logRetentionDays */
  readonly retentionDays?: number;
}

/**
 * One multi-region CloudTrail trail for the account: log file validation (digest files prove the
 * logs were not altered), SSE-KMS with the platform key, delivery to a dedicated audit bucket and
 * to an encrypted CloudWatch Logs group for queries and metric filters.
 *
 * The primary stack creates it alone: a multi-region trail already records every region's API
 * calls, the DR region's included, so a second trail in the DR stack would deliver every event
 * twice and double CloudTrail's delivery and storage cost (only the first copy of management
 * events is free).
 */
export class AuditTrail extends Construct {
  readonly trail: Cloudtrail;
  readonly bucket: SecureBucket;
  readonly logGroup: EncryptedLogGroup;
  readonly trailName: string;

  constructor(scope: Construct, id: string, props: AuditTrailProps) {
    super(scope, id);
    const { context, platformKey } = props;
    const { config, naming, region, accountId } = context;
    const retentionDays = props.retentionDays ?? config.observability.logRetentionDays;
    this.trailName = naming.regional('audit', region);
    // Known before the trail exists, so the bucket policy can name it without a dependency cycle.
    const trailArn = `arn:aws:cloudtrail:${region}:${accountId}:trail/${this.trailName}`;

    this.bucket = new SecureBucket(this, 'bucket', {
      bucketName: naming.bucketName('audit', region, accountId),
      encryption: { kind: 'kms', key: platformKey },
      accessLogTarget: props.accessLogs,
      noncurrentVersionExpirationDays: config.dataLake.noncurrentVersionExpirationDays,
      abortIncompleteMultipartUploadDays: config.dataLake.abortIncompleteMultipartUploadDays,
      forceDestroy: config.dataLake.forceDestroy,
      lifecycleRules: [{ id: 'expire-trail-logs', status: 'Enabled', filter: [{}], expiration: [{ days: retentionDays }] }],
    });
    this.bucket.addToPolicy({
      Sid: 'CloudTrailChecksBucketAcl',
      Effect: 'Allow',
      Principal: { Service: 'cloudtrail.amazonaws.com' },
      Action: 's3:GetBucketAcl',
      Resource: this.bucket.arn,
      Condition: { StringEquals: { 'aws:SourceArn': trailArn } },
    });
    this.bucket.addToPolicy({
      Sid: 'CloudTrailWritesLogs',
      Effect: 'Allow',
      Principal: { Service: 'cloudtrail.amazonaws.com' },
      Action: 's3:PutObject',
      Resource: `${this.bucket.arn}/AWSLogs/${accountId}/*`,
      Condition: { StringEquals: { 'aws:SourceArn': trailArn, 's3:x-amz-acl': 'bucket-owner-full-control' } },
    });

    // Every new log file is announced on the default EventBridge bus (free to publish), where a
    // SIEM or archive job can subscribe without touching the bucket.
    new S3BucketNotification(this, 'bucket-events', { bucket: this.bucket.bucket.id, eventbridge: true });

    this.logGroup = new EncryptedLogGroup(this, 'logs', { context, platformKey, name: `/aws/cloudtrail/${this.trailName}`, retentionDays });
    const deliveryRole = new IamRole(this, 'logs-role', {
      name: naming.regional('cloudtrail-logs', region),
      assumeRolePolicy: serviceTrustPolicy('cloudtrail.amazonaws.com', accountId),
    });
    const deliveryPolicy = new IamRolePolicy(this, 'logs-policy', {
      role: deliveryRole.id,
      name: 'deliver-trail-to-cloudwatch-logs',
      policy: policyDocument([
        { Sid: 'WriteTrailLogStreams', Effect: 'Allow', Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Resource: `${this.logGroup.arn}:log-stream:*` },
      ]),
    });

    this.trail = new Cloudtrail(this, 'trail', {
      name: this.trailName,
      s3BucketName: this.bucket.name,
      isMultiRegionTrail: true,
      includeGlobalServiceEvents: true,
      enableLogFileValidation: true,
      enableLogging: true,
      kmsKeyId: platformKey.arn,
      cloudWatchLogsGroupArn: `${this.logGroup.arn}:*`,
      cloudWatchLogsRoleArn: deliveryRole.arn,
      // CloudTrail checks bucket access when the trail is created: the policy must be in place first.
      dependsOn: [bucketPolicyOf(this.bucket), deliveryPolicy],
    });
  }
}

/** The S3BucketPolicy a SecureBucket creates (child "policy"). */
function bucketPolicyOf(bucket: SecureBucket): S3BucketPolicy {
  const child = bucket.node.tryFindChild('policy');
  if (!(child instanceof S3BucketPolicy)) throw new Error(`SecureBucket ${bucket.node.path} has no bucket policy child named "policy"`);
  return child;
}

/** The severity labels at or above `minimum`, lowest first: what the Security Hub rule sends. */
export function severitiesFrom(minimum: SecurityHubSeverity): SecurityHubSeverity[] {
  return SECURITY_HUB_SEVERITIES.slice(SECURITY_HUB_SEVERITIES.indexOf(minimum));
}

/**
 * The EventBridge pattern of Security Hub findings worth paging for: imported (new or updated)
 * findings of the given severities that are active and not yet triaged. Findings a person has
 * already notified, suppressed or resolved (Workflow.Status) and archived ones stay in Security
 * Hub, so an update to a triaged finding does not page again.
 */
export function securityHubFindingsPattern(minimum: SecurityHubSeverity): Record<string, unknown> {
  return {
    source: ['aws.securityhub'],
    'detail-type': ['Security Hub Findings - Imported'],
    detail: {
      findings: {
        Severity: { Label: severitiesFrom(minimum) },
        Workflow: { Status: ['NEW'] },
        RecordState: ['ACTIVE'],
      },
    },
  };
}

export interface ThreatDetectionProps {
  readonly context: PlatformContext;
  /** Receives high-severity GuardDuty findings. */
  readonly alertTopic: AlertTopic;
  /** Create a GuardDuty detector. @default config.observability.guardDuty */
  readonly guardDuty?: boolean;
  /** Enable Security Hub with AWS Foundational Security Best Practices. @default config.observability.securityHub */
  readonly securityHub?: boolean;
  /** Lowest GuardDuty severity sent to the alert topic (GuardDuty: 7-8.9 high, 9-10 critical). @default 7 */
  readonly alertSeverity?: number;
  /** Lowest Security Hub severity label sent to the alert topic. @default config.observability.alarms.securityHubMinSeverity */
  readonly securityHubAlertSeverity?: SecurityHubSeverity;
}

/**
 * GuardDuty and Security Hub in the stack's region (both are regional services, so each regional
 * stack enables its own). High-severity GuardDuty findings and new, active Security Hub findings
 * of the configured severity go to the alert topic through EventBridge rules (the topic's policy
 * lets events.amazonaws.com of this account publish, and its key policy lets EventBridge encrypt);
 * Security Hub keeps everything else for review.
 */
export class ThreatDetection extends Construct {
  readonly detector?: GuarddutyDetector;
  readonly securityHub?: SecurityhubAccount;
  readonly foundationalStandard?: SecurityhubStandardsSubscription;
  /** Security Hub findings of the alerting severities to the alert topic. */
  readonly securityHubFindings?: CloudwatchEventRule;

  constructor(scope: Construct, id: string, props: ThreatDetectionProps) {
    super(scope, id);
    const { context, alertTopic: topic } = props;
    const { config, naming, region } = context;

    if (props.guardDuty ?? config.observability.guardDuty) {
      this.detector = new GuarddutyDetector(this, 'guardduty', { enable: true, findingPublishingFrequency: 'FIFTEEN_MINUTES' });
      const rule = new CloudwatchEventRule(this, 'guardduty-findings', {
        name: naming.regional('guardduty-findings', region),
        description: 'High and critical GuardDuty findings to the alert topic',
        eventPattern: JSON.stringify({
          source: ['aws.guardduty'],
          'detail-type': ['GuardDuty Finding'],
          detail: { severity: [{ numeric: ['>=', props.alertSeverity ?? 7] }] },
        }),
      });
      new CloudwatchEventTarget(this, 'guardduty-findings-to-alerts', { rule: rule.name, arn: topic.arn, targetId: 'alert-topic' });
    }

    if (props.securityHub ?? config.observability.securityHub) {
      this.securityHub = new SecurityhubAccount(this, 'securityhub', {
        // Subscribe to exactly the standard below instead of whatever AWS enables by default.
        enableDefaultStandards: false,
        autoEnableControls: true,
        controlFindingGenerator: 'SECURITY_CONTROL',
      });
      this.foundationalStandard = new SecurityhubStandardsSubscription(this, 'fsbp', {
        standardsArn: `arn:aws:securityhub:${region}::standards/aws-foundational-security-best-practices/v/1.0.0`,
        dependsOn: [this.securityHub],
      });
      const severity = props.securityHubAlertSeverity ?? config.observability.alarms.securityHubMinSeverity;
      this.securityHubFindings = new CloudwatchEventRule(this, 'securityhub-findings', {
        name: naming.regional('securityhub-findings', region),
        description: `New, active Security Hub findings of severity ${severitiesFrom(severity).join(' or ')} to the alert topic`,
        eventPattern: JSON.stringify(securityHubFindingsPattern(severity)),
      });
      new CloudwatchEventTarget(this, 'securityhub-findings-to-alerts', { rule: this.securityHubFindings.name, arn: topic.arn, targetId: 'alert-topic' });
    }
  }
}

export interface CostBudgetProps {
  readonly context: PlatformContext;
  /** Also notified (besides the e-mail addresses). */
  readonly alertTopic: AlertTopic;
  /** Monthly limit in USD. @default config.observability.monthlyBudgetUsd */
  readonly monthlyLimitUsd?: number;
  /** Percentages of the limit that notify, each for forecasted and actual cost. @default [80, 100] */
  readonly thresholdsPercent?: readonly number[];
  /** The project tag's activation, which the budget's filter relies on. @default none (activated outside this stack) */
  readonly tagActivation?: readonly CeCostAllocationTag[];
}

/** The budget's cost filter: spend carrying the platform's project cost-allocation tag. */
export function projectCostFilter(projectName: string): BudgetsBudgetCostFilter {
  return { name: 'TagKeyValue', values: [`user:project$${projectName}`] };
}

/** The notifications of a monthly cost budget: each threshold, for forecasted and for actual spend. */
export function budgetNotifications(thresholdsPercent: readonly number[], emails: readonly string[], topicArn: string): BudgetsBudgetNotification[] {
  return (['FORECASTED', 'ACTUAL'] as const).flatMap((notificationType) =>
    thresholdsPercent.map((threshold) => ({
      notificationType,
      comparisonOperator: 'GREATER_THAN',
      threshold,
      thresholdType: 'PERCENTAGE',
      ...(emails.length > 0 ? { subscriberEmailAddresses: [...emails] } : {}),
      subscriberSnsTopicArns: [topicArn],
    })),
  );
}

/**
 * AWS Budgets monthly cost budget (a global service: the primary stack owns it) of the spend that
 * carries the platform's project tag, so other workloads in the account do not count against it.
 * The filter matches spend only once `project` is an active cost-allocation tag
 * (CostAllocationTagActivation, or the management account of an organization).
 */
export class CostBudget extends Construct {
  readonly budget: BudgetsBudget;

  constructor(scope: Construct, id: string, props: CostBudgetProps) {
    super(scope, id);
    const { context, alertTopic: topic } = props;
    const { config, naming } = context;
    this.budget = new BudgetsBudget(this, 'budget', {
      name: `${naming.prefix}-monthly-cost`,
      budgetType: 'COST',
      limitAmount: String(props.monthlyLimitUsd ?? config.observability.monthlyBudgetUsd),
      limitUnit: 'USD',
      timeUnit: 'MONTHLY',
      notification: budgetNotifications(props.thresholdsPercent ?? [80, 100], config.observability.alertEmails, topic.arn),
      costFilter: [projectCostFilter(config.projectName)],
      dependsOn: props.tagActivation ? [...props.tagActivation] : undefined,
    });
  }
}

export interface AuditProps {
  readonly context: PlatformContext;
  readonly platformKey: PlatformKey;
  readonly accessLogs: SecureBucket;
  readonly alertTopic: AlertTopic;
}

/**
 * Audit, threat detection and cost guardrails of one region: GuardDuty and Security Hub in every
 * region; the account-wide CloudTrail trail, the cost budget, the cost-allocation tags and Cost
 * Anomaly Detection in the primary stack only (Budgets and Cost Explorer are global services).
 */
export class Audit extends Construct {
  readonly trail?: AuditTrail;
  readonly threatDetection: ThreatDetection;
  readonly budget?: CostBudget;
  readonly costAllocationTags?: CostAllocationTagActivation;
  readonly costAnomalies?: CostAnomalyAlerts;

  constructor(scope: Construct, id: string, props: AuditProps) {
    super(scope, id);
    const { context, platformKey, accessLogs, alertTopic } = props;
    this.threatDetection = new ThreatDetection(this, 'threat-detection', { context, alertTopic });
    if (context.role === 'primary') {
      this.trail = new AuditTrail(this, 'trail', { context, platformKey, accessLogs });
      const observability = context.config.observability;
      if (observability.activateCostAllocationTags) this.costAllocationTags = new CostAllocationTagActivation(this, 'cost-allocation-tags', { context });
      const tagActivation = this.costAllocationTags?.tags;
      this.budget = new CostBudget(this, 'budget', { context, alertTopic, tagActivation });
      if (observability.costAnomaly.enabled) this.costAnomalies = new CostAnomalyAlerts(this, 'cost-anomalies', { context, dependsOn: tagActivation });
    }
  }
}
