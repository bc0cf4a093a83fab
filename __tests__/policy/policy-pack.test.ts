import { CloudwatchLogGroup } from '@cdktf/provider-aws/lib/cloudwatch-log-group';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy';
import { KinesisStream } from '@cdktf/provider-aws/lib/kinesis-stream';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { S3Bucket } from '@cdktf/provider-aws/lib/s3-bucket';
import { SecurityGroup } from '@cdktf/provider-aws/lib/security-group';
import { SnsTopic } from '@cdktf/provider-aws/lib/sns-topic';
import { SqsQueue } from '@cdktf/provider-aws/lib/sqs-queue';
import { SqsQueuePolicy } from '@cdktf/provider-aws/lib/sqs-queue-policy';
import { VpcSecurityGroupIngressRule } from '@cdktf/provider-aws/lib/vpc-security-group-ingress-rule';
import { App, Aspects, TerraformStack, Testing } from 'cdktf';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { PolicyAspect } from '../../stacks/policy/policy-aspect';
import { evaluatePolicy, isWildcardGrant } from '../../stacks/policy/rules';
import { synthPlatform, ROLES } from '../helpers/synth';

function stackWith(build: (stack: TerraformStack) => void): TerraformStack {
  const app = Testing.app();
  const stack = new TerraformStack(app, 'policy-fixture');
  new AwsProvider(stack, 'aws', { region: 'us-east-1' });
  build(stack);
  return stack;
}

function withQueuePolicy(stack: TerraformStack, queue: SqsQueue, statements: object[]): void {
  new SqsQueuePolicy(stack, `${queue.node.id}-policy`, {
    queueUrl: queue.url,
    policy: JSON.stringify({ Version: '2012-10-17', Statement: statements.map((st) => ({ ...st, Resource: queue.arn })) }),
  });
}

function tlsOnly(stack: TerraformStack, queue: SqsQueue): void {
  withQueuePolicy(stack, queue, [{ Effect: 'Deny', Principal: '*', Action: 'sqs:*', Condition: { Bool: { 'aws:SecureTransport': false } } }]);
}

function findingsOf(build: (stack: TerraformStack) => void): string[] {
  return evaluatePolicy(stackWith(build).toTerraform()).map((f) => f.ruleId);
}

