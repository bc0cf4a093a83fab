import { DataAwsCallerIdentity } from '@cdktf/provider-aws/lib/data-aws-caller-identity';
import { Testing, TerraformStack } from 'cdktf';
import { TABLES, glueColumns } from '../../functions/shared/contract';
import { STATE_PREFIX, ALERTS_PREFIX } from '../../functions/stream-aggregator/keys';
import { AGGREGATOR_METRICS_NAMESPACE } from '../../functions/stream-aggregator/metric-names';
import { PROCESSOR_METRICS, PROCESSOR_METRICS_NAMESPACE } from '../../functions/stream-processor/metric-names';
import type { PlatformConfig } from '../../stacks/config/types';
import { PlatformAlarms } from '../../stacks/constructs/alarms';
import { AlertTopic } from '../../stacks/constructs/alerting';
import { DataCatalog } from '../../stacks/constructs/catalog';
import { DataLake } from '../../stacks/constructs/data-lake';
import { anomalyAlarmDefinitions, DataQualityAlarms } from '../../stacks/constructs/data-quality-alarms';
import { PlatformKey } from '../../stacks/constructs/encryption';
import { IngestionStream } from '../../stacks/constructs/ingestion-stream';
import { Network } from '../../stacks/constructs/network';
import { streamProcessorMetrics } from '../../stacks/constructs/observed-components';
import { StreamAggregator, type StreamAggregatorProps } from '../../stacks/constructs/stream-aggregator';
import { StreamProcessor, STREAM_PROCESSOR_SERVICE } from '../../stacks/constructs/stream-processor';
import { PlatformNaming, type StackRole } from '../../stacks/naming';
import type { PlatformContext } from '../../stacks/platform-context';
import { evaluatePolicy } from '../../stacks/policy/rules';
import { createAwsProvider } from '../../stacks/provider';
import { resourcesOf, synthPlatform, testConfig, type TerraformJson } from '../helpers/synth';

/**
 * Real-time aggregates and data-quality monitoring synthesized with what they build on:
 * key, network, lake, ingestion stream, the stream processor (the first consumer), the Glue
 * catalog (which holds the aggregates table), the alert topic and the platform alarms fed with
 * the processor's metrics (the threshold gates), plus the aggregator and the anomaly alarms.
 */
function buildAggregates(file: unknown, role: StackRole): { stack: TerraformStack; config: PlatformConfig; aggregator: StreamAggregator; topic: AlertTopic } {
  const config = testConfig(file);
  const app = Testing.app();
  const naming = new PlatformNaming(config);
  const stack = new TerraformStack(app, `aggregates-${role}`);
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
  const platformKey = new PlatformKey(stack, 'encryption', { context });
  const network = new Network(stack, 'network', { context, platformKey });
  const dataLake = new DataLake(stack, 'data-lake', { context, platformKey });
  const stream = new IngestionStream(stack, 'ingestion', { context, platformKey });
  new StreamProcessor(stack, 'stream-processor', { context, platformKey, network, dataLake, stream });
  new DataCatalog(stack, 'catalog', { context, platformKey, dataLake });
  const topic = new AlertTopic(stack, 'alerts', { context, platformKey });
  const processorMetrics = streamProcessorMetrics(STREAM_PROCESSOR_SERVICE);
  new PlatformAlarms(stack, 'alarms', { context, alertTopic: topic, components: { platformMetrics: processorMetrics } });
  const aggregator = new StreamAggregator(stack, 'aggregator', { context, platformKey, network, stream, dataLake, alertTopic: topic });
  new DataQualityAlarms(stack, 'data-quality', { context, alertTopic: topic, stream, processorMetrics });
  return { stack, config, aggregator, topic };
}

function synthAggregates(file: unknown, role: StackRole): { json: TerraformJson; config: PlatformConfig } {
  const { stack, config } = buildAggregates(file, role);
  return { json: JSON.parse(Testing.synth(stack, true)) as TerraformJson, config };
}

const ref = (type: string, id: string) => expect.stringMatching(new RegExp(`^\\$\\{${type}\\.${id.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\.`));

function byLogicalIdPart(json: TerraformJson, type: string, part: string): [string, Record<string, any>] {
  const found = resourcesOf(json, type).filter(([id]) => id.includes(part));
  expect(found).toHaveLength(1);
  return found[0]!;
}

function alarmsOn(json: TerraformJson, metricName: string): Record<string, any>[] {
  return resourcesOf(json, 'aws_cloudwatch_metric_alarm')
    .map(([, a]) => a)
    .filter((a) => a.metric_name === metricName || (a.metric_query ?? []).some((q: any) => q.metric?.metric_name === metricName));
}

