import { SnsTopic } from '@cdktf/provider-aws/lib/sns-topic';
import { SnsTopicPolicy } from '@cdktf/provider-aws/lib/sns-topic-policy';
import { SnsTopicSubscription } from '@cdktf/provider-aws/lib/sns-topic-subscription';
import { Construct } from 'constructs';
import { policyDocument, type PolicyStatement } from '../iam';
import type { PlatformContext } from '../platform-context';
import type { PlatformKey } from './encryption';

/** AWS services that publish the platform's alerts: alarms, budget notifications, EventBridge rules (GuardDuty findings). */
export const ALERT_PUBLISHERS = ['cloudwatch.amazonaws.com', 'budgets.amazonaws.com', 'events.amazonaws.com'] as const;

export interface AlertTopicProps {
  readonly context: PlatformContext;
  /** Encrypts messages at rest; its key policy lets the publishing services use it. */
  readonly platformKey: PlatformKey;
  /** E-mail addresses subscribed to the topic. @default config.observability.alertEmails */
  readonly emails?: readonly string[];
}

/**
 * The region's alert topic: KMS-encrypted, one e-mail subscription per configured address, and a
 * topic policy that lets only CloudWatch alarms, AWS Budgets and EventBridge of this account
 * publish, over TLS. E-mail subscriptions stay "pending confirmation" until each recipient clicks
 * the link AWS sends; Terraform cannot confirm them.
 */
export class AlertTopic extends Construct {
  readonly topic: SnsTopic;
  readonly subscriptions: SnsTopicSubscription[];

  constructor(scope: Construct, id: string, props: AlertTopicProps) {
    super(scope, id);
    const { context, platformKey } = props;
    const { naming, region, accountId } = context;
    const emails = props.emails ?? context.config.observability.alertEmails;

    this.topic = new SnsTopic(this, 'topic', {
      name: naming.regional('alerts', region),
      displayName: `${naming.prefix} alerts (${region})`,
      kmsMasterKeyId: platformKey.arn,
    });

    new SnsTopicPolicy(this, 'policy', {
      arn: this.topic.arn,
      policy: policyDocument([
        {
          Sid: 'AwsServicesOfThisAccountPublish',
          Effect: 'Allow',
          Principal: { Service: [...ALERT_PUBLISHERS] },
          Action: 'sns:Publish',
          Resource: this.topic.arn,
          // Confused-deputy guard: only alarms, budgets and rules owned by this account.
          Condition: { StringEquals: { 'aws:SourceAccount': accountId } },
        },
        {
          Sid: 'DenyInsecureTransport',
          Effect: 'Deny',
          Principal: '*',
          Action: 'sns:Publish',
          Resource: this.topic.arn,
          Condition: { Bool: { 'aws:SecureTransport': false } },
        },
      ]),
    });

    this.subscriptions = emails.map(
      (email, index) =>
        new SnsTopicSubscription(this, `email-${index}`, {
          topicArn: this.topic.arn,
          protocol: 'email',
          endpoint: email,
        }),
    );
  }

  get arn(): string {
    return this.topic.arn;
  }

  /** What a function that sends alerts itself needs (the topic's key is granted with the function's own KMS statement). */
  grantPublish(sid: string): PolicyStatement {
    return { Sid: sid, Effect: 'Allow', Action: 'sns:Publish', Resource: this.topic.arn };
  }
}
