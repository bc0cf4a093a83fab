import { DefaultTokenResolver, IAspect, StringConcat, TerraformDataSource, TerraformElement, TerraformOutput, TerraformResource, TerraformStack, Tokenization } from 'cdktf';
import { IConstruct } from 'constructs';

/**
 * What the local AWS emulator (moto, scripts/local-deploy.sh) cannot do, and the one mechanism that
 * works around it: `LocalEmulatorAspect`, added to each stack only when `config.localAwsEndpoint`
 * (LOCAL_AWS_ENDPOINT) is set. A stack synthesized for a real account never sees any of this.
 * docs/local-deploy.md lists the same gaps with the errors the apply printed.
 */

/** A resource type moto cannot create, with the operation it lacks and the error it answers with. */
export interface EmulatorGap {
  readonly resourceType: string;
  /** The AWS API operation the provider calls that moto does not implement. */
  readonly operation: string;
  /** moto's own error, as it logs it (the provider reports a 500 or a timeout). */
  readonly emulatorError: string;
}

/** Resource types excluded from a local synth (with everything that references them). moto 5.2.5. */
export const EMULATOR_GAPS: readonly EmulatorGap[] = [
  {
    resourceType: 'aws_appautoscaling_target',
    operation: 'application-autoscaling:ListTagsForResource (read after create)',
    emulatorError: 'NotImplementedError: The list_tags_for_resource action has not been implemented',
  },
  {
    resourceType: 'aws_budgets_budget',
    operation: 'budgets:DescribeSubscribersForNotification (read after create)',
    emulatorError: 'NotImplementedError: The describe_subscribers_for_notification action has not been implemented',
  },
  {
    resourceType: 'aws_lambda_code_signing_config',
    operation: 'lambda:CreateCodeSigningConfig (observability.lambdaCodeSigning only)',
    emulatorError: 'HTTP 404 "Not yet implemented"',
  },
  {
    resourceType: 'aws_quicksight_data_source',
    operation: 'quicksight:DescribeDataSource in the REST-JSON shape (the provider waits for CREATION_SUCCESSFUL)',
    emulatorError: 'moto returns CreatedTime as a string: "expected Timestamp to be a JSON Number, got string instead"',
  },
  {
    resourceType: 'aws_quicksight_vpc_connection',
    operation: 'quicksight:CreateVPCConnection',
    emulatorError: 'moto has no route for it and answers HTTP 404 with an HTML page',
  },
  {
    resourceType: 'aws_redshift_cluster',
    operation: 'redshift:DescribeClusters with ClusterAvailabilityStatus (the provider waits for "Available")',
    emulatorError: "moto's DescribeClusters has no ClusterAvailabilityStatus: \"waiting for completion: unexpected state '', wanted target 'Available'\"",
  },
  {
    resourceType: 'aws_redshift_parameter_group',
    operation: 'redshift:ModifyClusterParameterGroup (sets the parameters after CreateClusterParameterGroup)',
    emulatorError: 'NotImplementedError: The modify_cluster_parameter_group action has not been implemented',
  },
  {
    resourceType: 'aws_redshift_snapshot_schedule',
    operation: 'redshift:CreateSnapshotSchedule',
    emulatorError: 'NotImplementedError: The create_snapshot_schedule action has not been implemented',
  },
  {
    resourceType: 'aws_securityhub_account',
    operation: 'securityhub:UpdateSecurityHubConfiguration (after EnableSecurityHub)',
    emulatorError: 'NotImplementedError: The update_security_hub_configuration action has not been implemented',
  },
  {
    resourceType: 'aws_signer_signing_job',
    operation: 'signer:StartSigningJob (observability.lambdaCodeSigning only)',
    emulatorError: 'HTTP 404 "Not yet implemented"',
  },
  {
    resourceType: 'aws_sqs_queue_redrive_allow_policy',
    operation: 'sqs:GetQueueAttributes returning RedriveAllowPolicy (the provider waits until it reads back)',
    emulatorError: "moto's GetQueueAttributes never returns RedriveAllowPolicy: \"timeout while waiting for state to become 'equal' (last state: 'notequal', ...)\" after 20 minutes",
  },
];