const configurations: Record<string, unknown> = {
  defaults: {},
  'tuned rules and mapping': {
    kinesis: { shardCount: 4 },
    aggregates: {
      minConversionRate: 0.02,
      maxTrafficDropRatio: 0.3,
      ruleMinEvents: 10,
      batchSize: 500,
      maximumRetryAttempts: 3,
      maximumRecordAgeSeconds: 3600,
      reservedConcurrency: 4,
      memoryMb: 1024,
    },
    observability: { alarms: { completenessRatio: 0.9, validityRatio: 0.97, duplicateRatio: 0.1, freshnessP99Ms: 60_000 } },
  },
};

describe.each(Object.entries(configurations))('aggregates and data quality (%s)', (_name, file) => {
  describe.each(['primary', 'dr'] as const)('%s', (role) => {
    const { json, config } = synthAggregates(file, role);
    const a = config.aggregates;
    const [fnId, fn] = byLogicalIdPart(json, 'aws_lambda_function', 'aggregator');
    const topicArn = ref('aws_sns_topic', resourcesOf(json, 'aws_sns_topic')[0]![0]);

    test('passes the policy pack', () => {
      expect(evaluatePolicy(json).map((f) => `${f.ruleId} ${f.resource.type}.${f.resource.logicalId}: ${f.message}`)).toEqual([]);
    });

    test('a second event source mapping on the same stream, with one-minute tumbling windows and bounded failure handling', () => {
      const [streamId] = resourcesOf(json, 'aws_kinesis_stream')[0]!;
      const mappings = resourcesOf(json, 'aws_lambda_event_source_mapping').map(([, m]) => m);
      expect(mappings).toHaveLength(2);
      for (const m of mappings) expect(m.event_source_arn).toEqual(ref('aws_kinesis_stream', streamId));
      const [, queue] = byLogicalIdPart(json, 'aws_sqs_queue', 'aggregator');
      const [queueId] = byLogicalIdPart(json, 'aws_sqs_queue', 'aggregator');
      const mine = mappings.find((m) => m.function_name === `\${aws_lambda_function.${fnId}.arn}`)!;
      expect(mine).toMatchObject({
        tumbling_window_in_seconds: 60,
        parallelization_factor: 1,
        bisect_batch_on_function_error: true,
        starting_position: 'LATEST',
        batch_size: a.batchSize,
        maximum_retry_attempts: a.maximumRetryAttempts,
        maximum_record_age_in_seconds: a.maximumRecordAgeSeconds,
      });
      expect(mine.maximum_retry_attempts).toBeGreaterThanOrEqual(0);
      expect(mine.destination_config.on_failure.destination_arn).toEqual(ref('aws_sqs_queue', queueId));
      // The processor's mapping keeps its own settings: no window there.
      expect(mappings.find((m) => m !== mine)!.tumbling_window_in_seconds).toBeUndefined();
      expect(queue.kms_master_key_id).toEqual(ref('aws_kms_key', resourcesOf(json, 'aws_kms_key')[0]![0]));
    });

    test('the function gets the rules from config and the alert topic, sized from config', () => {
      expect(fn).toMatchObject({
        runtime: 'nodejs22.x',
        architectures: ['arm64'],
        memory_size: a.memoryMb,
        timeout: a.timeoutSeconds,
        reserved_concurrent_executions: a.reservedConcurrency,
      });
      expect(fn.tracing_config.mode).toBe('Active');
      const env = fn.environment.variables;
      expect(env).toMatchObject({
        MIN_CONVERSION_RATE: String(a.minConversionRate),
        MAX_TRAFFIC_DROP_RATIO: String(a.maxTrafficDropRatio),
        RULE_MIN_EVENTS: String(a.ruleMinEvents),
        POWERTOOLS_SERVICE_NAME: 'stream-aggregator',
        POWERTOOLS_METRICS_NAMESPACE: AGGREGATOR_METRICS_NAMESPACE,
        PLATFORM_NAME: `${config.projectName}-${config.environment}`,
      });
      expect(env.ALERT_TOPIC_ARN).toEqual(topicArn);
    });

    test('least privilege: writes only under aggregates/, reads back only its state and claims, publishes only to the alert topic', () => {
      const [, policy] = byLogicalIdPart(json, 'aws_iam_role_policy', 'aggregator');
      const statements: any[] = JSON.parse(policy.policy).Statement;
      const sid = (s: string) => statements.find((x) => x.Sid === s);
      expect(sid('WriteAggregates')).toMatchObject({ Action: 's3:PutObject', Resource: expect.stringMatching(new RegExp(`/${TABLES.aggregates.prefix}\\*$`)) });
      expect(sid('ReadRollupsAndClaims').Resource).toEqual([
        expect.stringMatching(new RegExp(`/${STATE_PREFIX}\\*$`)),
        expect.stringMatching(new RegExp(`/${ALERTS_PREFIX}\\*$`)),
      ]);
      expect(sid('ListRollups').Condition).toEqual({ StringLike: { 's3:prefix': [`${STATE_PREFIX}*`] } });
      expect(sid('ReleaseAlertClaims')).toMatchObject({ Action: 's3:DeleteObject', Resource: expect.stringMatching(new RegExp(`/${ALERTS_PREFIX}\\*$`)) });
      expect(sid('PublishAlerts')).toMatchObject({ Action: 'sns:Publish', Resource: topicArn });
      expect(sid('ReadIngestionStream').Action).toEqual(expect.arrayContaining(['kinesis:GetRecords', 'kinesis:GetShardIterator']));
      for (const s of statements) if (s.Resource === '*') expect(s.Action.every((x: string) => x.startsWith('xray:'))).toBe(true);
    });

    test('the aggregates table comes from the event contract, over aggregates/, with projected dt/hour partitions', () => {
      const table = resourcesOf(json, 'aws_glue_catalog_table')
        .map(([, t]) => t)
        .find((t) => t.name === TABLES.aggregates.name)!;
      expect(table).toBeDefined();
      expect(table.storage_descriptor.columns).toEqual(glueColumns('aggregates'));
      expect(table.storage_descriptor.location).toMatch(new RegExp(`/${TABLES.aggregates.prefix}$`));
      expect(table.partition_keys.map((k: any) => k.name)).toEqual(['dt', 'hour']);
      expect(table.parameters['projection.enabled']).toBe('true');
      expect(table.parameters['storage.location.template']).toMatch(/aggregates\/dt=\$\$\{dt\}\/hour=\$\$\{hour\}\/$/); // $${ keeps the placeholder literal in Terraform
    });

    test('each processor quality metric has a threshold alarm from config.observability.alarms, notifying the alert topic', () => {
      const t = config.observability.alarms;
      const expected: [string, string, number][] = [
        [PROCESSOR_METRICS.completenessRatio, 'LessThanThreshold', t.completenessRatio],
        [PROCESSOR_METRICS.validityRatio, 'LessThanThreshold', t.validityRatio],
        [PROCESSOR_METRICS.duplicateRatio, 'GreaterThanThreshold', t.duplicateRatio],
        [PROCESSOR_METRICS.freshnessP99, 'GreaterThanThreshold', t.freshnessP99Ms],
      ];
      for (const [metric, comparison, threshold] of expected) {
        const fixed = alarmsOn(json, metric).filter((x) => x.threshold !== undefined);
        expect(fixed).toHaveLength(1);
        expect(fixed[0]).toMatchObject({
          namespace: PROCESSOR_METRICS_NAMESPACE,
          comparison_operator: comparison,
          threshold,
          dimensions: { service: STREAM_PROCESSOR_SERVICE },
        });
        expect(fixed[0]!.alarm_actions).toEqual([topicArn]);
        expect(fixed[0]!.ok_actions).toEqual([topicArn]);
      }
    });

    test('anomaly detection on ingest volume and freshness: metric + ANOMALY_DETECTION_BAND(m1, 2) as the threshold metric', () => {
      const anomaly = resourcesOf(json, 'aws_cloudwatch_metric_alarm')
        .map(([, x]) => x)
        .filter((x) => x.threshold_metric_id !== undefined);
      expect(anomaly).toHaveLength(2);
      for (const alarm of anomaly) {
        expect(alarm.threshold).toBeUndefined();
        expect(alarm.threshold_metric_id).toBe('ad1');
        const band = alarm.metric_query.find((q: any) => q.id === 'ad1');
        expect(band.expression).toBe('ANOMALY_DETECTION_BAND(m1, 2)');
        expect(alarm.metric_query.find((q: any) => q.id === 'm1').metric.period).toBe(300);
        expect(alarm.alarm_actions).toEqual([topicArn]);
        expect(alarm.ok_actions).toEqual([topicArn]);
      }
      const [ingest] = alarmsOn(json, 'IncomingRecords').filter((x) => x.threshold_metric_id);
      expect(ingest).toMatchObject({ comparison_operator: 'LessThanLowerThreshold', treat_missing_data: role === 'primary' ? 'breaching' : 'notBreaching' });
      expect(ingest!.metric_query.find((q: any) => q.id === 'm1').metric).toMatchObject({
        namespace: 'AWS/Kinesis',
        stat: 'Sum',
        dimensions: { StreamName: ref('aws_kinesis_stream', resourcesOf(json, 'aws_kinesis_stream')[0]![0]) },
      });
      const [fresh] = alarmsOn(json, PROCESSOR_METRICS.freshnessP99).filter((x) => x.threshold_metric_id);
      expect(fresh).toMatchObject({ comparison_operator: 'GreaterThanUpperThreshold', treat_missing_data: 'notBreaching' });
      expect(fresh!.metric_query.find((q: any) => q.id === 'm1').metric).toMatchObject({
        namespace: PROCESSOR_METRICS_NAMESPACE,
        dimensions: { service: STREAM_PROCESSOR_SERVICE },
      });
    });
  });
});

