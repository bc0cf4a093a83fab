import { RedshiftSnapshotCopy } from '@cdktf/provider-aws/lib/redshift-snapshot-copy';
import { RedshiftSnapshotCopyGrant } from '@cdktf/provider-aws/lib/redshift-snapshot-copy-grant';
import { LOADER_METRICS_NAMESPACE } from '../../functions/warehouse-loader/metric-names';
import { LOADER_DB_USER, schemaStatements } from '../../functions/warehouse-loader/sql';
import { clusterIdentifierProblems, snapshotRate } from '../../stacks/constructs/warehouse';
import { resourcesOf, synthPlatform, type TerraformJson } from '../helpers/synth';

const QUICKSIGHT_PRINCIPAL = 'arn:aws:quicksight:us-east-1:123456789012:group/default/analysts';

function only(stack: TerraformJson, type: string): [string, Record<string, any>] {
  const all = resourcesOf(stack, type);
  expect(all).toHaveLength(1);
  return all[0]!;
}

/** Types other concerns use too (event source mappings, bucket notifications): only the warehouse's count here. */
const SHARED_TYPES = ['aws_lambda_event_source_mapping', 'aws_s3_bucket_notification'];

/** Resources of `type` that belong to the warehouse. */
function ofWarehouse(stack: TerraformJson, type: string): [string, Record<string, any>][] {
  return resourcesOf(stack, type).filter(([id]) => !SHARED_TYPES.includes(type) || id.includes('warehouse'));
}

function ref(type: string, id: string, attribute: string): string {
  return `\${${type}.${id}.${attribute}}`;
}

function statementsOf(policy: string): any[] {
  return JSON.parse(policy).Statement;
}

/** Resource types of the warehouse concern (none may exist when it is disabled). */
const WAREHOUSE_TYPES = [
  'aws_redshift_cluster',
  'aws_redshift_subnet_group',
  'aws_redshift_parameter_group',
  'aws_redshift_logging',
  'aws_redshift_snapshot_schedule',
  'aws_redshift_snapshot_copy',
  'aws_redshift_snapshot_copy_grant',
  'aws_redshiftdata_statement',
  'aws_lambda_event_source_mapping',
  'aws_s3_bucket_notification',
];

