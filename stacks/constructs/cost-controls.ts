import { CeAnomalyMonitor } from '@cdktf/provider-aws/lib/ce-anomaly-monitor';
import { CeAnomalySubscription } from '@cdktf/provider-aws/lib/ce-anomaly-subscription';
import { CeCostAllocationTag } from '@cdktf/provider-aws/lib/ce-cost-allocation-tag';
import { Construct } from 'constructs';
import type { PlatformContext } from '../platform-context';
import { ACTIVATED_COST_ALLOCATION_TAG_KEYS } from '../provider';

/**
 * Cost Explorer resources are global (its API answers in us-east-1 whatever the stack's region),
 * so the constructs below belong to the primary stack only, like the budget: a second copy in the
 * DR stack would fight over the same account-wide settings.
 */
function requirePrimary(context: PlatformContext, what: string): void {
  if (context.role !== 'primary') throw new Error(`${what} is account-wide (Cost Explorer is global): create it once, in the primary stack`);
}

export interface CostAllocationTagActivationProps {
  readonly context: PlatformContext;
  /** Tag keys to activate. @default ACTIVATED_COST_ALLOCATION_TAG_KEYS (project, environment, cost-center) */
  readonly tagKeys?: readonly string[];
}

/**
 * Activates the platform's default tags as cost-allocation tags, so Cost Explorer splits the bill
 * by them and the budget and anomaly monitor can filter on them. A key can be activated only once
 * it appears in the account's billing data (up to 24 hours after a tagged resource is first
 * billed), and only by the paying account: see observability.activateCostAllocationTags.
 * Destroying a resource deactivates its key.
 */
export class CostAllocationTagActivation extends Construct {
  readonly tags: readonly CeCostAllocationTag[];

  constructor(scope: Construct, id: string, props: CostAllocationTagActivationProps) {
    super(scope, id);
    requirePrimary(props.context, 'CostAllocationTagActivation');
    this.tags = (props.tagKeys ?? ACTIVATED_COST_ALLOCATION_TAG_KEYS).map((tagKey) => new CeCostAllocationTag(this, tagKey, { tagKey, status: 'Active' }));
  }
}

/** The Cost Explorer expression of spend carrying the platform's project tag. */
export function projectTagExpression(projectName: string): Record<string, unknown> {
  return { Tags: { Key: 'project', Values: [projectName], MatchOptions: ['EQUALS'] } };
}

export interface CostAnomalyAlertsProps {
  readonly context: PlatformContext;
  /** Total impact (USD) of an anomaly that is e-mailed. @default config.observability.costAnomaly.thresholdUsd */
  readonly thresholdUsd?: number;
  /** Subscribers of the anomaly e-mails. @default config.observability.alertEmails */
  readonly emails?: readonly string[];
  /** Must exist first: the monitor watches spend by a cost-allocation tag. @default none */
  readonly dependsOn?: readonly CeCostAllocationTag[];
}

/**
 * Cost Anomaly Detection over the platform's spend: a custom monitor of the cost carrying the
 * project tag (an account holds only one AWS-services monitor, which may already exist), and a
 * subscription e-mailing anomalies whose total impact reaches the threshold. Without alert
 * e-mails there is no subscription; anomalies still show in the Cost Explorer console.
 */
export class CostAnomalyAlerts extends Construct {
  readonly monitor: CeAnomalyMonitor;
  readonly subscription?: CeAnomalySubscription;

  constructor(scope: Construct, id: string, props: CostAnomalyAlertsProps) {
    super(scope, id);
    const { context } = props;
    requirePrimary(context, 'CostAnomalyAlerts');
    const { config, naming } = context;
    const anomaly = config.observability.costAnomaly;
    const emails = props.emails ?? config.observability.alertEmails;

    this.monitor = new CeAnomalyMonitor(this, 'monitor', {
      name: `${naming.prefix}-spend`,
      monitorType: 'CUSTOM',
      monitorSpecification: JSON.stringify(projectTagExpression(config.projectName)),
      dependsOn: props.dependsOn ? [...props.dependsOn] : undefined,
    });
    if (emails.length > 0) {
      this.subscription = new CeAnomalySubscription(this, 'subscription', {
        name: `${naming.prefix}-spend-anomalies`,
        frequency: anomaly.frequency,
        monitorArnList: [this.monitor.arn],
        subscriber: emails.map((address) => ({ type: 'EMAIL', address })),
        thresholdExpression: {
          dimension: {
            key: 'ANOMALY_TOTAL_IMPACT_ABSOLUTE',
            matchOptions: ['GREATER_THAN_OR_EQUAL'],
            values: [String(props.thresholdUsd ?? anomaly.thresholdUsd)],
          },
        },
      });
    }
  }
}
