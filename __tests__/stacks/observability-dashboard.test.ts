import { TUNABLE_DEFAULTS } from '../../stacks/config/defaults';
import { dashboardBody, type DashboardInput, dashboardUrl } from '../../stacks/constructs/dashboard';
import { streamProcessorMetrics } from '../../stacks/constructs/observed-components';
import { everyObservedComponent } from '../helpers/observed-components';

const thresholds = TUNABLE_DEFAULTS.observability.alarms;

const everything = everyObservedComponent(
  streamProcessorMetrics('stream-processor', {
    namespace: 'DataAnalyticsMl/Inference',
    metricName: 'Predictions',
    series: [
      { label: 'champion', dimensions: { service: 'ml-inference', Variant: 'champion' } },
      { label: 'challenger', dimensions: { service: 'ml-inference', Variant: 'challenger' } },
    ],
  }),
);

function render(overrides: Partial<DashboardInput> = {}): { widgets: any[] } {
  return JSON.parse(dashboardBody({ title: 't', region: 'eu-west-1', components: everything, thresholds, ...overrides }));
}

/** Every [namespace, metric, ...dimensions] row of every metric widget, with the widget. */
function rows(body: { widgets: any[] }): { namespace: string; name: string; dimensions: Record<string, string>; options: any; widget: any }[] {
  return body.widgets
    .filter((w) => w.type === 'metric')
    .flatMap((widget) =>
      widget.properties.metrics.map((row: any[]) => {
        const options = typeof row[row.length - 1] === 'object' ? row[row.length - 1] : {};
        const plain = row.filter((part) => typeof part === 'string');
        const dimensions: Record<string, string> = {};
        for (let i = 2; i < plain.length; i += 2) dimensions[plain[i]] = plain[i + 1];
        return { namespace: plain[0], name: plain[1], dimensions, options, widget };
      }),
    );
}

const has = (body: { widgets: any[] }, namespace: string, name: string, dimensions: Record<string, string> = {}) =>
  rows(body).some((r) => r.namespace === namespace && r.name === name && Object.entries(dimensions).every(([k, v]) => r.dimensions[k] === v));