describe('warehouse, default configuration (pilot-light DR)', () => {
  const { config, stacks, synthesized } = synthPlatform();
  const primary = stacks.primary;
  const [clusterId, cluster] = only(primary, 'aws_redshift_cluster');

  it('runs a private, encrypted RA3 cluster with the configured size, snapshots and maintenance window', () => {
    expect(cluster).toMatchObject({
      node_type: 'ra3.large',
      cluster_type: 'multi-node',
      number_of_nodes: config.redshift.numberOfNodes,
      publicly_accessible: false,
      encrypted: 'true',
      enhanced_vpc_routing: true,
      manage_master_password: true,
      automated_snapshot_retention_period: config.redshift.automatedSnapshotRetentionDays,
      preferred_maintenance_window: config.redshift.maintenanceWindow,
      skip_final_snapshot: false,
      port: 5439,
    });
    expect(cluster.kms_key_id).toMatch(/^\$\{aws_kms_key\.platform_encryption_key_[^.]+\.arn\}$/);
    expect(cluster.master_password_secret_kms_key_id).toBe(cluster.kms_key_id);
    expect(cluster).not.toHaveProperty('master_password');
  });

  it('places the cluster in the database subnets only', () => {
    const [groupId, group] = only(primary, 'aws_redshift_subnet_group');
    expect(cluster.cluster_subnet_group_name).toBe(ref('aws_redshift_subnet_group', groupId, 'name'));
    const databaseSubnets = resourcesOf(primary, 'aws_subnet')
      .filter(([, s]) => s.tags.Tier === 'database')
      .map(([id]) => ref('aws_subnet', id, 'id'));
    expect(databaseSubnets.length).toBeGreaterThanOrEqual(2);
    expect([...group.subnet_ids].sort()).toEqual(databaseSubnets.sort());
  });

  it('admits 5439 only from security groups, never from an address range', () => {
    const sgRef = cluster.vpc_security_group_ids[0] as string;
    const sgId = /aws_security_group\.([^.]+)\.id/.exec(sgRef)![1]!;
    const ingress = resourcesOf(primary, 'aws_vpc_security_group_ingress_rule').filter(
      ([, r]) => r.security_group_id === ref('aws_security_group', sgId, 'id'),
    );
    for (const [, rule] of ingress) {
      expect(rule).toMatchObject({ from_port: 5439, to_port: 5439, ip_protocol: 'tcp' });
      expect(rule.referenced_security_group_id).toMatch(/^\$\{aws_security_group\./);
      expect(rule.cidr_ipv4).toBeUndefined();
    }
    const egress = resourcesOf(primary, 'aws_vpc_security_group_egress_rule').filter(([, r]) => r.security_group_id === ref('aws_security_group', sgId, 'id'));
    expect(egress.map(([, r]) => [r.from_port, r.prefix_list_id !== undefined, r.cidr_ipv4])).toEqual([[443, true, undefined]]);
  });

  it('requires SSL and logs user activity through its parameter group', () => {
    const [groupId, group] = only(primary, 'aws_redshift_parameter_group');
    expect(cluster.cluster_parameter_group_name).toBe(ref('aws_redshift_parameter_group', groupId, 'name'));
    expect(group.parameter).toEqual(
      expect.arrayContaining([
        { name: 'require_ssl', value: 'true' },
        { name: 'enable_user_activity_logging', value: 'true' },
      ]),
    );
  });

  it('exports connection, user and user-activity logs to encrypted log groups with a retention', () => {
    const [, logging] = only(primary, 'aws_redshift_logging');
    expect(logging.cluster_identifier).toBe(ref('aws_redshift_cluster', clusterId, 'cluster_identifier'));
    expect(logging.log_destination_type).toBe('cloudwatch');
    expect([...logging.log_exports].sort()).toEqual(['connectionlog', 'useractivitylog', 'userlog']);
    const groups = resourcesOf(primary, 'aws_cloudwatch_log_group').filter(([, g]) =>
      g.name.startsWith(`/aws/redshift/cluster/${cluster.cluster_identifier}/`),
    );
    expect(groups).toHaveLength(3);
    for (const [id, group] of groups) {
      expect(group.kms_key_id).toBe(cluster.kms_key_id);
      expect(group.retention_in_days).toBe(config.observability.logRetentionDays);
      expect(logging.depends_on).toContain(`aws_cloudwatch_log_group.${id}`);
    }
  });

  it('snapshots on a schedule of config.redshift.snapshotIntervalHours (the RPO)', () => {
    const [scheduleId, schedule] = only(primary, 'aws_redshift_snapshot_schedule');
    expect(schedule.definitions).toEqual(['rate(1 hour)']);
    const [, association] = only(primary, 'aws_redshift_snapshot_schedule_association');
    expect(association).toMatchObject({
      cluster_identifier: ref('aws_redshift_cluster', clusterId, 'cluster_identifier'),
      schedule_identifier: ref('aws_redshift_snapshot_schedule', scheduleId, 'identifier'),
    });
  });

  it('copies snapshots to the DR region under the grant the DR stack creates with its own key', () => {
    const [, copy] = only(primary, 'aws_redshift_snapshot_copy');
    expect(copy).toMatchObject({ destination_region: config.drRegion, retention_period: config.redshift.drSnapshotRetentionDays });
    const [, grant] = only(stacks.dr, 'aws_redshift_snapshot_copy_grant');
    expect(copy.snapshot_copy_grant_name).toBe(grant.snapshot_copy_grant_name);
    expect(grant.kms_key_id).toMatch(/^\$\{aws_kms_key\.platform_encryption_key_[^.]+\.arn\}$/);
    expect(synthesized.dr).not.toHaveResource(RedshiftSnapshotCopy);
    expect(synthesized.primary).not.toHaveResource(RedshiftSnapshotCopyGrant);
  });

  it('runs no cluster, loader or schema in the pilot-light DR region, but keeps what a restore needs', () => {
    for (const type of ['aws_redshift_cluster', 'aws_redshiftdata_statement', 'aws_lambda_event_source_mapping', 'aws_redshift_logging']) {
      expect(ofWarehouse(stacks.dr, type)).toHaveLength(0);
    }
    expect(resourcesOf(stacks.dr, 'aws_redshift_subnet_group')).toHaveLength(1);
    expect(resourcesOf(stacks.dr, 'aws_redshift_parameter_group')).toHaveLength(1);
    expect(resourcesOf(stacks.dr, 'aws_iam_role').filter(([, r]) => r.name.includes('warehouse-copy'))).toHaveLength(1);
    // The runbook's catch-up loads write their COPY manifests here.
    expect(resourcesOf(stacks.dr, 'aws_s3_bucket').filter(([, b]) => b.bucket.includes('-manifests-'))).toHaveLength(1);
  });

  it('lets COPY read only the curated and predictions prefixes of the lake (and the loader manifests)', () => {
    const role = resourcesOf(primary, 'aws_iam_role').find(([, r]) => r.name.includes('warehouse-copy'))!;
    expect(cluster.default_iam_role_arn).toBe(ref('aws_iam_role', role[0], 'arn'));
    expect(cluster.iam_roles).toEqual([cluster.default_iam_role_arn]);
    const [, policy] = resourcesOf(primary, 'aws_iam_role_policy').find(([, p]) => p.role === ref('aws_iam_role', role[0], 'id'))!;
    const statements = statementsOf(policy.policy);
    const lake = resourcesOf(primary, 'aws_s3_bucket').find(([, b]) => b.bucket.includes('-lake-'))![0];
    const lakeArn = ref('aws_s3_bucket', lake, 'arn');
    const lakeReads = statements.filter((s) => [s.Resource].flat().some((r: string) => r.startsWith(lakeArn)));
    expect(lakeReads.flatMap((s) => [s.Action].flat()).sort()).toEqual(['s3:GetBucketLocation', 's3:GetObject', 's3:ListBucket']);
    expect(lakeReads.find((s) => s.Action === 's3:GetObject').Resource).toEqual([`${lakeArn}/curated/*`, `${lakeArn}/predictions/*`]);
    expect(lakeReads.find((s) => s.Sid === 'LakeList').Condition).toEqual({ StringLike: { 's3:prefix': ['curated/*', 'predictions/*'] } });
    expect(statements.find((s) => s.Sid === 'DecryptLakeObjects').Resource).toBe(cluster.kms_key_id);
    expect(JSON.stringify(statements)).not.toMatch(/raw\/|quarantine\/|model-artifacts\/|s3:\*/);
  });

  it('applies the schema, the loader user and its grants through the Data API with the managed admin secret, each after what it needs', () => {
    const all = resourcesOf(primary, 'aws_redshiftdata_statement');
    const byName = new Map<string, Record<string, any>>(all.map(([id, s]) => [s.statement_name.replace(/^warehouse-/, ''), { id, ...s }]));
    expect([...byName.keys()]).toEqual(expect.arrayContaining(schemaStatements().map((s) => s.name)));
    expect(byName.size).toBe(schemaStatements().length);
    for (const statement of schemaStatements()) {
      const resource = byName.get(statement.name)!;
      expect(resource.sql).toBe(statement.sql);
      expect(resource.cluster_identifier).toBe(ref('aws_redshift_cluster', clusterId, 'cluster_identifier'));
      expect(resource.secret_arn).toBe(ref('aws_redshift_cluster', clusterId, 'master_password_secret_arn'));
      expect(resource.depends_on ?? []).toEqual(statement.after.map((name) => `aws_redshiftdata_statement.${byName.get(name)!.id}`));
    }
    expect(byName.get('schema')!.depends_on).toBeUndefined();
    expect(byName.get('table-events')!.sql).toMatch(/DISTKEY \("user_id"\) COMPOUND SORTKEY \("event_time"\)$/);
    // Terraform reads "$${" as an escaped "${"; the procedure's "$$" quotes are followed by a newline or a space.
    expect(byName.get('procedure-ensure_user')!.sql).not.toMatch(/\$\$\{/);
  });

  it('feeds the loader from S3 notifications through an encrypted queue with a dead-letter queue, at bounded concurrency', () => {
    const queues = resourcesOf(primary, 'aws_sqs_queue').filter(([, q]) => q.name.includes('warehouse-loader'));
    const [queueId, queue] = queues.find(([, q]) => !q.name.includes('dlq'))!;
    const [dlqId] = queues.find(([, q]) => q.name.includes('dlq'))!;
    for (const [, q] of queues) expect(q.kms_master_key_id).toBe(cluster.kms_key_id);
    expect(JSON.parse(queue.redrive_policy)).toEqual({ deadLetterTargetArn: ref('aws_sqs_queue', dlqId, 'arn'), maxReceiveCount: 5 });

    const mappings = ofWarehouse(primary, 'aws_lambda_event_source_mapping');
    expect(mappings).toHaveLength(1);
    const [, mapping] = mappings[0]!;
    expect(mapping).toMatchObject({
      event_source_arn: ref('aws_sqs_queue', queueId, 'arn'),
      function_response_types: ['ReportBatchItemFailures'],
      scaling_config: { maximum_concurrency: config.redshift.loaderMaxConcurrency },
    });
    const [, fn] = resourcesOf(primary, 'aws_lambda_function').find(([, f]) => f.function_name.includes('warehouse-loader'))!;
    expect(fn.reserved_concurrent_executions).toBe(config.redshift.loaderMaxConcurrency);
    expect(queue.visibility_timeout_seconds).toBeGreaterThanOrEqual(6 * fn.timeout);
    expect(fn.environment.variables).toMatchObject({
      CLUSTER_IDENTIFIER: cluster.cluster_identifier,
      DATABASE_NAME: config.redshift.databaseName,
      DB_USER: LOADER_DB_USER,
      POWERTOOLS_METRICS_NAMESPACE: LOADER_METRICS_NAMESPACE,
    });

    // The lake owns its notification configuration; the loader's queue is its consumer.
    const notifications = resourcesOf(primary, 'aws_s3_bucket_notification').filter(([id]) => id.includes('lake-notifications'));
    expect(notifications).toHaveLength(1);
    const [, notification] = notifications[0]!;
    expect(notification.queue.map((q: any) => [q.filter_prefix, q.filter_suffix, q.events])).toEqual([
      ['curated/', '.parquet', ['s3:ObjectCreated:*']],
      ['predictions/', '.parquet', ['s3:ObjectCreated:*']],
    ]);
    const [, queuePolicy] = resourcesOf(primary, 'aws_sqs_queue_policy').find(([, p]) => p.queue_url === ref('aws_sqs_queue', queueId, 'url'))!;
    const allow = statementsOf(queuePolicy.policy).find((s) => s.Effect === 'Allow');
    expect(allow).toMatchObject({
      Principal: { Service: 's3.amazonaws.com' },
      Action: 'sqs:SendMessage',
      Condition: { ArnEquals: { 'aws:SourceArn': notification.bucket.replace('.id}', '.arn}') } },
    });
  });

  it('lets the loader run SQL on its own cluster only, signed in as its own database user, with no secret to read', () => {
    const [, fn] = resourcesOf(primary, 'aws_lambda_function').find(([, f]) => f.function_name.includes('warehouse-loader'))!;
    const [, policy] = resourcesOf(primary, 'aws_iam_role_policy').find(([, p]) => p.role === fn.role.replace('.arn}', '.id}'))!;
    const statements = statementsOf(policy.policy);
    expect(statements.find((s) => s.Sid === 'RunSqlOnWarehouse').Resource).toMatch(new RegExp(`:cluster:${cluster.cluster_identifier}$`));
    expect(statements.find((s) => s.Sid === 'FollowOwnStatements').Condition).toEqual({
      StringEquals: { 'redshift-data:statement-owner-iam-userid': '$${aws:userid}' },
    });
    const signIn = statements.find((s) => s.Sid === 'SignInAsOwnDatabaseUser');
    expect(signIn.Action).toBe('redshift:GetClusterCredentials');
    expect(signIn.Resource).toEqual([
      expect.stringMatching(new RegExp(`:dbuser:${cluster.cluster_identifier}/${LOADER_DB_USER}$`)),
      expect.stringMatching(new RegExp(`:dbname:${cluster.cluster_identifier}/${cluster.database_name}$`)),
    ]);
    expect(JSON.stringify(statements)).not.toMatch(/secretsmanager|master_password_secret_arn/);
    expect(fn.environment.variables.DB_USER).toBe(LOADER_DB_USER);
  });

  it('lets the loader look up (GetObject for HEAD, ListBucket so a deleted key is a 404) only the lake prefixes it loads, nothing else of the lake', () => {
    const [, fn] = resourcesOf(primary, 'aws_lambda_function').find(([, f]) => f.function_name.includes('warehouse-loader'))!;
    const [, policy] = resourcesOf(primary, 'aws_iam_role_policy').find(([, p]) => p.role === fn.role.replace('.arn}', '.id}'))!;
    const [lakeId] = resourcesOf(primary, 'aws_s3_bucket').find(([id]) => id.startsWith('platform_data-lake_bucket_'))!;
    const onLake = statementsOf(policy.policy).filter((s) => JSON.stringify(s.Resource).includes(ref('aws_s3_bucket', lakeId, 'arn')));
    expect(onLake).toEqual([
      {
        Sid: 'InspectLoadableObjects',
        Effect: 'Allow',
        Action: 's3:GetObject',
        Resource: [`${ref('aws_s3_bucket', lakeId, 'arn')}/curated/*`, `${ref('aws_s3_bucket', lakeId, 'arn')}/predictions/*`],
      },
      { Sid: 'InspectLoadableObjectsList', Effect: 'Allow', Action: 's3:ListBucket', Resource: ref('aws_s3_bucket', lakeId, 'arn') },
    ]);
  });

  it('starts loading only after the tables exist and the loader user holds its grants', () => {
    const [, mapping] = ofWarehouse(primary, 'aws_lambda_event_source_mapping')[0]!;
    const statementIds = resourcesOf(primary, 'aws_redshiftdata_statement').map(([id]) => `aws_redshiftdata_statement.${id}`);
    expect([...mapping.depends_on].sort()).toEqual(statementIds.sort());
  });

  it('creates no QuickSight resources while QuickSight is disabled', () => {
    for (const stack of [primary, stacks.dr]) {
      expect(Object.keys(stack.resource).filter((t) => t.startsWith('aws_quicksight'))).toEqual([]);
    }
  });
});

describe('warehouse in warm-standby mode', () => {
  it('runs a minimal single-node cluster of the same type in DR, with its schema and loader, still receiving snapshots', () => {
    const { stacks } = synthPlatform({ drMode: 'warm-standby' });
    const [, cluster] = only(stacks.dr, 'aws_redshift_cluster');
    expect(cluster).toMatchObject({ node_type: 'ra3.large', cluster_type: 'single-node', number_of_nodes: 1, publicly_accessible: false, encrypted: 'true' });
    expect(resourcesOf(stacks.dr, 'aws_redshiftdata_statement')).toHaveLength(schemaStatements().length);
    expect(ofWarehouse(stacks.dr, 'aws_lambda_event_source_mapping')).toHaveLength(1);
    expect(resourcesOf(stacks.dr, 'aws_redshift_snapshot_copy_grant')).toHaveLength(1);
    expect(resourcesOf(stacks.primary, 'aws_redshift_snapshot_copy')).toHaveLength(1);
  });

  it('uses the smallest multi-node size when the node type has no single-node clusters', () => {
    const { stacks } = synthPlatform({ drMode: 'warm-standby', redshift: { nodeType: 'ra3.4xlarge', numberOfNodes: 4 } });
    expect(only(stacks.dr, 'aws_redshift_cluster')[1]).toMatchObject({ node_type: 'ra3.4xlarge', cluster_type: 'multi-node', number_of_nodes: 2 });
    expect(only(stacks.primary, 'aws_redshift_cluster')[1]).toMatchObject({ number_of_nodes: 4 });
  });
});

describe('warehouse switched off', () => {
  it('synthesizes no warehouse resources in either region', () => {
    const { stacks } = synthPlatform({ redshift: { enabled: false } });
    for (const stack of [stacks.primary, stacks.dr]) {
      for (const type of WAREHOUSE_TYPES) expect(ofWarehouse(stack, type)).toHaveLength(0);
      expect(resourcesOf(stack, 'aws_sqs_queue').filter(([, q]) => q.name.includes('warehouse'))).toHaveLength(0);
      expect(resourcesOf(stack, 'aws_lambda_function').filter(([, f]) => f.function_name.includes('warehouse'))).toHaveLength(0);
    }
  });
});

describe('snapshot interval', () => {
  it('writes the schedule from config', () => {
    const { stacks } = synthPlatform({ redshift: { snapshotIntervalHours: 6 } });
    expect(only(stacks.primary, 'aws_redshift_snapshot_schedule')[1].definitions).toEqual(['rate(6 hours)']);
  });

  it('spells rates the way Redshift schedules accept them', () => {
    expect([1, 2, 24].map(snapshotRate)).toEqual(['rate(1 hour)', 'rate(2 hours)', 'rate(24 hours)']);
  });
});

describe('QuickSight', () => {
  const { stacks } = synthPlatform({ quicksight: { enabled: true, principalArn: QUICKSIGHT_PRINCIPAL } });
  const primary = stacks.primary;

  it('is created in the primary region only', () => {
    expect(Object.keys(stacks.dr.resource).filter((t) => t.startsWith('aws_quicksight'))).toEqual([]);
    expect(resourcesOf(primary, 'aws_quicksight_vpc_connection')).toHaveLength(1);
  });

  it('reaches Redshift through a VPC connection in the private subnets, with SSL, owned by the configured principal', () => {
    const [connectionId, connection] = only(primary, 'aws_quicksight_vpc_connection');
    const privateSubnets = resourcesOf(primary, 'aws_subnet')
      .filter(([, s]) => s.tags.Tier === 'private')
      .map(([id]) => ref('aws_subnet', id, 'id'));
    expect([...connection.subnet_ids].sort()).toEqual(privateSubnets.sort());
    const redshift = resourcesOf(primary, 'aws_quicksight_data_source').find(([, d]) => d.type === 'REDSHIFT')![1];
    expect(redshift.vpc_connection_properties.vpc_connection_arn).toBe(ref('aws_quicksight_vpc_connection', connectionId, 'arn'));
    expect(redshift.ssl_properties.disable_ssl).toBe(false);
    expect(redshift.credentials.secret_arn).toMatch(/master_password_secret_arn\}$/);
    expect(redshift.permission).toEqual([
      { principal: QUICKSIGHT_PRINCIPAL, actions: expect.arrayContaining(['quicksight:DescribeDataSource', 'quicksight:PassDataSource']) },
    ]);
  });

  it('has an Athena data source on the lake workgroup, owned by the configured principal', () => {
    const [workgroupId] = only(primary, 'aws_athena_workgroup');
    const athena = resourcesOf(primary, 'aws_quicksight_data_source').find(([, d]) => d.type === 'ATHENA')![1];
    expect(athena.parameters.athena.work_group).toBe(ref('aws_athena_workgroup', workgroupId, 'name'));
    expect(athena.permission).toEqual([{ principal: QUICKSIGHT_PRINCIPAL, actions: expect.arrayContaining(['quicksight:DescribeDataSource']) }]);
  });

  it('is admitted to the warehouse by security group', () => {
    const qsGroup = only(primary, 'aws_quicksight_vpc_connection')[1].security_group_ids[0];
    const rule = resourcesOf(primary, 'aws_vpc_security_group_ingress_rule').find(
      ([, r]) => r.referenced_security_group_id === qsGroup && r.from_port === 5439,
    );
    expect(rule).toBeDefined();
  });
});

describe('cluster identifier rules', () => {
  it.each(['data-analytics-ml-analytics-warehouse-use1', 'a'])('accepts %s', (id) => expect(clusterIdentifierProblems(id)).toEqual([]));
  it.each(['1project-warehouse', 'a--b', 'ends-', 'Upper', 'x'.repeat(64)])('refuses %s with the rule', (id) => {
    expect(clusterIdentifierProblems(id)).toEqual([expect.stringContaining('must be 1-63 lowercase letters, digits and single hyphens')]);
  });
});