/**
 * Resources moto creates, but only without one setting it cannot apply: kept, with the setting
 * removed, rather than excluded with everything that references them.
 */
export interface EmulatorAdaptation {
  readonly resourceType: string;
  /** What the local stack does differently, and why. */
  readonly description: string;
  /** Rewrites the resource's synthesized configuration; returns false when there was nothing to change. */
  readonly adapt: (resource: TerraformResource, synthesized: Record<string, unknown>) => boolean;
}

const TLS_CONDITION_KEY = 'aws:securetransport';

function mentionsSecureTransport(condition: unknown): boolean {
  if (!condition || typeof condition !== 'object') return false;
  return Object.values(condition as Record<string, unknown>).some(
    (test) => !!test && typeof test === 'object' && Object.keys(test).some((key) => key.toLowerCase() === TLS_CONDITION_KEY),
  );
}

export const EMULATOR_ADAPTATIONS: readonly EmulatorAdaptation[] = [
  {
    resourceType: 'aws_s3_bucket_policy',
    description:
      'statements conditioned on aws:SecureTransport are left out: the emulator speaks plain HTTP on the loopback interface, and ' +
      'moto evaluates bucket policies without their conditions, so the TLS-only Deny would deny every object read and write ' +
      '(PutObject of the model artifacts answered 403)',
    adapt: (resource, synthesized) => {
      if (typeof synthesized.policy !== 'string') return false;
      const policy = JSON.parse(synthesized.policy) as { Statement?: { Condition?: unknown }[] };
      const statements = policy.Statement ?? [];
      const kept = statements.filter((statement) => !mentionsSecureTransport(statement.Condition));
      if (kept.length === statements.length) return false;
      resource.addOverride('policy', JSON.stringify({ ...policy, Statement: kept }));
      return true;
    },
  },
];

/**
 * Settings moto accepts but does not return when the provider reads the resource back, so that
 * every plan after apply would show them as changes. In a local synth they are listed in the
 * resource's `lifecycle.ignore_changes`: still sent to the emulator on create, no longer compared.
 */
export interface ReadBackGap {
  readonly resourceType: string;
  readonly attributes: readonly string[];
  /** What moto does with the setting. */
  readonly emulatorBehaviour: string;
}

export const EMULATOR_READBACK_GAPS: readonly ReadBackGap[] = [
  { resourceType: 'aws_kinesis_stream', attributes: ['tags_all'], emulatorBehaviour: 'CreateStream ignores Tags' },
  { resourceType: 'aws_kms_key', attributes: ['rotation_period_in_days'], emulatorBehaviour: 'GetKeyRotationStatus has no RotationPeriodInDays' },
  { resourceType: 'aws_lambda_function', attributes: ['logging_config'], emulatorBehaviour: 'GetFunction has no LoggingConfig' },
  { resourceType: 'aws_redshift_snapshot_copy_grant', attributes: ['tags_all'], emulatorBehaviour: 'CreateSnapshotCopyGrant ignores Tags' },
  { resourceType: 'aws_s3_bucket', attributes: ['tags_all'], emulatorBehaviour: 'CreateBucket ignores the bucket tags; S3 Control ListTagsForResource returns none' },
  { resourceType: 'aws_s3_bucket_notification', attributes: ['eventbridge'], emulatorBehaviour: 'GetBucketNotificationConfiguration has no EventBridgeConfiguration' },
  {
    resourceType: 'aws_s3_bucket_replication_configuration',
    attributes: ['rule'],
    emulatorBehaviour: 'GetBucketReplication returns DeleteMarkerReplication Disabled and no SourceSelectionCriteria',
  },
  { resourceType: 'aws_sagemaker_endpoint', attributes: ['deployment_config'], emulatorBehaviour: 'DescribeEndpoint has no DeploymentConfig' },
  { resourceType: 'aws_sagemaker_model', attributes: ['enable_network_isolation'], emulatorBehaviour: 'DescribeModel has no EnableNetworkIsolation' },
  { resourceType: 'aws_sqs_queue', attributes: ['redrive_policy'], emulatorBehaviour: 'GetQueueAttributes returns RedrivePolicy re-serialized (whitespace)' },
  {
    resourceType: 'aws_vpc_security_group_egress_rule',
    attributes: ['description'],
    emulatorBehaviour: 'DescribeSecurityGroupRules drops the description of a rule whose peer is a prefix list or a security group',
  },
  {
    resourceType: 'aws_vpc_security_group_ingress_rule',
    attributes: ['description'],
    emulatorBehaviour: 'DescribeSecurityGroupRules drops the description of a rule whose peer is a prefix list or a security group',
  },
];

