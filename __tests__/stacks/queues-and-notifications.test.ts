import { DataAwsCallerIdentity } from '@cdktf/provider-aws/lib/data-aws-caller-identity';
import { DefaultTokenResolver, StringConcat, TerraformStack, Testing, Tokenization } from 'cdktf';
import { Construct } from 'constructs';
import * as fc from 'fast-check';
import { SqsQueuePolicy } from '@cdktf/provider-aws/lib/sqs-queue-policy';
import { LAKE_PREFIXES } from '../../functions/shared/lake-layout';
import { DataLake } from '../../stacks/constructs/data-lake';
import { PlatformKey } from '../../stacks/constructs/encryption';
import { queueDepthMetric, SecureQueue } from '../../stacks/constructs/secure-queue';
import { PlatformNaming } from '../../stacks/naming';
import type { PlatformContext } from '../../stacks/platform-context';
import { evaluatePolicy } from '../../stacks/policy/rules';
import { createAwsProvider } from '../../stacks/provider';
import { resourcesOf, synthPlatform, testConfig, type TerraformJson } from '../helpers/synth';

function fixture() {
  const config = testConfig();
  const naming = new PlatformNaming(config);
  const stack = new TerraformStack(Testing.app(), 'queues');
  const region = naming.regionOf('primary');
  createAwsProvider(stack, 'aws', config, 'primary', region);
  const context: PlatformContext = {
    config,
    naming,
    role: 'primary',
    region,
    peerRegion: naming.regionOf('dr'),
    accountId: new DataAwsCallerIdentity(stack, 'current').accountId,
  };
  const platformKey = new PlatformKey(stack, 'encryption', { context });
  const dataLake = new DataLake(stack, 'data-lake', { context, platformKey });
  return { stack, context, platformKey, dataLake };
}

const resolve = (stack: TerraformStack, value: unknown) =>
  Tokenization.resolve(value, { scope: stack, preparing: false, resolver: new DefaultTokenResolver(new StringConcat()) });
const synth = (stack: TerraformStack) => JSON.parse(Testing.synth(stack, true)) as TerraformJson & { moved?: { from: string; to: string }[] };
const statements = (policy: string) => (JSON.parse(policy) as { Statement: Record<string, any>[] }).Statement;

describe('SecureQueue', () => {
  test('any retention, visibility and sender list gives an encrypted queue whose policy ends with the TLS-only deny and passes the policy pack', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 60, max: 1_209_600 }),
        fc.option(fc.integer({ min: 0, max: 43_200 }), { nil: undefined }),
        fc.uniqueArray(fc.stringMatching(/^[A-Z][A-Za-z]{2,12}$/), { maxLength: 3 }),
        (retentionSeconds, visibilityTimeoutSeconds, senderSids) => {
          const { stack, platformKey, dataLake } = fixture();
          new SecureQueue(stack, 'q', {
            queueName: 'q',
            platformKey,
            retentionSeconds,
            visibilityTimeoutSeconds,
            senders: senderSids.map((sid) => dataLake.objectCreatedSender(sid)),
          });
          const json = synth(stack);
          const [[queueId, queue]] = resourcesOf(json, 'aws_sqs_queue');
          expect(queue).toMatchObject({ message_retention_seconds: retentionSeconds, kms_master_key_id: expect.stringContaining('aws_kms_key') });
          expect(queue.visibility_timeout_seconds).toBe(visibilityTimeoutSeconds);
          const [[, policy]] = resourcesOf(json, 'aws_sqs_queue_policy');
          expect(policy.queue_url).toBe(`\${aws_sqs_queue.${queueId}.url}`);
          const all = statements(policy.policy);
          expect(all.map((s) => s.Sid)).toEqual([...senderSids, 'DenyInsecureTransport']);
          expect(all.at(-1)).toMatchObject({ Effect: 'Deny', Principal: '*', Action: 'sqs:*', Condition: { Bool: { 'aws:SecureTransport': false } } });
          expect(evaluatePolicy(json)).toEqual([]);
        },
      ),
      { numRuns: 15 },
    );
  });

  test('a dead-letter queue is named in the redrive policy; the queue is the construct itself in the Terraform address', () => {
    const { stack, platformKey } = fixture();
    const dlq = new SecureQueue(stack, 'dlq', { queueName: 'dlq', platformKey });
    new SecureQueue(stack, 'work', { queueName: 'work', platformKey, deadLetter: { queue: dlq, maxReceiveCount: 3 } });
    const queues = Object.fromEntries(resourcesOf(synth(stack), 'aws_sqs_queue'));
    // Top-level constructs get their id as the logical id: the queue is addressed as the construct.
    expect(Object.keys(queues).sort()).toEqual(['dlq', 'work']);
    expect(JSON.parse(queues.work!.redrive_policy)).toEqual({ deadLetterTargetArn: '${aws_sqs_queue.dlq.arn}', maxReceiveCount: 3 });
  });

  test('formerPolicyId moves the policy from its old sibling address instead of replacing it', () => {
    const { stack, platformKey } = fixture();
    const owner = new Construct(stack, 'owner');
    new SecureQueue(owner, 'dlq', { queueName: 'dlq', platformKey, formerPolicyId: 'dlq-policy' });
    const json = synth(stack);
    const [[queueId]] = resourcesOf(json, 'aws_sqs_queue');
    const [[policyId]] = resourcesOf(json, 'aws_sqs_queue_policy');
    expect(queueId).toMatch(/^owner_dlq_[0-9A-F]{8}$/);
    expect(policyId).toMatch(/^owner_dlq_policy_[0-9A-F]{8}$/);
    expect(json.moved).toEqual([
      { from: expect.stringMatching(/^aws_sqs_queue_policy\.owner_dlq-policy_[0-9A-F]{8}$/), to: `aws_sqs_queue_policy.${policyId}` },
    ]);
  });

  test('the former address is the logical id cdktf gives a real construct at that path', () => {
    const { stack, platformKey } = fixture();
    const owner = new Construct(stack, 'owner');
    const queue = new SecureQueue(owner, 'dlq', { queueName: 'dlq', platformKey, formerPolicyId: 'dlq-policy' });
    const real = new SqsQueuePolicy(owner, 'dlq-policy', { queueUrl: queue.url, policy: '{}' });
    const json = synth(stack);
    expect(json.moved?.[0]?.from).toBe(`aws_sqs_queue_policy.${stack.getLogicalId(real)}`);
  });

  test('grants are scoped to the queue', () => {
    const { stack, platformKey } = fixture();
    const queue = new SecureQueue(stack, 'q', { queueName: 'q', platformKey });
    const arn = resolve(stack, queue.arn);
    expect(resolve(stack, queue.grantSend('Send'))).toEqual({ Sid: 'Send', Effect: 'Allow', Action: 'sqs:SendMessage', Resource: arn });
    expect(resolve(stack, queue.grantConsume('Consume'))).toMatchObject({
      Sid: 'Consume',
      Action: expect.arrayContaining(['sqs:ReceiveMessage', 'sqs:DeleteMessage']),
      Resource: arn,
    });
    expect(queueDepthMetric('q')).toMatchObject({ namespace: 'AWS/SQS', metricName: 'ApproximateNumberOfMessagesVisible', dimensions: { QueueName: 'q' } });
  });
});

