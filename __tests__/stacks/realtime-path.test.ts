import { DataAwsCallerIdentity } from '@cdktf/provider-aws/lib/data-aws-caller-identity';
import { Testing, TerraformStack } from 'cdktf';
import { EVENT_FIELDS, TABLES, glueColumns, type TableId } from '../../functions/shared/contract';
import type { PlatformConfig } from '../../stacks/config/types';
import { AthenaAnalytics } from '../../stacks/constructs/athena';
import { DataCatalog, catalogDatabaseName } from '../../stacks/constructs/catalog';
import { DataLake } from '../../stacks/constructs/data-lake';
import { PlatformKey } from '../../stacks/constructs/encryption';
import { IngestionStream, SHARD_LEVEL_METRICS } from '../../stacks/constructs/ingestion-stream';
import { Network } from '../../stacks/constructs/network';
import { StreamProcessor } from '../../stacks/constructs/stream-processor';
import { namedQueries } from '../../stacks/athena-queries';
import { PlatformNaming, type StackRole } from '../../stacks/naming';
import type { PlatformContext } from '../../stacks/platform-context';
import { evaluatePolicy } from '../../stacks/policy/rules';
import { createAwsProvider } from '../../stacks/provider';
import { resourcesOf, testConfig, type TerraformJson } from '../helpers/synth';

/**
 * The real-time path synthesized on its own: a regional stack with only the
 * foundation it builds on (key, network, lake) plus the ingestion stream, stream processor,
 * catalog and Athena constructs, for each role and for non-default configurations.
 */
function synthRealtime(file: unknown, role: StackRole): { json: TerraformJson; config: PlatformConfig } {
  const config = testConfig(file);
  const app = Testing.app();
  const naming = new PlatformNaming(config);
  const stack = new TerraformStack(app, `realtime-${role}`);
  const region = naming.regionOf(role);
  createAwsProvider(stack, 'aws', config, role, region);
  const context: PlatformContext = {
    config,
    naming,
    role,
    region,
    peerRegion: naming.regionOf(role === 'primary' ? 'dr' : 'primary'),
    accountId: new DataAwsCallerIdentity(stack, 'current').accountId,
  };
  const key = new PlatformKey(stack, 'encryption', { context });
  const network = new Network(stack, 'network', { context, platformKey: key });
  const dataLake = new DataLake(stack, 'data-lake', { context, platformKey: key });
  const stream = new IngestionStream(stack, 'ingestion', { context, platformKey: key });
  new StreamProcessor(stack, 'stream-processor', { context, platformKey: key, network, dataLake, stream });
  const catalog = new DataCatalog(stack, 'catalog', { context, platformKey: key, dataLake });
  new AthenaAnalytics(stack, 'athena', { context, platformKey: key, dataLake, catalog });
  return { json: JSON.parse(Testing.synth(stack, true)) as TerraformJson, config };
}

function only(json: TerraformJson, type: string): Record<string, any> {
  const all = resourcesOf(json, type);
  expect(all).toHaveLength(1);
  return all[0]![1];
}

function statements(policy: string): any[] {
  return JSON.parse(policy).Statement;
}

const configurations: Record<string, unknown> = {
  defaults: {},
  'on-demand stream, tuned processor': {
    kinesis: { capacityMode: 'on-demand', retentionHours: 720 },
    streamProcessor: {
      batchSize: 500,
      batchingWindowSeconds: 2,
      parallelizationFactor: 4,
      maximumRetryAttempts: 3,
      maximumRecordAgeSeconds: 3600,
      reservedConcurrency: 40,
    },
    athena: { bytesScannedCutoffPerQuery: 1024 ** 3 },
  },
};