/**
 * Types that only name the resources they watch (metric dimensions, dashboard widgets, alarm
 * texts) and never call their APIs. When one of them references an excluded resource only through
 * arguments written literally in its configuration (a cluster's `cluster_identifier`), the
 * reference is replaced by that literal and the observer stays: AWS accepts an alarm on a metric
 * nothing emits yet. Any other reference excludes it like every other dependent.
 */
export const OBSERVER_TYPES: ReadonlySet<string> = new Set(['aws_cloudwatch_metric_alarm', 'aws_cloudwatch_composite_alarm', 'aws_cloudwatch_dashboard']);

/** The provider endpoint (AwsProviderEndpoints key) that serves each resource / data source type, by longest type prefix. */
export const ENDPOINT_OF_TYPE_PREFIX: Readonly<Record<string, string>> = {
  aws_acm_: 'acm',
  aws_apigatewayv2_: 'apigatewayv2',
  aws_appautoscaling_: 'applicationautoscaling',
  aws_athena_: 'athena',
  aws_availability_zones: 'ec2',
  aws_budgets_: 'budgets',
  aws_caller_identity: 'sts',
  aws_cloudtrail: 'cloudtrail',
  aws_cloudwatch_: 'cloudwatch',
  aws_cloudwatch_event_: 'events',
  aws_cloudwatch_log_: 'cloudwatchlogs',
  aws_default_security_group: 'ec2',
  aws_ec2_: 'ec2',
  aws_eip: 'ec2',
  aws_flow_log: 'ec2',
  aws_glue_: 'glue',
  aws_guardduty_: 'guardduty',
  aws_iam_: 'iam',
  aws_internet_gateway: 'ec2',
  aws_kinesis_firehose_: 'firehose',
  aws_kinesis_stream: 'kinesis',
  aws_kms_: 'kms',
  aws_lambda_: 'lambda',
  aws_nat_gateway: 'ec2',
  aws_quicksight_: 'quicksight',
  aws_redshift_: 'redshift',
  aws_redshiftdata_: 'redshiftdata',
  aws_route_: 'ec2',
  aws_route53_: 'route53',
  aws_s3_: 's3',
  aws_sagemaker_: 'sagemaker',
  aws_secretsmanager_: 'secretsmanager',
  aws_security_group: 'ec2',
  aws_securityhub_: 'securityhub',
  aws_sns_: 'sns',
  aws_sqs_: 'sqs',
  aws_subnet: 'ec2',
  aws_vpc: 'ec2',
};
// aws_route (no trailing underscore) is EC2 as well; aws_route53_ is longer, so it wins for Route 53.
const ROUTE_TYPE = 'aws_route';

/** The endpoint key serving a resource or data source type, or undefined when the table does not know it. */
export function endpointOfType(terraformType: string): string | undefined {
  if (terraformType === ROUTE_TYPE) return 'ec2';
  let best: string | undefined;
  for (const prefix of Object.keys(ENDPOINT_OF_TYPE_PREFIX)) {
    if (terraformType.startsWith(prefix) && (!best || prefix.length > best.length)) best = prefix;
  }
  return best ? ENDPOINT_OF_TYPE_PREFIX[best] : undefined;
}

export interface LocalEmulatorEntry {
  /** Terraform address, e.g. `aws_budgets_budget.platform_observability_budget_C5198251`. */
  readonly address: string;
  readonly reason: string;
}