describe('dashboardBody', () => {
  const body = render();

  test.each([
    ['AWS/Kinesis', 'IncomingRecords'],
    ['AWS/Kinesis', 'IncomingBytes'],
    ['AWS/Kinesis', 'GetRecords.IteratorAgeMilliseconds'],
    ['AWS/Kinesis', 'WriteProvisionedThroughputExceeded'],
    ['AWS/Kinesis', 'ReadProvisionedThroughputExceeded'],
    ['AWS/SQS', 'ApproximateNumberOfMessagesVisible'],
    ['AWS/SageMaker', 'ModelLatency'],
    ['AWS/SageMaker', 'OverheadLatency'],
    ['AWS/SageMaker', 'Invocation4XXErrors'],
    ['AWS/SageMaker', 'Invocation5XXErrors'],
    ['/aws/sagemaker/Endpoints', 'CPUUtilization'],
    ['/aws/sagemaker/Endpoints', 'MemoryUtilization'],
    ['AWS/Redshift', 'CPUUtilization'],
    ['AWS/Redshift', 'PercentageDiskSpaceUsed'],
    ['AWS/Redshift', 'HealthStatus'],
    ['AWS/Redshift', 'DatabaseConnections'],
    ['AWS/Redshift', 'QueryDuration'],
    ['AWS/ApiGateway', 'Count'],
    ['AWS/ApiGateway', '4xx'],
    ['AWS/ApiGateway', '5xx'],
    ['AWS/ApiGateway', 'Latency'],
    ['AWS/S3', 'ReplicationLatency'],
    ['AWS/S3', 'OperationsPendingReplication'],
    ['DataAnalyticsMl/StreamProcessor', 'RecordsValid'],
    ['DataAnalyticsMl/StreamProcessor', 'RecordsQuarantined'],
    ['DataAnalyticsMl/StreamProcessor', 'RecordsFailed'],
    ['DataAnalyticsMl/StreamProcessor', 'DataQualityRatio'],
    ['DataAnalyticsMl/Inference', 'Predictions'],
  ])('graphs %s %s', (namespace, name) => {
    expect(has(body, namespace, name)).toBe(true);
  });

  test.each(['proc-fn', 'infer-fn'])('graphs every Lambda metric the brief names for %s, duration as p50 and p99', (functionName) => {
    for (const name of ['Invocations', 'Errors', 'Throttles', 'ConcurrentExecutions']) {
      expect(has(body, 'AWS/Lambda', name, { FunctionName: functionName })).toBe(true);
    }
    const durations = rows(body).filter((r) => r.name === 'Duration' && r.dimensions.FunctionName === functionName);
    expect(durations.map((r) => r.options.stat).sort()).toEqual(['p50', 'p99']);
  });

  test('graphs SageMaker invocations for every variant', () => {
    for (const variant of ['champion', 'challenger']) {
      expect(has(body, 'AWS/SageMaker', 'Invocations', { EndpointName: 'scoring', VariantName: variant })).toBe(true);
      expect(has(body, 'DataAnalyticsMl/Inference', 'Predictions', { Variant: variant })).toBe(true);
    }
  });

  test('uses the replication rule dimensions S3 publishes (SourceBucket, DestinationBucket, RuleId)', () => {
    const replication = rows(body).filter((r) => r.namespace === 'AWS/S3');
    expect(replication.length).toBeGreaterThanOrEqual(3);
    for (const r of replication) expect(r.dimensions).toEqual({ SourceBucket: 'lake-primary', DestinationBucket: 'lake-dr', RuleId: 'lake-to-dr' });
  });

  test('API metrics carry the HTTP API dimensions ApiId and Stage', () => {
    for (const r of rows(body).filter((row) => row.namespace === 'AWS/ApiGateway')) expect(r.dimensions).toEqual({ ApiId: 'abc123', Stage: '$default' });
  });

  test('every metric widget is in the requested region', () => {
    const metricWidgets = body.widgets.filter((w) => w.type === 'metric');
    expect(metricWidgets.length).toBeGreaterThan(15);
    for (const w of metricWidgets) expect(w.properties.region).toBe('eu-west-1');
  });

  test('widgets fit the 24-column grid and never overlap', () => {
    const boxes = body.widgets.map((w) => ({ x: w.x, y: w.y, right: w.x + w.width, bottom: w.y + w.height }));
    for (const b of boxes) {
      expect(b.x).toBeGreaterThanOrEqual(0);
      expect(b.right).toBeLessThanOrEqual(24);
    }
    for (let i = 0; i < boxes.length; i += 1) {
      for (let j = i + 1; j < boxes.length; j += 1) {
        const a = boxes[i];
        const b = boxes[j];
        const overlap = a.x < b.right && b.x < a.right && a.y < b.bottom && b.y < a.bottom;
        expect(overlap).toBe(false);
      }
    }
  });

  test('draws the configured alarm thresholds on the graphs they apply to', () => {
    const custom = { ...thresholds, iteratorAgeMs: 12_345, redshiftDiskPercent: 66, replicationLatencySeconds: 600, dataQualityRatio: 0.9 };
    const annotated = render({ thresholds: custom });
    const annotationOf = (metricName: string) =>
      rows(annotated)
        .find((r) => r.name === metricName)
        ?.widget.properties.annotations?.horizontal.map((a: any) => a.value);
    expect(annotationOf('GetRecords.IteratorAgeMilliseconds')).toEqual([12_345]);
    expect(annotationOf('PercentageDiskSpaceUsed')).toEqual([66]);
    expect(annotationOf('ReplicationLatency')).toEqual([600]);
    expect(annotationOf('DataQualityRatio')).toEqual([0.9]);
  });

  test('shows only what exists: a region without components has just its title', () => {
    const empty = render({ components: { functions: [], deadLetterQueues: [] } });
    expect(empty.widgets).toHaveLength(1);
    expect(empty.widgets[0].type).toBe('text');
    const streamOnly = render({ components: { streamName: 's', functions: [], deadLetterQueues: [] } });
    expect(new Set(rows(streamOnly).map((r) => r.namespace))).toEqual(new Set(['AWS/Kinesis']));
  });

  test('puts an alarm status widget first when alarm ARNs are given', () => {
    const withAlarms = render({ alarmArns: ['arn:a', 'arn:b'] });
    const alarmWidget = withAlarms.widgets.find((w) => w.type === 'alarm');
    expect(alarmWidget.properties.alarms).toEqual(['arn:a', 'arn:b']);
    expect(alarmWidget.y).toBeLessThan(Math.min(...withAlarms.widgets.filter((w) => w.type === 'metric').map((w) => w.y)));
    expect(render().widgets.some((w) => w.type === 'alarm')).toBe(false);
  });

  test('is pure: the same input gives the same body', () => {
    const input: DashboardInput = { title: 't', region: 'us-east-1', components: everything, thresholds };
    expect(dashboardBody(input)).toBe(dashboardBody(JSON.parse(JSON.stringify(input))));
  });
});

test('dashboardUrl points at the console of the dashboard region', () => {
  expect(dashboardUrl('us-west-2', 'ops-usw2')).toBe('https://us-west-2.console.aws.amazon.com/cloudwatch/home?region=us-west-2#dashboards/dashboard/ops-usw2');
});