describe.each(Object.entries(configurations))('configuration: %s', (_name, file) => {
  describe.each(['primary', 'dr'] as const)('%s stack', (role) => {
    const { json, config } = synthRealtime(file, role);

    test('passes the policy pack', () => {
      expect(evaluatePolicy(json).map((f) => `${f.ruleId} ${f.resource.type}.${f.resource.logicalId}: ${f.message}`)).toEqual([]);
    });

    test('Kinesis stream: KMS with the platform key, configured capacity and retention, shard-level metrics', () => {
      const s = only(json, 'aws_kinesis_stream');
      expect(s.encryption_type).toBe('KMS');
      expect(s.kms_key_id).toMatch(/^\$\{aws_kms_key\./);
      expect(s.retention_period).toBe(config.kinesis.retentionHours);
      expect(s.retention_period).toBeGreaterThanOrEqual(168);
      expect(s.shard_level_metrics).toEqual([...SHARD_LEVEL_METRICS]);
      if (config.kinesis.capacityMode === 'provisioned') {
        expect(s.stream_mode_details.stream_mode).toBe('PROVISIONED');
        expect(s.shard_count).toBe(config.kinesis.shardCount);
      } else {
        expect(s.stream_mode_details.stream_mode).toBe('ON_DEMAND');
        expect(s.shard_count).toBeUndefined();
      }
    });

    test('event source mapping: configured batching, partial failures, bisect, bounded retries and age, DLQ destination', () => {
      const m = only(json, 'aws_lambda_event_source_mapping');
      const sp = config.streamProcessor;
      expect(m).toMatchObject({
        batch_size: sp.batchSize,
        maximum_batching_window_in_seconds: sp.batchingWindowSeconds,
        parallelization_factor: sp.parallelizationFactor,
        maximum_retry_attempts: sp.maximumRetryAttempts,
        maximum_record_age_in_seconds: sp.maximumRecordAgeSeconds,
        bisect_batch_on_function_error: true,
        function_response_types: ['ReportBatchItemFailures'],
        starting_position: 'TRIM_HORIZON',
      });
      expect(m.maximum_retry_attempts).toBeGreaterThanOrEqual(0);
      expect(m.maximum_record_age_in_seconds).toBeGreaterThan(0);
      expect(m.event_source_arn).toMatch(/^\$\{aws_kinesis_stream\..+\.arn\}$/);
      expect(m.destination_config.on_failure.destination_arn).toMatch(/^\$\{aws_sqs_queue\..+\.arn\}$/);
    });

    test('dead-letter queue: KMS with the platform key, 14 days, TLS-only', () => {
      const q = only(json, 'aws_sqs_queue');
      expect(q.kms_master_key_id).toMatch(/^\$\{aws_kms_key\./);
      expect(q.message_retention_seconds).toBe(14 * 86_400);
      const policy = statements(only(json, 'aws_sqs_queue_policy').policy);
      expect(policy).toEqual([expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': false } } })]);
    });

    test('function: Node.js 22 arm64 from the bundle, X-Ray, KMS env, reserved concurrency, private subnets, lake env', () => {
      const fn = only(json, 'aws_lambda_function');
      expect(fn).toMatchObject({
        runtime: 'nodejs22.x',
        architectures: ['arm64'],
        handler: 'index.handler',
        tracing_config: { mode: 'Active' },
        reserved_concurrent_executions: config.streamProcessor.reservedConcurrency,
        memory_size: config.streamProcessor.memoryMb,
        timeout: config.streamProcessor.timeoutSeconds,
      });
      expect(fn.source_code_hash).toMatch(/^[A-Za-z0-9+/]{43}=$/);
      expect(fn.kms_key_arn).toMatch(/^\$\{aws_kms_key\./);
      expect(fn.vpc_config.subnet_ids.length).toBeGreaterThanOrEqual(2);
      expect(fn.environment.variables.LAKE_BUCKET).toMatch(/^\$\{aws_s3_bucket\..*lake.*\.bucket\}$/);
      expect(fn.environment.variables.LAKE_KMS_KEY_ARN).toMatch(/^\$\{aws_kms_key\./);
    });

    test('role: reads only the stream, writes only curated/ and quarantine/, sends only to its DLQ', () => {
      const policies = resourcesOf(json, 'aws_iam_role_policy')
        .map(([, p]) => statements(p.policy))
        .flat();
      const read = policies.find((s) => s.Sid === 'ReadIngestionStream');
      expect(read.Resource).toMatch(/^\$\{aws_kinesis_stream\./);
      expect(read.Action).not.toContain('kinesis:PutRecords');
      const write = policies.find((s) => s.Sid === 'WriteLakeOutputs');
      expect(write.Action).toBe('s3:PutObject');
      expect(write.Resource).toHaveLength(2);
      expect(write.Resource[0]).toMatch(/^\$\{aws_s3_bucket\..*lake.*\.arn\}\/curated\/\*$/);
      expect(write.Resource[1]).toMatch(/\/quarantine\/\*$/);
      expect(policies.find((s) => s.Sid === 'ReportFailedBatches').Resource).toMatch(/^\$\{aws_sqs_queue\./);
      for (const s of policies) expect(s.Action).not.toEqual('*');
    });

    test('Glue: catalog encrypted with the platform key, one database named the same in both regions', () => {
      const enc = only(json, 'aws_glue_data_catalog_encryption_settings').data_catalog_encryption_settings;
      expect(enc.encryption_at_rest.catalog_encryption_mode).toBe('SSE-KMS');
      expect(enc.encryption_at_rest.sse_aws_kms_key_id).toMatch(/^\$\{aws_kms_key\./);
      expect(enc.connection_password_encryption).toMatchObject({ return_connection_password_encrypted: true });
      expect(only(json, 'aws_glue_catalog_database').name).toBe(catalogDatabaseName({ naming: new PlatformNaming(config) } as PlatformContext));
    });

    test.each(Object.keys(TABLES) as TableId[])(
      'Glue table %s: columns from the contract, Parquet, projected dt/hour partitions over its own prefix',
      (tableId) => {
        const spec = TABLES[tableId];
        const table = resourcesOf(json, 'aws_glue_catalog_table')
          .map(([, t]) => t)
          .find((t) => t.name === spec.name)!;
        expect(table).toBeDefined();
        expect(table.table_type).toBe('EXTERNAL_TABLE');
        expect(table.storage_descriptor.columns).toEqual(glueColumns(tableId));
        expect(table.storage_descriptor.location).toMatch(new RegExp(`^s3://\\$\\{aws_s3_bucket\\..*lake.*\\.bucket\\}/${spec.prefix}$`));
        expect(table.storage_descriptor.ser_de_info.serialization_library).toBe('org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe');
        expect(table.partition_keys.map((k: any) => k.name)).toEqual(['dt', 'hour']);
        expect(table.parameters).toMatchObject({
          'projection.enabled': 'true',
          'projection.dt.type': 'date',
          'projection.hour.type': 'integer',
          'projection.hour.digits': '2',
        });
        expect(table.parameters['storage.location.template']).toBe(`${table.storage_descriptor.location}dt=$\${dt}/hour=$\${hour}/`); // $${ is Terraform's literal ${
      },
    );

    test('curated table carries every event field of the contract', () => {
      const events = resourcesOf(json, 'aws_glue_catalog_table')
        .map(([, t]) => t)
        .find((t) => t.name === TABLES.curated.name)!;
      expect(events.storage_descriptor.columns.map((c: any) => c.name)).toEqual(expect.arrayContaining(EVENT_FIELDS.map((f) => f.column)));
    });

    test('Athena workgroup: enforced, SSE-KMS results in the results bucket, bytes cutoff, metrics on', () => {
      const wg = only(json, 'aws_athena_workgroup').configuration;
      expect(wg).toMatchObject({
        enforce_workgroup_configuration: true,
        publish_cloudwatch_metrics_enabled: true,
        bytes_scanned_cutoff_per_query: config.athena.bytesScannedCutoffPerQuery,
      });
      expect(wg.result_configuration.output_location).toMatch(/^s3:\/\/\$\{aws_s3_bucket\..*athena.*\.bucket\}\/results\/$/);
      expect(wg.result_configuration.encryption_configuration).toMatchObject({ encryption_option: 'SSE_KMS' });
      expect(wg.result_configuration.encryption_configuration.kms_key_arn).toMatch(/^\$\{aws_kms_key\./);
    });

    test('named queries: events per hour, data-quality rate, top categories (and more), each in the workgroup and database', () => {
      const queries = resourcesOf(json, 'aws_athena_named_query').map(([, q]) => q);
      expect(queries.map((q) => q.name)).toEqual(
        expect.arrayContaining(['Events per hour (last 7 days)', 'Data-quality rate per hour (last 7 days)', 'Top categories (last 7 days)']),
      );
      for (const q of queries) {
        expect(q.workgroup).toMatch(/^\$\{aws_athena_workgroup\./);
        expect(q.database).toMatch(/^\$\{aws_glue_catalog_database\./);
        expect(q.query).toMatch(/WHERE[\s\S]*dt (>=|=) /);
      }
    });
  });
});

describe('construct validation', () => {
  it('rejects a reserved concurrency below shards x parallelization factor', () => {
    expect(() => synthRealtime({ kinesis: { shardCount: 4 }, streamProcessor: { reservedConcurrency: 3, parallelizationFactor: 1 } }, 'primary')).toThrow(
      /reservedConcurrency 3 is below shards x parallelizationFactor \(4\)/,
    );
  });
});

describe('named query SQL', () => {
  it('refers to the contract tables in the given database', () => {
    const sql = namedQueries('db')
      .map((q) => q.sql)
      .join('\n');
    expect(sql).toContain(`"db"."${TABLES.curated.name}"`);
    expect(sql).toContain(`"db"."${TABLES.quarantine.name}"`);
    expect(new Set(namedQueries('db').map((q) => q.id)).size).toBe(namedQueries('db').length);
  });
});