/** What the aspect did to one stack; also written into the stack as `"//": { "localEmulator": ... }`. */
export interface LocalEmulatorReport {
  readonly excluded: LocalEmulatorEntry[];
  readonly adapted: LocalEmulatorEntry[];
  /** Applied with every setting, but with attributes moto does not read back left out of the comparison. */
  readonly notReadBack: LocalEmulatorEntry[];
}

interface Element {
  readonly element: TerraformElement;
  readonly address: string;
  text: string;
  synthesized: Record<string, unknown>;
}

const WHOLE_REFERENCE = /\$\{([\w-]+\.[\w-]+)\.([\w]+)\}/g;

/**
 * Replaces each `${<removed address>.<argument>}` in a resource configuration by the argument's
 * literal value in the removed resource's configuration. Returns the new configuration, the
 * overrides (dotted path -> new leaf value) that produce it, and the addresses named; undefined
 * when a reference is to a computed attribute (not a literal argument).
 */
function inlineArguments(
  config: Record<string, unknown>,
  removed: ReadonlyMap<string, Element>,
): { config: Record<string, unknown>; overrides: Map<string, unknown>; names: Set<string> } | undefined {
  const overrides = new Map<string, unknown>();
  const names = new Set<string>();
  let resolvable = true;
  const rewrite = (value: unknown, path: string[]): unknown => {
    if (typeof value === 'string') {
      const replaced = value.replace(WHOLE_REFERENCE, (whole, address: string, attribute: string) => {
        const target = removed.get(address);
        if (!target) return whole;
        const literal = target.synthesized[attribute];
        if (!['string', 'number', 'boolean'].includes(typeof literal) || String(literal).includes('${')) {
          resolvable = false;
          return whole;
        }
        names.add(address);
        return String(literal);
      });
      if (replaced !== value) {
        if (path.some((key) => key.includes('.'))) resolvable = false;
        overrides.set(path.join('.'), replaced);
      }
      return replaced;
    }
    if (Array.isArray(value)) return value.map((item, index) => rewrite(item, [...path, String(index)]));
    if (value && typeof value === 'object') {
      return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, key === '//' ? item : rewrite(item, [...path, key])]));
    }
    return value;
  };
  const rewritten = rewrite(config, []) as Record<string, unknown>;
  return resolvable && names.size > 0 ? { config: rewritten, overrides, names } : undefined;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Removes the resource types of `gaps` from a stack, together with every resource, data source
 * and output that references one of them (directly, or through `depends_on`, transitively), so
 * that what is left is still valid Terraform; then applies `adaptations`. Visit it on a
 * TerraformStack after the PolicyAspect (which must judge the stack as a user deploys it).
 */
export class LocalEmulatorAspect implements IAspect {
  /** Per stack name: what was excluded and adapted. */
  readonly reports = new Map<string, LocalEmulatorReport>();

  constructor(
    private readonly gaps: readonly EmulatorGap[] = EMULATOR_GAPS,
    private readonly adaptations: readonly EmulatorAdaptation[] = EMULATOR_ADAPTATIONS,
    private readonly readBackGaps: readonly ReadBackGap[] = EMULATOR_READBACK_GAPS,
  ) {}

