import { S3BucketReplicationConfigurationA } from '@cdktf/provider-aws/lib/s3-bucket-replication-configuration';
import { referencing, resourcesOf, ROLES, synthPlatform, type TerraformJson } from '../helpers/synth';

/**
 * Properties every regional stack must have, written once and run against each synthesized stack
 * (and against the non-default shapes of the configuration).
 */
const configurations: Record<string, unknown> = {
  defaults: {},
  'per-az NAT, warm standby, on-demand stream': { drMode: 'warm-standby', network: { natStrategy: 'per-az' }, kinesis: { capacityMode: 'on-demand' } },
};

function statements(policy: string): any[] {
  return JSON.parse(policy).Statement;
}

describe.each(Object.entries(configurations))('configuration: %s', (_name, file) => {
  const { stacks, synthesized } = synthPlatform(file);

  describe.each(ROLES)('%s stack', (role) => {
    const stack: TerraformJson = stacks[role];
    const buckets = resourcesOf(stack, 'aws_s3_bucket');

    test('has buckets to check', () => {
      expect(buckets.length).toBeGreaterThanOrEqual(3);
    });

    test.each(buckets.map(([id]) => id))('bucket %s: encrypted, versioned, private, TLS-only, owner-enforced', (id) => {
      const encryption = referencing(stack, 'aws_s3_bucket_server_side_encryption_configuration', 'bucket', 'aws_s3_bucket', id);
      expect(encryption).toHaveLength(1);
      const rule = encryption[0].rule[0];
      const isAccessLogBucket = id.includes('access-logs');
      if (isAccessLogBucket) {
        // S3 server access logging cannot deliver into an SSE-KMS bucket: the one allowed exception.
        expect(rule.apply_server_side_encryption_by_default.sse_algorithm).toBe('AES256');
      } else {
        expect(rule.apply_server_side_encryption_by_default.sse_algorithm).toBe('aws:kms');
        expect(rule.apply_server_side_encryption_by_default.kms_master_key_id).toMatch(/^\$\{aws_kms_key\./);
        expect(rule.bucket_key_enabled).toBe(true);
      }

      const versioning = referencing(stack, 'aws_s3_bucket_versioning', 'bucket', 'aws_s3_bucket', id);
      expect(versioning.map((v) => v.versioning_configuration.status)).toEqual(['Enabled']);

      const publicAccess = referencing(stack, 'aws_s3_bucket_public_access_block', 'bucket', 'aws_s3_bucket', id);
      expect(publicAccess).toHaveLength(1);
      expect(publicAccess[0]).toMatchObject({ block_public_acls: true, block_public_policy: true, ignore_public_acls: true, restrict_public_buckets: true });

      const ownership = referencing(stack, 'aws_s3_bucket_ownership_controls', 'bucket', 'aws_s3_bucket', id);
      expect(ownership.map((o) => o.rule.object_ownership)).toEqual(['BucketOwnerEnforced']);

      const policies = referencing(stack, 'aws_s3_bucket_policy', 'bucket', 'aws_s3_bucket', id);
      expect(policies).toHaveLength(1);
      const tlsDeny = statements(policies[0].policy).find((s) => s.Effect === 'Deny' && s.Condition?.Bool?.['aws:SecureTransport'] === false);
      expect(tlsDeny).toBeDefined();
      expect(tlsDeny.Action).toBe('s3:*');

      const lifecycle = referencing(stack, 'aws_s3_bucket_lifecycle_configuration', 'bucket', 'aws_s3_bucket', id);
      expect(lifecycle).toHaveLength(1);
      expect(lifecycle[0].rule.some((r: any) => r.abort_incomplete_multipart_upload?.[0]?.days_after_initiation > 0)).toBe(true);
      expect(lifecycle[0].rule.some((r: any) => r.noncurrent_version_expiration?.[0]?.noncurrent_days > 0)).toBe(true);
    });

    test('every bucket but the access-log bucket sends server access logs', () => {
      const logged = buckets.filter(([id]) => referencing(stack, 'aws_s3_bucket_logging', 'bucket', 'aws_s3_bucket', id).length === 1);
      expect(logged.map(([id]) => id).sort()).toEqual(
        buckets
          .map(([id]) => id)
          .filter((id) => !id.includes('access-logs'))
          .sort(),
      );
    });

    test('every log group is KMS-encrypted and has a retention', () => {
      const groups = resourcesOf(stack, 'aws_cloudwatch_log_group');
      expect(groups.length).toBeGreaterThan(0);
      for (const [, group] of groups) {
        expect(group.kms_key_id).toMatch(/^\$\{aws_kms_key\./);
        expect(group.retention_in_days).toBeGreaterThan(0);
      }
    });

    test('no security group admits ingress from the internet', () => {
      const open = ['0.0.0.0/0', '::/0'];
      for (const [, group] of resourcesOf(stack, 'aws_security_group')) {
        for (const rule of group.ingress ?? [])
          expect([...(rule.cidr_blocks ?? []), ...(rule.ipv6_cidr_blocks ?? [])]).not.toEqual(expect.arrayContaining(open));
      }
      for (const [, rule] of resourcesOf(stack, 'aws_vpc_security_group_ingress_rule')) {
        expect(open).not.toContain(rule.cidr_ipv4);
        expect(open).not.toContain(rule.cidr_ipv6);
      }
      for (const [, rule] of resourcesOf(stack, 'aws_security_group_rule')) {
        if (rule.type === 'ingress') expect(rule.cidr_blocks ?? []).not.toEqual(expect.arrayContaining(open));
      }
    });

    test('every KMS key rotates and has an explicit key policy', () => {
      const keys = resourcesOf(stack, 'aws_kms_key');
      expect(keys.length).toBeGreaterThan(0);
      for (const [, key] of keys) {
        expect(key.enable_key_rotation).toBe(true);
        expect(statements(key.policy).length).toBeGreaterThan(1);
      }
    });

    test('network: subnets in at least two AZs per tier, no public IPs on launch, flow logs, default SG stripped', () => {
      const subnets = resourcesOf(stack, 'aws_subnet').map(([, s]) => s);
      for (const tier of ['public', 'private', 'database']) {
        expect(subnets.filter((s) => s.tags.Tier === tier).length).toBeGreaterThanOrEqual(2);
      }
      for (const subnet of subnets) expect(subnet.map_public_ip_on_launch).toBe(false);
      expect(resourcesOf(stack, 'aws_flow_log')).toHaveLength(1);
      const [[, defaultSg]] = resourcesOf(stack, 'aws_default_security_group');
      expect(defaultSg.ingress).toEqual([]);
      expect(defaultSg.egress).toEqual([]);
    });

    test('interface endpoints admit only HTTPS from the VPC', () => {
      const interfaces = resourcesOf(stack, 'aws_vpc_endpoint').filter(([, e]) => e.vpc_endpoint_type === 'Interface');
      expect(interfaces.map(([, e]) => e.service_name.split('.').slice(3).join('.')).sort()).toEqual(
        expect.arrayContaining(['kinesis-streams', 'logs', 'monitoring', 'redshift-data', 'sagemaker.runtime', 'secretsmanager', 'sts']),
      );
      const ingress = resourcesOf(stack, 'aws_vpc_security_group_ingress_rule').filter(([, r]) => r.description === 'HTTPS from the VPC');
      expect(ingress).toHaveLength(1);
      expect(ingress[0][1]).toMatchObject({ from_port: 443, to_port: 443, ip_protocol: 'tcp' });
      expect(ingress[0][1].cidr_ipv4).toMatch(/^\$\{aws_vpc\./);
    });

    test('every resource gets the cost-allocation tags from the provider', () => {
      const tags = stack.provider!.aws[0].default_tags[0].tags;
      expect(Object.keys(tags)).toEqual(expect.arrayContaining(['project', 'environment', 'owner', 'cost-center']));
    });
  });

  test('replication exists only from the primary lake to the DR lake', () => {
    expect(synthesized.dr).not.toHaveResource(S3BucketReplicationConfigurationA);
    const replications = resourcesOf(stacks.primary, 'aws_s3_bucket_replication_configuration');
    expect(replications).toHaveLength(1);
    const [, replication] = replications[0];
    expect(replication.bucket).toMatch(/^\$\{aws_s3_bucket\.platform_data-lake_bucket_/);
    const rule = replication.rule[0];
    expect(rule.filter).toEqual({});
    expect(rule.delete_marker_replication.status).toBe('Enabled');
    expect(rule.source_selection_criteria.sse_kms_encrypted_objects.status).toBe('Enabled');
    expect(rule.destination.replication_time).toEqual({ status: 'Enabled', time: { minutes: 15 } });
    expect(rule.destination.metrics).toEqual({ status: 'Enabled', event_threshold: { minutes: 15 } });
    expect(rule.destination.encryption_configuration.replica_kms_key_id).toMatch(/^\$\{data\.aws_kms_alias\./);
    expect(replication.depends_on).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^aws_s3_bucket_versioning\.platform_data-lake_versioning_/),
        expect.stringMatching(/^data\.aws_s3_bucket\./),
      ]),
    );
    // The DR lake is looked up in the DR region under the name the DR stack gives it.
    const [[, drLake]] = Object.entries(stacks.primary.data!.aws_s3_bucket);
    expect(drLake.provider).toBe('aws.peer');
    expect(drLake.bucket).toContain('-lake-');
    expect(drLake.bucket).toMatch(/-usw2$/);
  });
});
