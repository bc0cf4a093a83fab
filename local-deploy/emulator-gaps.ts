import type { TerraformResource } from 'cdktf';

/**
 * What the local AWS emulator (moto 5.2.5, scripts/local-deploy.sh) cannot do, found by applying
 * the stacks to it. `LocalEmulatorAspect` (emulator-aspect.ts) works around each entry in the
 * local synth only; docs/local-deploy.md lists the same gaps with the errors the apply printed.
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
    resourceType: 'aws_ce_anomaly_monitor',
    operation: 'ce:CreateAnomalyMonitor (moto implements cost categories and GetCostAndUsage only)',
    emulatorError: 'NotImplementedError: The create_anomaly_monitor action has not been implemented',
  },
  {
    resourceType: 'aws_ce_cost_allocation_tag',
    operation: 'ce:UpdateCostAllocationTagsStatus',
    emulatorError: 'NotImplementedError: The update_cost_allocation_tags_status action has not been implemented',
  },
  {
    resourceType: 'aws_cloudwatch_query_definition',
    operation: 'logs:PutQueryDefinition (the saved Logs Insights queries)',
    emulatorError: 'NotImplementedError: The put_query_definition action has not been implemented',
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
    emulatorError:
      "moto's GetQueueAttributes never returns RedriveAllowPolicy: \"timeout while waiting for state to become 'equal' (last state: 'notequal', ...)\" after 20 minutes",
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
  {
    resourceType: 'aws_s3_bucket',
    attributes: ['tags_all'],
    emulatorBehaviour: 'CreateBucket ignores the bucket tags; S3 Control ListTagsForResource returns none',
  },
  {
    resourceType: 'aws_s3_bucket_notification',
    attributes: ['eventbridge'],
    emulatorBehaviour: 'GetBucketNotificationConfiguration has no EventBridgeConfiguration',
  },
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
