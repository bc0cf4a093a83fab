import * as fs from 'fs';
import * as path from 'path';
import { TUNABLE_DEFAULTS } from '../../stacks/config/defaults';
import { alarmDefinitions } from '../../stacks/constructs/alarms';
import * as fc from 'fast-check';
import { everyObservedComponent } from '../helpers/observed-components';

const thresholds = TUNABLE_DEFAULTS.observability.alarms;

const everything = everyObservedComponent();

const byKey = (defs: ReturnType<typeof alarmDefinitions>) => Object.fromEntries(defs.map((d) => [d.key, d]));

describe('alarmDefinitions', () => {
  const all = alarmDefinitions(everything, thresholds, true);
  const alarms = byKey(all);

  test('covers every alarm the brief names, per function and per variant', () => {
    expect(Object.keys(alarms).sort()).toEqual(
      [
        'kinesis-iterator-age',
        'kinesis-write-throttled',
        'kinesis-read-throttled',
        'lambda-stream-processor-duration',
        'lambda-ml-inference-duration',
        'raw-archive-delivery-failed',
        'raw-archive-freshness',
        'lambda-stream-processor-errors',
        'lambda-stream-processor-throttles',
        'lambda-ml-inference-errors',
        'lambda-ml-inference-throttles',
        'dlq-processor-dlq-depth',
        'data-quality-ratio',
        'data-completeness',
        'data-validity',
        'data-duplicates',
        'data-freshness',
        'sagemaker-champion-5xx',
        'sagemaker-champion-model-latency',
        'sagemaker-challenger-5xx',
        'sagemaker-challenger-model-latency',
        'api-5xx-rate',
        'api-latency-p99',
        'redshift-cpu',
        'redshift-disk',
        'redshift-health',
        'replication-latency',
        'replication-failed',
      ].sort(),
    );
  });

  test('keys are unique (they become alarm names and construct ids)', () => {
    expect(new Set(all.map((d) => d.key)).size).toBe(all.length);
  });

  test('every alarm states how missing data is treated, and why', () => {
    for (const d of all) {
      expect(['breaching', 'notBreaching', 'ignore', 'missing']).toContain(d.treatMissingData);
      expect(d.missingDataReason.length).toBeGreaterThan(10);
    }
  });

  test('every alarm watches exactly one metric or one expression, with consistent evaluation settings', () => {
    for (const d of all) {
      expect(Number(!!d.metric) + Number(!!d.expression)).toBe(1);
      expect(d.datapointsToAlarm).toBeGreaterThanOrEqual(1);
      expect(d.datapointsToAlarm).toBeLessThanOrEqual(d.evaluationPeriods);
      expect([60, 300]).toContain(d.periodSeconds);
    }
  });

  test('every runbook anchor exists in docs/operations.md', () => {
    const doc = fs.readFileSync(path.join(__dirname, '..', '..', 'docs', 'operations.md'), 'utf8');
    const anchors = new Set([...doc.matchAll(/<a id="([a-z0-9-]+)"><\/a>/g)].map((m) => m[1]));
    for (const d of all) expect(anchors).toContain(d.runbook);
  });

  test('thresholds come from the configuration', () => {
    const custom = {
      ...thresholds,
      iteratorAgeMs: 5000,
      lambdaErrors: 7,
      dataQualityRatio: 0.5,
      api5xxRate: 0.2,
      redshiftCpuPercent: 55,
      replicationLatencySeconds: 300,
      sagemakerModelLatencyMicros: 42_000,
    };
    const tuned = byKey(alarmDefinitions(everything, custom, true));
    expect(tuned['kinesis-iterator-age'].threshold).toBe(5000);
    expect(tuned['lambda-ml-inference-errors'].threshold).toBe(7);
    expect(tuned['data-quality-ratio'].threshold).toBe(0.5);
    expect(tuned['api-5xx-rate'].threshold).toBe(0.2);
    expect(tuned['redshift-cpu'].threshold).toBe(55);
    expect(tuned['replication-latency'].threshold).toBe(300);
    expect(tuned['sagemaker-challenger-model-latency'].threshold).toBe(42_000);
  });

  test('DLQ depth alarms on any message; data quality alarms below its ratio', () => {
    expect(alarms['dlq-processor-dlq-depth']).toMatchObject({ comparison: 'GreaterThanThreshold', threshold: 0 });
    expect(alarms['data-quality-ratio']).toMatchObject({
      comparison: 'LessThanThreshold',
      threshold: thresholds.dataQualityRatio,
      metric: { stat: 'Minimum', namespace: 'DataAnalyticsMl/StreamProcessor', metricName: 'DataQualityRatio', dimensions: { service: 'stream-processor' } },
    });
  });

  test('the API 5XX alarm is a rate: 5xx over request count', () => {
    const rate = alarms['api-5xx-rate'];
    expect(rate.expression?.expression).toBe('FILL(m0, 0) / m1');
    expect(rate.expression?.metrics.map((m) => m.metricName)).toEqual(['5xx', 'Count']);
  });

  test('replication latency alarms above the RTC SLA on the lake-to-dr rule', () => {
    expect(alarms['replication-latency']).toMatchObject({
      threshold: 900,
      comparison: 'GreaterThanThreshold',
      metric: {
        namespace: 'AWS/S3',
        metricName: 'ReplicationLatency',
        dimensions: { RuleId: 'lake-to-dr', SourceBucket: 'lake-primary', DestinationBucket: 'lake-dr' },
      },
    });
  });

  test('Redshift health treats silence as unhealthy; iterator age does only where a consumer polls', () => {
    expect(alarms['redshift-health'].treatMissingData).toBe('breaching');
    expect(alarms['kinesis-iterator-age'].treatMissingData).toBe('breaching');
    expect(byKey(alarmDefinitions(everything, thresholds, false))['kinesis-iterator-age'].treatMissingData).toBe('notBreaching');
  });

  test('each function alarms when its slowest invocation nears the timeout it runs under', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 900 }), fc.double({ min: 0.1, max: 1, noNaN: true }), (timeoutSeconds, ratio) => {
        const components = { functions: [{ label: 'f', functionName: 'fn-1', timeoutSeconds }], deadLetterQueues: [] };
        const duration = byKey(alarmDefinitions(components, { ...thresholds, lambdaDurationTimeoutRatio: ratio }, false))['lambda-f-duration'];
        expect(duration).toMatchObject({
          metric: { namespace: 'AWS/Lambda', metricName: 'Duration', dimensions: { FunctionName: 'fn-1' }, stat: 'Maximum' },
          comparison: 'GreaterThanThreshold',
          threshold: Math.round(timeoutSeconds * 1000 * ratio),
          runbook: 'lambda-duration',
        });
        expect(duration.threshold).toBeLessThanOrEqual(timeoutSeconds * 1000);
      }),
    );
    expect(alarms['lambda-stream-processor-duration'].threshold).toBe(96_000);
    expect(alarms['lambda-ml-inference-duration'].threshold).toBe(23_200);
  });

  test('Kinesis read throttling alarms on a sustained rate of throttled GetRecords calls', () => {
    expect(alarms['kinesis-read-throttled']).toMatchObject({
      metric: { namespace: 'AWS/Kinesis', metricName: 'ReadProvisionedThroughputExceeded', dimensions: { StreamName: 'events' }, stat: 'Sum' },
      comparison: 'GreaterThanOrEqualToThreshold',
      threshold: thresholds.kinesisReadThrottles,
      evaluationPeriods: 3,
      datapointsToAlarm: 3,
    });
    expect(byKey(alarmDefinitions(everything, { ...thresholds, kinesisReadThrottles: 3 }, true))['kinesis-read-throttled'].threshold).toBe(3);
  });

  test('the raw archive alarms on failed deliveries and on stale data, from its thresholds', () => {
    const delivery = { DeliveryStreamName: 'raw-archive' };
    expect(alarms['raw-archive-delivery-failed']).toMatchObject({
      metric: { namespace: 'AWS/Firehose', metricName: 'DeliveryToS3.Success', dimensions: delivery, stat: 'Average' },
      comparison: 'LessThanThreshold',
      threshold: 0.99,
    });
    expect(alarms['raw-archive-freshness']).toMatchObject({
      metric: { namespace: 'AWS/Firehose', metricName: 'DeliveryToS3.DataFreshness', dimensions: delivery, stat: 'Maximum' },
      comparison: 'GreaterThanThreshold',
      threshold: 900,
    });
    const tuned = byKey(alarmDefinitions(everything, { ...thresholds, rawArchiveFreshnessSeconds: 1200, rawArchiveDeliverySuccessRatio: 0.5 }, true));
    expect(tuned['raw-archive-freshness'].threshold).toBe(1200);
    expect(tuned['raw-archive-delivery-failed'].threshold).toBe(0.5);
    expect(
      Object.keys(byKey(alarmDefinitions({ ...everything, rawArchiveName: undefined }, thresholds, true))).filter((k) => k.startsWith('raw-archive')),
    ).toEqual([]);
  });

  test('alarms only what exists', () => {
    expect(alarmDefinitions({ functions: [], deadLetterQueues: [] }, thresholds, false)).toEqual([]);
    const replicationOnly = alarmDefinitions({ functions: [], deadLetterQueues: [], replication: everything.replication }, thresholds, false);
    expect(replicationOnly.map((d) => d.key).sort()).toEqual(['replication-failed', 'replication-latency']);
  });
});