test('anomaly definitions say why missing data is treated as it is, per role', () => {
  const processorMetrics = streamProcessorMetrics(STREAM_PROCESSOR_SERVICE);
  const primary = anomalyAlarmDefinitions({ streamName: 'events', producersWriteHere: true, processorMetrics });
  const dr = anomalyAlarmDefinitions({ streamName: 'events', producersWriteHere: false, processorMetrics });
  expect(primary.map((d) => d.key)).toEqual(['ingest-volume-anomaly', 'freshness-anomaly']);
  expect(primary[0]!.missingDataReason).toMatch(/no IncomingRecords datapoint means nothing arrives/);
  expect(dr[0]!.missingDataReason).toMatch(/only after a failover/);
  expect(dr[1]).toEqual(primary[1]);
});

describe('the alert topic', () => {
  test('is a required prop: an aggregator cannot be built without somewhere to send its alerts (checked by tsc)', () => {
    const { aggregator } = buildAggregates({}, 'dr');
    const withoutTopic: Omit<StreamAggregatorProps, 'alertTopic'> = {
      context: {} as StreamAggregatorProps['context'],
      platformKey: {} as StreamAggregatorProps['platformKey'],
      network: {} as StreamAggregatorProps['network'],
      stream: {} as StreamAggregatorProps['stream'],
      dataLake: {} as StreamAggregatorProps['dataLake'],
    };
    // @ts-expect-error alertTopic is missing: tsc (run by npm test) fails here if it ever becomes optional
    const props: StreamAggregatorProps = withoutTopic;
    expect(props).not.toHaveProperty('alertTopic');
    expect(aggregator.function.functionName).toMatch(/stream-aggregator/);
  });
});

