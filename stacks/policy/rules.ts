import { type ResourceRef, type SynthesizedStack, SynthesizedStackView } from '../synthesized-stack';

/**
 * The platform's policy pack (cdk-nag style, for CDKTF): small named rules over a stack's
 * synthesized Terraform JSON (read through SynthesizedStackView). Each finding says what is wrong
 * and how to fix it.
 */

export interface Finding {
  readonly ruleId: string;
  readonly resource: ResourceRef;
  readonly message: string;
}

export interface PolicyRule {
  readonly id: string;
  readonly description: string;
  check(stack: SynthesizedStackView): Finding[];
}

function finding(ruleId: string, resource: ResourceRef, message: string): Finding {
  return { ruleId, resource, message };
}

function blocks(value: unknown): Record<string, unknown>[] {
  if (Array.isArray(value)) return value as Record<string, unknown>[];
  if (value && typeof value === 'object') return [value as Record<string, unknown>];
  return [];
}

const asList = (value: string | string[] | undefined): string[] => (value === undefined || value === null ? [] : Array.isArray(value) ? value : [value]);

const isSet = (value: unknown) => value !== undefined && value !== null && value !== '';

export const encryptedBuckets: PolicyRule = {
  id: 'DAML-S3-ENCRYPTION',
  description: 'Every S3 bucket has a default server-side encryption configuration',
  check: (stack) =>
    stack
      .ofType('aws_s3_bucket')
      .filter((bucket) => stack.referencing('aws_s3_bucket_server_side_encryption_configuration', 'bucket', bucket).length === 0)
      .map((bucket) =>
        finding(
          'DAML-S3-ENCRYPTION',
          bucket,
          'bucket has no default encryption. Fix: create it with SecureBucket (stacks/constructs/secure-bucket.ts), which adds SSE-KMS with the platform key',
        ),
      ),
};

export const encryptedStreams: PolicyRule = {
  id: 'DAML-KINESIS-ENCRYPTION',
  description: 'Every Kinesis stream is encrypted with KMS',
  check: (stack) =>
    stack
      .ofType('aws_kinesis_stream')
      .filter((s) => s.config.encryption_type !== 'KMS' || !isSet(s.config.kms_key_id))
      .map((s) => finding('DAML-KINESIS-ENCRYPTION', s, 'stream is not KMS-encrypted. Fix: set encryptionType "KMS" and kmsKeyId to the platform key ARN')),
};

export const encryptedLogGroups: PolicyRule = {
  id: 'DAML-LOGS-ENCRYPTION-RETENTION',
  description: 'Every log group is KMS-encrypted and has a retention',
  check: (stack) =>
    stack
      .ofType('aws_cloudwatch_log_group')
      .filter((g) => !isSet(g.config.kms_key_id) || !isSet(g.config.retention_in_days) || g.config.retention_in_days === 0)
      .map((g) =>
        finding(
          'DAML-LOGS-ENCRYPTION-RETENTION',
          g,
          'log group lacks a KMS key or a retention. Fix: create it with EncryptedLogGroup (stacks/constructs/log-group.ts)',
        ),
      ),
};

export const encryptedQueues: PolicyRule = {
  id: 'DAML-SQS-ENCRYPTION',
  description: 'Every SQS queue is encrypted with a customer-managed KMS key',
  check: (stack) =>
    stack
      .ofType('aws_sqs_queue')
      .filter((q) => !isSet(q.config.kms_master_key_id) || q.config.kms_master_key_id === 'alias/aws/sqs')
      .map((q) => finding('DAML-SQS-ENCRYPTION', q, 'queue is not encrypted with the platform key. Fix: set kmsMasterKeyId to the platform key ARN')),
};

export const encryptedTopics: PolicyRule = {
  id: 'DAML-SNS-ENCRYPTION',
  description: 'Every SNS topic is encrypted with KMS',
  check: (stack) =>
    stack
      .ofType('aws_sns_topic')
      .filter((t) => !isSet(t.config.kms_master_key_id))
      .map((t) => finding('DAML-SNS-ENCRYPTION', t, 'topic is not encrypted. Fix: set kmsMasterKeyId to the platform key ARN')),
};

const OPEN_CIDRS = ['0.0.0.0/0', '::/0'];

