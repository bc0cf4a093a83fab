import { SqsQueue } from '@cdktf/provider-aws/lib/sqs-queue';
import { SqsQueuePolicy } from '@cdktf/provider-aws/lib/sqs-queue-policy';
import { Construct } from 'constructs';
import { policyDocument, type PolicyStatement } from '../iam';
import type { PlatformKey } from './encryption';
import { formerLogicalId } from './former-address';

export const DAY_SECONDS = 86_400;
/** The SQS maximum: the longest a failed batch can wait for someone to replay it. */
export const MAX_QUEUE_RETENTION_SECONDS = 14 * DAY_SECONDS;

/** The one SQS metric a dead-letter queue is judged by: messages waiting (must stay 0). */
export function queueDepthMetric(queueName: string) {
  return { namespace: 'AWS/SQS', metricName: 'ApproximateNumberOfMessagesVisible', dimensions: { QueueName: queueName }, stat: 'Maximum' } as const;
}

/** Sid of the statement every queue policy carries; the policy pack looks for it. */
export const QUEUE_TLS_DENY_SID = 'DenyInsecureTransport';

/** An AWS service allowed to send to a queue on behalf of one resource of this account. */
export interface QueueSender {
  readonly sid: string;
  /** Service principal, e.g. "s3.amazonaws.com". */
  readonly service: string;
  /** The only resource whose events the service may send (confused-deputy guard). */
  readonly sourceArn: string;
  readonly sourceAccount: string;
}

export interface SecureQueueProps {
  /** Queue name (1-80 letters, digits, hyphens, underscores). */
  readonly queueName: string;
  /** Encrypts messages at rest (SSE-KMS). */
  readonly platformKey: PlatformKey;
  /** Seconds a message is kept. @default 1,209,600 (14 days, the SQS maximum) */
  readonly retentionSeconds?: number;
  /** Seconds a received message stays hidden from other consumers. @default SQS's default (30) */
  readonly visibilityTimeoutSeconds?: number;
  /** Where a message goes after `maxReceiveCount` deliveries. @default no redrive */
  readonly deadLetter?: { readonly queue: SecureQueue; readonly maxReceiveCount: number };
  /** AWS services that may send messages (e.g. a bucket's notifications). @default none: only IAM principals granted `grantSend` */
  readonly senders?: readonly QueueSender[];
  /**
   * Construct id the queue policy had as a sibling of the queue before this construct held it
   * (e.g. "dlq-policy"): synthesizes a Terraform `moved` block, so a deployed queue keeps its policy
   * instead of having it destroyed and created again. @default the policy has always been here
   */
  readonly formerPolicyId?: string;
}

/**
 * An SQS queue that cannot be created insecure, in the manner of SecureBucket: SSE-KMS with the
 * platform key (data keys reused for 5 minutes, which bounds KMS calls), a queue policy that
 * denies every request not made over TLS, bounded retention and an optional redrive. The queue
 * itself is this construct's `Default` child, so its Terraform address is the construct's path.
 */
export class SecureQueue extends Construct {
  readonly queue: SqsQueue;
  readonly policy: SqsQueuePolicy;
  /** The AWS services its policy lets send. */
  readonly senders: readonly QueueSender[];

  constructor(scope: Construct, id: string, props: SecureQueueProps) {
    super(scope, id);
    this.senders = props.senders ?? [];
    this.queue = new SqsQueue(this, 'Default', {
      name: props.queueName,
      kmsMasterKeyId: props.platformKey.arn,
      kmsDataKeyReusePeriodSeconds: 300,
      messageRetentionSeconds: props.retentionSeconds ?? MAX_QUEUE_RETENTION_SECONDS,
      visibilityTimeoutSeconds: props.visibilityTimeoutSeconds,
      redrivePolicy: props.deadLetter && JSON.stringify({ deadLetterTargetArn: props.deadLetter.queue.arn, maxReceiveCount: props.deadLetter.maxReceiveCount }),
    });
    this.policy = new SqsQueuePolicy(this, 'policy', {
      queueUrl: this.queue.url,
      policy: policyDocument([
        ...(props.senders ?? []).map((sender) => this.senderStatement(sender)),
        {
          Sid: QUEUE_TLS_DENY_SID,
          Effect: 'Deny',
          Principal: '*',
          Action: 'sqs:*',
          Resource: this.queue.arn,
          Condition: { Bool: { 'aws:SecureTransport': false } },
        },
      ]),
    });
    if (props.formerPolicyId) this.policy.moveFromId(`${this.policy.terraformResourceType}.${formerLogicalId(this, [props.formerPolicyId])}`);
  }

  get arn(): string {
    return this.queue.arn;
  }

  get name(): string {
    return this.queue.name;
  }

  get url(): string {
    return this.queue.url;
  }

  /** What a producer (a function's on-failure destination, a sender) needs. */
  grantSend(sid: string): PolicyStatement {
    return { Sid: sid, Effect: 'Allow', Action: 'sqs:SendMessage', Resource: this.arn };
  }

  /** What a Lambda event source mapping polling this queue needs. */
  grantConsume(sid: string): PolicyStatement {
    return {
      Sid: sid,
      Effect: 'Allow',
      Action: ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:ChangeMessageVisibility', 'sqs:GetQueueAttributes'],
      Resource: this.arn,
    };
  }

  private senderStatement(sender: QueueSender): PolicyStatement {
    return {
      Sid: sender.sid,
      Effect: 'Allow',
      Principal: { Service: sender.service },
      Action: 'sqs:SendMessage',
      Resource: this.queue.arn,
      Condition: { ArnEquals: { 'aws:SourceArn': sender.sourceArn }, StringEquals: { 'aws:SourceAccount': sender.sourceAccount } },
    };
  }
}