describe('in the regional platform', () => {
  test.each(['primary', 'dr'] as const)(
    '%s: the aggregator consumes the stream beside the processor, is watched by observability, and its anomaly alarms notify the alert topic',
    (role) => {
      const json = synthPlatform().stacks[role];
      const [streamId] = resourcesOf(json, 'aws_kinesis_stream')[0]!;
      const windowed = resourcesOf(json, 'aws_lambda_event_source_mapping')
        .map(([, m]) => m)
        .filter((m) => m.event_source_arn === `\${aws_kinesis_stream.${streamId}.arn}`);
      expect(windowed.map((m) => m.tumbling_window_in_seconds ?? 0).sort()).toEqual([0, 60]);
      const [topicId] = resourcesOf(json, 'aws_sns_topic').find(([, t]) => String(t.name).includes('-alerts-'))!;
      const topicArn = `\${aws_sns_topic.${topicId}.arn}`;
      const [, fn] = resourcesOf(json, 'aws_lambda_function').find(([, f]) => String(f.function_name).includes('stream-aggregator'))!;
      expect(fn.environment.variables.ALERT_TOPIC_ARN).toBe(topicArn);
      const anomaly = resourcesOf(json, 'aws_cloudwatch_metric_alarm')
        .map(([, a]) => a)
        .filter((a) => a.threshold_metric_id === 'ad1');
      expect(anomaly).toHaveLength(2);
      for (const a of anomaly) expect([a.alarm_actions, a.ok_actions]).toEqual([[topicArn], [topicArn]]);
      // The platform alarms watch the aggregator like every function: errors, throttles and its on-failure queue.
      const names = resourcesOf(json, 'aws_cloudwatch_metric_alarm').map(([, a]) => JSON.stringify(a.dimensions ?? {}));
      expect(names.some((d) => d.includes('stream-aggregator') && d.includes('FunctionName'))).toBe(true);
      const [queueId] = resourcesOf(json, 'aws_sqs_queue').find(([, q]) => String(q.name).includes('stream-aggregator-failed'))!;
      expect(names.some((d) => d.includes(`aws_sqs_queue.${queueId}.name`) && d.includes('QueueName'))).toBe(true);
    },
  );

  test('aggregates.enabled = false removes the aggregator and keeps the data-quality alarms', () => {
    const json = synthPlatform({ aggregates: { enabled: false } }).stacks.primary;
    expect(resourcesOf(json, 'aws_lambda_function').filter(([, f]) => String(f.function_name).includes('stream-aggregator'))).toEqual([]);
    expect(resourcesOf(json, 'aws_lambda_event_source_mapping').filter(([, m]) => m.tumbling_window_in_seconds)).toEqual([]);
    expect(resourcesOf(json, 'aws_cloudwatch_metric_alarm').filter(([, a]) => a.threshold_metric_id === 'ad1')).toHaveLength(2);
  });
});