describe('the lake owns its notifications', () => {
  test('a second consumer of new objects registers with the lake: one configuration, both queues, written after both policies', () => {
    const { stack, platformKey, dataLake } = fixture();
    const first = new SecureQueue(stack, 'first', { queueName: 'first', platformKey, senders: [dataLake.objectCreatedSender('Lake')] });
    const second = new SecureQueue(stack, 'second', { queueName: 'second', platformKey, senders: [dataLake.objectCreatedSender('Lake')] });
    dataLake.addObjectCreatedConsumer({ id: 'first', queue: first, prefixes: [LAKE_PREFIXES.curated, LAKE_PREFIXES.predictions], suffix: '.parquet' });
    dataLake.addObjectCreatedConsumer({ id: 'second', queue: second, prefixes: [LAKE_PREFIXES.aggregates] });
    const json = synth(stack);
    const notifications = resourcesOf(json, 'aws_s3_bucket_notification');
    expect(notifications).toHaveLength(1);
    const [, notification] = notifications[0]!;
    expect(notification.queue.map((q: Record<string, string>) => [q.id, q.filter_prefix, q.filter_suffix])).toEqual([
      ['first-curated', LAKE_PREFIXES.curated, '.parquet'],
      ['first-predictions', LAKE_PREFIXES.predictions, '.parquet'],
      ['second-aggregates', LAKE_PREFIXES.aggregates, undefined],
    ]);
    const policyIds = resourcesOf(json, 'aws_sqs_queue_policy').map(([id]) => `aws_sqs_queue_policy.${id}`);
    expect([...notification.depends_on].sort()).toEqual(policyIds.sort());
    const lakeBucketArn = expect.stringMatching(/^\$\{aws_s3_bucket\.data-lake_bucket_[0-9A-F]+\.arn\}$/);
    for (const [, policy] of resourcesOf(json, 'aws_sqs_queue_policy')) {
      expect(statements(policy.policy)[0]).toMatchObject({
        Principal: { Service: 's3.amazonaws.com' },
        Condition: { ArnEquals: { 'aws:SourceArn': lakeBucketArn } },
      });
    }
  });

  test('a consumer whose queue does not admit S3 is refused at synth, naming the fix', () => {
    const { stack, platformKey, dataLake } = fixture();
    const deaf = new SecureQueue(stack, 'deaf', { queueName: 'deaf', platformKey });
    expect(() => dataLake.addObjectCreatedConsumer({ id: 'deaf', queue: deaf, prefixes: [LAKE_PREFIXES.curated] })).toThrow(
      /lake consumer "deaf": its queue's policy does not admit S3; create the queue with senders: \[dataLake.objectCreatedSender/,
    );
  });

  test('no consumer, no notification configuration', () => {
    const { stack } = fixture();
    expect(resourcesOf(synth(stack), 'aws_s3_bucket_notification')).toEqual([]);
  });

  test('in the platform, the warehouse loader is the lake consumer and every queue has the TLS-only deny', () => {
    const { primary } = synthPlatform().stacks;
    const [[, notification]] = resourcesOf(primary, 'aws_s3_bucket_notification').filter(([id]) => id.includes('data-lake'));
    expect(notification!.queue.map((q: Record<string, string>) => q.id)).toEqual(['warehouse-loader-curated', 'warehouse-loader-predictions']);
    const queues = resourcesOf(primary, 'aws_sqs_queue').map(([id]) => id);
    const guarded = resourcesOf(primary, 'aws_sqs_queue_policy').filter(([, p]) => statements(p.policy).some((s) => s.Sid === 'DenyInsecureTransport'));
    expect(guarded.map(([, p]) => p.queue_url.split('.')[1]).sort()).toEqual([...queues].sort());
  });
});