describe('policy pack rules', () => {
  const cases: [string, (stack: TerraformStack) => void][] = [
    ['DAML-S3-ENCRYPTION', (s) => new S3Bucket(s, 'bucket', { bucket: 'plain' })],
    ['DAML-KINESIS-ENCRYPTION', (s) => new KinesisStream(s, 'stream', { name: 'plain', shardCount: 1 })],
    ['DAML-LOGS-ENCRYPTION-RETENTION', (s) => new CloudwatchLogGroup(s, 'logs', { name: 'plain' })],
    ['DAML-SQS-ENCRYPTION', (s) => tlsOnly(s, new SqsQueue(s, 'queue', { name: 'plain', kmsMasterKeyId: 'alias/aws/sqs' }))],
    ['DAML-SQS-TLS-ONLY', (s) => new SqsQueue(s, 'queue', { name: 'no-policy', kmsMasterKeyId: 'arn:aws:kms:us-east-1:1:key/x' })],
    [
      'DAML-SQS-TLS-ONLY',
      (s) =>
        withQueuePolicy(s, new SqsQueue(s, 'queue', { name: 'allow-only', kmsMasterKeyId: 'arn:aws:kms:us-east-1:1:key/x' }), [
          { Effect: 'Allow', Principal: '*', Action: 'sqs:SendMessage' },
        ]),
    ],
    [
      'DAML-SQS-TLS-ONLY',
      (s) => {
        // The deny guards another queue: this one is still open to plain HTTP.
        const queue = new SqsQueue(s, 'queue', { name: 'wrong-resource', kmsMasterKeyId: 'arn:aws:kms:us-east-1:1:key/x' });
        new SqsQueuePolicy(s, 'queue-policy', {
          queueUrl: queue.url,
          policy: JSON.stringify({
            Statement: [
              {
                Effect: 'Deny',
                Principal: '*',
                Action: 'sqs:*',
                Resource: 'arn:aws:sqs:us-east-1:1:other',
                Condition: { Bool: { 'aws:SecureTransport': false } },
              },
            ],
          }),
        });
      },
    ],
    ['DAML-SNS-ENCRYPTION', (s) => new SnsTopic(s, 'topic', { name: 'plain' })],
    [
      'DAML-NO-PUBLIC-INGRESS',
      (s) => new SecurityGroup(s, 'sg', { name: 'open', ingress: [{ fromPort: 22, toPort: 22, protocol: 'tcp', cidrBlocks: ['0.0.0.0/0'] }] }),
    ],
    [
      'DAML-NO-PUBLIC-INGRESS',
      (s) => new VpcSecurityGroupIngressRule(s, 'rule', { securityGroupId: 'sg-1', ipProtocol: 'tcp', fromPort: 443, toPort: 443, cidrIpv6: '::/0' }),
    ],
    [
      'DAML-IAM-NO-WILDCARD',
      (s) => new IamRolePolicy(s, 'policy', { role: 'r', policy: JSON.stringify({ Statement: [{ Effect: 'Allow', Action: 's3:*', Resource: '*' }] }) }),
    ],
  ];

  test.each(cases)('%s fires on a violating resource', (ruleId, build) => {
    expect(findingsOf(build)).toEqual([ruleId]);
  });

  test('compliant resources raise nothing', () => {
    expect(
      findingsOf((s) => {
        new KinesisStream(s, 'stream', { name: 'ok', shardCount: 1, encryptionType: 'KMS', kmsKeyId: 'arn:aws:kms:us-east-1:1:key/x' });
        new CloudwatchLogGroup(s, 'logs', { name: 'ok', kmsKeyId: 'arn:aws:kms:us-east-1:1:key/x', retentionInDays: 30 });
        new IamRolePolicy(s, 'policy', { role: 'r', policy: JSON.stringify({ Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }] }) });
        tlsOnly(s, new SqsQueue(s, 'queue', { name: 'ok', kmsMasterKeyId: 'arn:aws:kms:us-east-1:1:key/x' }));
      }),
    ).toEqual([]);
  });

  test('wildcard detection: service-wide or global actions on every resource only', () => {
    expect(isWildcardGrant({ Effect: 'Allow', Action: '*', Resource: '*' })).toBe(true);
    expect(isWildcardGrant({ Effect: 'Allow', Action: ['kms:*'], Resource: ['*'] })).toBe(true);
    expect(isWildcardGrant({ Effect: 'Allow', Action: 's3:*', Resource: 'arn:aws:s3:::b/*' })).toBe(false);
    expect(isWildcardGrant({ Effect: 'Deny', Action: 's3:*', Resource: '*' })).toBe(false);
    expect(isWildcardGrant({ Effect: 'Allow', Action: 's3:Get*', Resource: '*' })).toBe(false);
  });

  test('the aspect makes synth fail with the rule id and the fix', () => {
    const app = new App({ outdir: fs.mkdtempSync(path.join(os.tmpdir(), 'daml-policy-')) });
    const stack = new TerraformStack(app, 'insecure');
    new AwsProvider(stack, 'aws', { region: 'us-east-1' });
    new SnsTopic(stack, 'topic', { name: 'plain' });
    Aspects.of(stack).add(new PolicyAspect());
    expect(() => app.synth()).toThrow(/\[DAML-SNS-ENCRYPTION\] aws_sns_topic\.topic: topic is not encrypted\. Fix: set kmsMasterKeyId/);
  });

  test.each(ROLES)('the platform %s stack passes the policy pack', (role) => {
    expect(evaluatePolicy(synthPlatform().stacks[role])).toEqual([]);
  });
});