  visit(node: IConstruct): void {
    if (!(node instanceof TerraformStack) || this.reports.has(node.node.id)) return;
    const elements = this.elementsOf(node);
    const report: LocalEmulatorReport = { excluded: [], adapted: [], notReadBack: [] };

    const removed = new Map<string, Element>();
    const gapOf = new Map(this.gaps.map((gap) => [gap.resourceType, gap]));
    for (const entry of elements) {
      const gap = entry.element instanceof TerraformResource ? gapOf.get(entry.element.terraformResourceType) : undefined;
      if (gap) {
        removed.set(entry.address, entry);
        report.excluded.push({ address: entry.address, reason: `moto does not implement ${gap.operation}: ${gap.emulatorError}` });
      }
    }
    // Anything that mentions a removed address would no longer be valid Terraform: remove it too (or, for an
    // observer, name the removed resource literally), until nothing changes.
    const inlined = new Map<string, { overrides: Map<string, unknown>; names: Set<string> }>();
    for (let grew = removed.size > 0; grew; ) {
      grew = false;
      const pattern = new RegExp(`(?<![\\w.-])(${[...removed.keys()].map(escapeRegExp).join('|')})(?![\\w-])`);
      for (const entry of elements) {
        if (removed.has(entry.address)) continue;
        const match = pattern.exec(entry.text);
        if (!match) continue;
        const literal = this.observesByLiteralName(entry) ? inlineArguments(entry.synthesized, removed) : undefined;
        if (literal && !pattern.test(JSON.stringify(literal.config))) {
          const previous = inlined.get(entry.address);
          inlined.set(entry.address, {
            overrides: new Map([...(previous?.overrides ?? []), ...literal.overrides]),
            names: new Set([...(previous?.names ?? []), ...literal.names]),
          });
          entry.synthesized = literal.config;
          entry.text = JSON.stringify(literal.config);
          continue;
        }
        removed.set(entry.address, entry);
        inlined.delete(entry.address);
        report.excluded.push({ address: entry.address, reason: `references ${match[1]}, which is excluded` });
        grew = true;
      }
    }
    for (const [address, { overrides, names }] of inlined) {
      const element = elements.find((entry) => entry.address === address)?.element as TerraformResource;
      for (const [path, value] of overrides) element.addOverride(path, value);
      report.adapted.push({ address, reason: `names ${[...names].join(', ')} (excluded) by the literal value of its configuration` });
    }
    for (const { element } of removed.values()) element.node.scope?.node.tryRemoveChild(element.node.id);

    const adaptationsOf = new Map(this.adaptations.map((adaptation) => [adaptation.resourceType, adaptation]));
    for (const entry of elements) {
      if (removed.has(entry.address) || !(entry.element instanceof TerraformResource)) continue;
      const adaptation = adaptationsOf.get(entry.element.terraformResourceType);
      if (adaptation?.adapt(entry.element, entry.synthesized)) report.adapted.push({ address: entry.address, reason: adaptation.description });
    }

    const readBackOf = new Map(this.readBackGaps.map((gap) => [gap.resourceType, gap]));
    for (const entry of elements) {
      if (removed.has(entry.address) || !(entry.element instanceof TerraformResource)) continue;
      const gap = readBackOf.get(entry.element.terraformResourceType);
      if (!gap) continue;
      // Appended to any ignore_changes of the resource's own (overrides concatenate arrays).
      entry.element.addOverride('lifecycle.ignore_changes', [...gap.attributes]);
      report.notReadBack.push({ address: entry.address, reason: `${gap.attributes.join(', ')} not compared: moto's ${gap.emulatorBehaviour}` });
    }

    node.addOverride('//.localEmulator', report);
    this.reports.set(node.node.id, report);
  }

  private observesByLiteralName(entry: Element): boolean {
    return entry.element instanceof TerraformResource && OBSERVER_TYPES.has(entry.element.terraformResourceType);
  }

  private elementsOf(stack: TerraformStack): Element[] {
    const elements: Element[] = [];
    const resolver = new DefaultTokenResolver(new StringConcat());
    for (const construct of stack.node.findAll()) {
      if (!(construct instanceof TerraformElement)) continue;
      const logicalId = stack.getLogicalId(construct);
      let address: string;
      let synthesized: Record<string, unknown> = {};
      const json = Tokenization.resolve(construct.toTerraform(), { scope: stack, resolver, preparing: false }) as Record<string, Record<string, Record<string, Record<string, unknown>>>>;
      if (construct instanceof TerraformResource) {
        address = `${construct.terraformResourceType}.${logicalId}`;
        synthesized = json.resource?.[construct.terraformResourceType]?.[logicalId] ?? {};
      } else if (construct instanceof TerraformDataSource) {
        address = `data.${construct.terraformResourceType}.${logicalId}`;
      } else if (construct instanceof TerraformOutput) {
        address = `output.${logicalId}`;
      } else {
        continue; // providers, backends: they never reference resources
      }
      elements.push({ element: construct, address, text: JSON.stringify(json), synthesized });
    }
    return elements;
  }
}
