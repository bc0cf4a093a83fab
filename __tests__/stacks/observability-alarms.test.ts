import * as fs from 'fs';
import * as path from 'path';
import { TUNABLE_DEFAULTS } from '../../stacks/config/defaults';
import { alarmDefinitions } from '../../stacks/constructs/alarms';
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

  test('alarms only what exists', () => {
    expect(alarmDefinitions({ functions: [], deadLetterQueues: [] }, thresholds, false)).toEqual([]);
    const replicationOnly = alarmDefinitions({ functions: [], deadLetterQueues: [], replication: everything.replication }, thresholds, false);
    expect(replicationOnly.map((d) => d.key).sort()).toEqual(['replication-failed', 'replication-latency']);
  });
});