export const noPublicIngress: PolicyRule = {
  id: 'DAML-NO-PUBLIC-INGRESS',
  description: 'No security group admits traffic from the whole internet',
  check: (stack) => {
    const fix = 'Fix: admit traffic from a security group (referencedSecurityGroupId) or the VPC CIDR instead';
    const opensToInternet = (rule: Record<string, unknown>) =>
      [...asList(rule.cidr_blocks as string[]), ...asList(rule.ipv6_cidr_blocks as string[])].some((c) => OPEN_CIDRS.includes(c));
    const inline = stack.ofType('aws_security_group').filter((g) => blocks(g.config.ingress).some(opensToInternet));
    const rules = stack
      .ofType('aws_vpc_security_group_ingress_rule')
      .filter((r) => OPEN_CIDRS.includes(r.config.cidr_ipv4 as string) || OPEN_CIDRS.includes(r.config.cidr_ipv6 as string));
    const legacy = stack.ofType('aws_security_group_rule').filter((r) => r.config.type === 'ingress' && opensToInternet(r.config));
    return [...inline, ...rules, ...legacy].map((r) => finding('DAML-NO-PUBLIC-INGRESS', r, `ingress from 0.0.0.0/0 or ::/0. ${fix}`));
  },
};

interface Statement {
  Effect?: string;
  Principal?: unknown;
  Action?: string | string[];
  Resource?: string | string[];
  Condition?: Record<string, Record<string, unknown>>;
}

function statementsOf(policy: unknown): Statement[] {
  if (typeof policy !== 'string') return [];
  try {
    const parsed = JSON.parse(policy) as { Statement?: Statement | Statement[] };
    return Array.isArray(parsed.Statement) ? parsed.Statement : parsed.Statement ? [parsed.Statement] : [];
  } catch {
    return [];
  }
}

/** `*` or `service:*` allowed on every resource. */
export function isWildcardGrant(statement: Statement): boolean {
  if (statement.Effect !== 'Allow') return false;
  const wildcardAction = asList(statement.Action).some((a) => a === '*' || /^[a-z0-9-]+:\*$/i.test(a));
  return wildcardAction && asList(statement.Resource).includes('*');
}

const IAM_POLICY_ATTRIBUTES: Readonly<Record<string, string>> = {
  aws_iam_role_policy: 'policy',
  aws_iam_policy: 'policy',
  aws_iam_user_policy: 'policy',
  aws_iam_group_policy: 'policy',
};

export const noWildcardIam: PolicyRule = {
  id: 'DAML-IAM-NO-WILDCARD',
  description: 'No IAM policy allows all actions of a service (or all services) on all resources',
  check: (stack) =>
    Object.entries(IAM_POLICY_ATTRIBUTES).flatMap(([type, attribute]) =>
      stack
        .ofType(type)
        .filter((p) => statementsOf(p.config[attribute]).some(isWildcardGrant))
        .map((p) =>
          finding(
            'DAML-IAM-NO-WILDCARD',
            p,
            'policy allows "*" or "service:*" actions on Resource "*". Fix: list the actions the code calls and scope Resource to the ARNs it touches',
          ),
        ),
    ),
};

/** A deny of every SQS action to anyone, whenever the request did not come over TLS. */
function deniesInsecureTransport(statement: Statement): boolean {
  const secure = statement.Condition?.Bool?.['aws:SecureTransport'];
  return (
    statement.Effect === 'Deny' &&
    statement.Principal === '*' &&
    asList(statement.Action).some((a) => a === 'sqs:*' || a === '*') &&
    (secure === false || secure === 'false')
  );
}

export const tlsOnlyQueues: PolicyRule = {
  id: 'DAML-SQS-TLS-ONLY',
  description: 'Every SQS queue has a queue policy that denies requests not made over TLS',
  check: (stack) =>
    stack
      .ofType('aws_sqs_queue')
      .filter((q) => {
        const queueArn = `\${${q.type}.${q.logicalId}.arn}`;
        const guards = (st: Statement) => deniesInsecureTransport(st) && asList(st.Resource).some((r) => r === queueArn || r === '*');
        return !stack.referencing('aws_sqs_queue_policy', 'queue_url', q).some((p) => statementsOf(p.config.policy).some(guards));
      })
      .map((q) =>
        finding(
          'DAML-SQS-TLS-ONLY',
          q,
          'queue has no policy denying requests without TLS (aws:SecureTransport false). Fix: create it with SecureQueue (stacks/constructs/secure-queue.ts), which adds the deny',
        ),
      ),
};

export const POLICY_RULES: readonly PolicyRule[] = [
  encryptedBuckets,
  encryptedStreams,
  encryptedLogGroups,
  encryptedQueues,
  tlsOnlyQueues,
  encryptedTopics,
  noPublicIngress,
  noWildcardIam,
];

export function evaluatePolicy(json: object, rules: readonly PolicyRule[] = POLICY_RULES): Finding[] {
  const view = new SynthesizedStackView(json as SynthesizedStack);
  return rules.flatMap((rule) => rule.check(view));
}
