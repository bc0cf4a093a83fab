import { Construct } from 'constructs';
import { PlatformContext } from '../platform-context';
import { AlertTopic } from './alerting';
import { PlatformAlarms } from './alarms';
import { Audit } from './audit';
import { PlatformDashboard } from './dashboard';
import { DnsFailover, FailoverApiTarget } from './dns-failover';
import { PlatformKey } from './encryption';
import { ObservedComponents } from './observed-components';
import { SecureBucket } from './secure-bucket';

export interface ObservabilityProps {
  readonly context: PlatformContext;
  readonly platformKey: PlatformKey;
  /** Server-access-log target of the audit trail bucket. */
  readonly accessLogs: SecureBucket;
  /** What this region runs; widgets and alarms are created for what is set. */
  readonly components: ObservedComponents;
  /** The inference API for Route 53 failover; ignored unless config.dns.hostedZoneId is set. @default no failover records */
  readonly failoverApi?: FailoverApiTarget;
}

/**
 * Observability and operations of one region: alert topic, alarms, dashboard, audit / threat
 * detection / budget guardrails, and DNS failover for the inference API when a hosted zone is
 * configured. Composed last in the regional platform, from typed references to the components.
 */
export class Observability extends Construct {
  readonly alerts: AlertTopic;
  readonly alarms: PlatformAlarms;
  readonly dashboard: PlatformDashboard;
  readonly audit: Audit;
  readonly dnsFailover?: DnsFailover;

  constructor(scope: Construct, id: string, props: ObservabilityProps) {
    super(scope, id);
    const { context, platformKey, components } = props;
    this.alerts = new AlertTopic(this, 'alerts', { context, platformKey });
    this.alarms = new PlatformAlarms(this, 'alarms', { context, topic: this.alerts, components });
    const ownedAlarms = components.ownedAlarms ?? [];
    for (const alarm of ownedAlarms) {
      alarm.alarmActions = [this.alerts.arn];
      alarm.okActions = [this.alerts.arn];
    }
    this.dashboard = new PlatformDashboard(this, 'dashboard', { context, components, alarmArns: [...this.alarms.arns, ...ownedAlarms.map((a) => a.arn)] });
    this.audit = new Audit(this, 'audit', { context, platformKey, accessLogs: props.accessLogs, topic: this.alerts });
    if (context.config.dns.hostedZoneId && props.failoverApi) {
      this.dnsFailover = new DnsFailover(this, 'dns-failover', { context, target: props.failoverApi });
    }
  }
}
