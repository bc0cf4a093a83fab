/**
 * The local run creates what the primary stack creates: every name, setting and environment
 * variable of local/platform.ts is compared with the synthesized Terraform of the same
 * configuration, so the two cannot drift apart.
 */
import { LOCAL_ACCOUNT_ID, localPlatform, type LocalPlatform } from '../../local/platform';
import { namedQueries } from '../../stacks/athena-queries';
import { resourcesOf, synthPlatform, testConfig, type TerraformJson } from '../helpers/synth';

/** Terraform's `${data.aws_caller_identity.<id>.account_id}` as the local account. */
function local(value: unknown): unknown {
  return typeof value === 'string' ? value.replace(/\$\{data\.aws_caller_identity\.[^.}]+\.account_id\}/g, LOCAL_ACCOUNT_ID) : value;
}

function one(stack: TerraformJson, type: string, predicate: (r: Record<string, any>) => boolean, what: string): [string, Record<string, any>] {
  const found = resourcesOf(stack, type).filter(([, r]) => predicate(r));
  if (found.length !== 1) throw new Error(`${found.length} ${type} for ${what}`);
  return found[0]!;
}

const ref = (type: string, id: string, attribute: string) => `\${${type}.${id}.${attribute}}`;

describe.each([
  ['defaults', {}],
  [
    'a reconfigured platform',
    {
      kinesis: { shardCount: 3 },
      streamProcessor: { batchSize: 250, maximumRetryAttempts: 3, maximumRecordAgeSeconds: 3600 },
      sagemaker: {
        variants: [
          { name: 'blue', modelVersion: 'v2', instanceType: 'ml.m5.large', initialInstanceCount: 1, initialWeight: 1 },
          { name: 'green', modelVersion: 'v1', instanceType: 'ml.m5.large', initialInstanceCount: 1, initialWeight: 3 },
        ],
      },
    },
  ],
])('local platform = synthesized primary stack (%s)', (_label, file) => {
  let p: LocalPlatform;
  let stack: TerraformJson;
  beforeAll(() => {
    stack = synthPlatform(file).stacks.primary;
    p = localPlatform(testConfig(file));
  });

  const fn = (name: string) => one(stack, 'aws_lambda_function', (r) => r.function_name === name, `function ${name}`);
  const queueId = (name: string) => one(stack, 'aws_sqs_queue', (r) => r.name === name, `queue ${name}`)[0];

  it('creates the same stream and buckets', () => {
    const [, stream] = one(stack, 'aws_kinesis_stream', (r) => r.name === p.streamName, 'the ingestion stream');
    expect(stream.shard_count).toBe(p.shardCount);
    const buckets = resourcesOf(stack, 'aws_s3_bucket').map(([, b]) => local(b.bucket));
    expect(buckets).toEqual(expect.arrayContaining([p.lakeBucket, p.manifestBucket]));
  });

  it('maps the stream to the stream processor with the same event source mapping settings and on-failure queue', () => {
    const [fnId, f] = fn(p.processor.functionName);
    expect(f.timeout).toBe(p.processor.timeoutSeconds);
    const [, m] = one(
      stack,
      'aws_lambda_event_source_mapping',
      (r) => r.function_name === ref('aws_lambda_function', fnId, 'arn'),
      'the stream processor mapping',
    );
    expect(m.batch_size).toBe(p.processor.mapping.batchSize);
    expect(m.bisect_batch_on_function_error).toBe(p.processor.mapping.bisectBatchOnFunctionError);
    expect(m.maximum_retry_attempts).toBe(p.processor.mapping.maximumRetryAttempts);
    expect(m.maximum_record_age_in_seconds).toBe(p.processor.mapping.maximumRecordAgeSeconds);
    expect(m.function_response_types?.includes('ReportBatchItemFailures') ?? false).toBe(p.processor.mapping.reportBatchItemFailures);
    expect(m.parallelization_factor).toBe(1); // the local mapping runs one batch per shard at a time
    expect(m.destination_config.on_failure.destination_arn).toBe(ref('aws_sqs_queue', queueId(p.processor.onFailureQueue), 'arn'));
  });

  it('wires the warehouse loader the same way: queue, redrive, batch size, concurrency, notifications', () => {
    const [fnId, f] = fn(p.loader.functionName);
    expect(f.timeout).toBe(p.loader.timeoutSeconds);
    const queue = queueId(p.loader.queue);
    const [, m] = one(stack, 'aws_lambda_event_source_mapping', (r) => r.function_name === ref('aws_lambda_function', fnId, 'arn'), 'the loader mapping');
    expect(m.event_source_arn).toBe(ref('aws_sqs_queue', queue, 'arn'));
    expect(m.batch_size).toBe(p.loader.batchSize);
    expect(m.scaling_config.maximum_concurrency).toBe(p.loader.maxConcurrency);
    const redrive = JSON.parse(resourcesOf(stack, 'aws_sqs_queue').find(([id]) => id === queue)![1].redrive_policy);
    expect(redrive).toEqual({ deadLetterTargetArn: ref('aws_sqs_queue', queueId(p.loader.deadLetterQueue), 'arn'), maxReceiveCount: p.loader.maxReceiveCount });
    const [, notification] = one(
      stack,
      'aws_s3_bucket_notification',
      (r) => (r.queue ?? []).some((q: any) => q.queue_arn === ref('aws_sqs_queue', queue, 'arn')),
      'the lake notification',
    );
    expect(notification.queue.map((q: any) => [q.events, q.filter_prefix, q.filter_suffix])).toEqual([
      [['s3:ObjectCreated:*'], 'curated/', '.parquet'],
      [['s3:ObjectCreated:*'], 'predictions/', '.parquet'],
    ]);
    const [, cluster] = one(stack, 'aws_redshift_cluster', (r) => r.cluster_identifier === p.loader.clusterIdentifier, 'the cluster');
    expect(cluster.database_name).toBe(p.loader.database);
  });

  it('serves the same endpoint, variants and weights', () => {
    const [, endpoint] = one(stack, 'aws_sagemaker_endpoint', (r) => r.name === p.inference.endpointName, 'the endpoint');
    expect(endpoint).toBeDefined();
    const variants = resourcesOf(stack, 'aws_sagemaker_endpoint_configuration').flatMap(([, c]) => c.production_variants ?? c.production_variant ?? []);
    expect(variants.map((v: any) => [v.variant_name, v.initial_variant_weight]).sort()).toEqual(p.inference.variants.map((v) => [v.name, v.weight]).sort());
    const uploads = resourcesOf(stack, 'aws_s3_object').map(([, o]) => o.key);
    for (const v of p.inference.variants) expect(uploads).toContain(v.artifactKey);
    expect(fn(p.inference.functionName)[1].timeout).toBe(p.inference.timeoutSeconds);
  });

  it('gives every handler the environment the stack gives it (KMS and source-map settings aside)', () => {
    const notLocal = new Set(['LAKE_KMS_KEY_ARN', 'NODE_OPTIONS']);
    for (const f of [p.processor, p.loader, p.inference]) {
      const deployed = fn(f.functionName)[1].environment.variables as Record<string, string>;
      const expected = Object.fromEntries(Object.entries(deployed).filter(([k]) => !notLocal.has(k)));
      const resolvable = Object.fromEntries(Object.entries(expected).filter(([, v]) => !String(v).includes('${')));
      expect(Object.keys(f.environment).sort()).toEqual(Object.keys(expected).sort());
      expect(f.environment).toMatchObject(resolvable);
    }
  });

  it('answers the saved Athena queries of the stack, against the same Glue database', () => {
    const saved = resourcesOf(stack, 'aws_athena_named_query')
      .map(([, q]) => q.query)
      .sort();
    expect(
      namedQueries(p.catalogDatabase)
        .map((q) => q.sql)
        .sort(),
    ).toEqual(saved);
  });
});
