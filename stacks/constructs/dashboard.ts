import { CloudwatchDashboard } from '@cdktf/provider-aws/lib/cloudwatch-dashboard';
import { Construct } from 'constructs';
import type { AlarmThresholds } from '../config/types';
import type { PlatformContext } from '../platform-context';
import { type ObservedComponents, type ObservedNames, observedNames } from './observed-components';
import { queueDepthMetric } from './secure-queue';

/** CloudWatch dashboard grid: 24 units wide. */
const GRID_WIDTH = 24;
const GRAPH_WIDTH = 8;
const GRAPH_HEIGHT = 6;

type MetricOptions = { readonly stat?: string; readonly label?: string; readonly id?: string; readonly yAxis?: 'left' | 'right'; readonly visible?: boolean };
/** A dashboard metric row: namespace, metric name, dimension name/value pairs, then options. */
export type MetricRow = readonly (string | MetricOptions | { readonly expression: string; readonly label: string; readonly id: string })[];

interface Annotation {
  readonly label: string;
  readonly value: number;
}

interface GraphSpec {
  readonly title: string;
  readonly metrics: readonly MetricRow[];
  /** Statistic for rows that set none. */
  readonly stat: string;
  readonly annotations?: readonly Annotation[];
  readonly leftLabel?: string;
  readonly rightLabel?: string;
}

export interface DashboardInput {
  readonly title: string;
  readonly region: string;
  readonly components: ObservedNames;
  /** Alarm thresholds drawn as horizontal lines on the graphs they apply to. */
  readonly thresholds: AlarmThresholds;
  /** ARNs of the region's alarms, shown as one alarm-status widget at the top. @default no status widget */
  readonly alarmArns?: readonly string[];
  /** Period of every graph, seconds. @default 60 */
  readonly periodSeconds?: number;
}

function metric(namespace: string, name: string, dimensions: Readonly<Record<string, string>>, options: MetricOptions = {}): MetricRow {
  const row: (string | MetricOptions)[] = [namespace, name, ...Object.entries(dimensions).flat()];
  return Object.keys(options).length > 0 ? [...row, options] : row;
}

function graphsFor(input: DashboardInput): { section: string; graphs: GraphSpec[] }[] {
  const c = input.components;
  const t = input.thresholds;
  const sections: { section: string; graphs: GraphSpec[] }[] = [];

  if (c.streamName) {
    const stream = { StreamName: c.streamName };
    sections.push({
      section: 'Ingestion: Kinesis',
      graphs: [
        {
          title: 'Incoming records and bytes',
          stat: 'Sum',
          rightLabel: 'bytes',
          metrics: [
            metric('AWS/Kinesis', 'IncomingRecords', stream, { label: 'records' }),
            metric('AWS/Kinesis', 'IncomingBytes', stream, { label: 'bytes', yAxis: 'right' }),
          ],
        },
        {
          title: 'Iterator age (consumer lag, ms)',
          stat: 'Maximum',
          metrics: [metric('AWS/Kinesis', 'GetRecords.IteratorAgeMilliseconds', stream, { label: 'max iterator age' })],
          annotations: [{ label: 'alarm', value: t.iteratorAgeMs }],
        },
        {
          title: 'Throttled reads and writes',
          stat: 'Sum',
          metrics: [
            metric('AWS/Kinesis', 'WriteProvisionedThroughputExceeded', stream, { label: 'write throttled' }),
            metric('AWS/Kinesis', 'ReadProvisionedThroughputExceeded', stream, { label: 'read throttled' }),
          ],
        },
      ],
    });
  }

  if (c.functions.length > 0 || c.deadLetterQueues.length > 0) {
    const graphs: GraphSpec[] = [];
    for (const { label, functionName } of c.functions) {
      const fn = { FunctionName: functionName };
      graphs.push(
        {
          title: `${label}: invocations, errors, throttles`,
          stat: 'Sum',
          metrics: [
            metric('AWS/Lambda', 'Invocations', fn, { label: 'invocations' }),
            metric('AWS/Lambda', 'Errors', fn, { label: 'errors' }),
            metric('AWS/Lambda', 'Throttles', fn, { label: 'throttles' }),
          ],
        },
        {
          title: `${label}: duration (ms)`,
          stat: 'p50',
          metrics: [metric('AWS/Lambda', 'Duration', fn, { stat: 'p50', label: 'p50' }), metric('AWS/Lambda', 'Duration', fn, { stat: 'p99', label: 'p99' })],
        },
        {
          title: `${label}: concurrent executions`,
          stat: 'Maximum',
          metrics: [metric('AWS/Lambda', 'ConcurrentExecutions', fn, { label: 'concurrent' })],
        },
      );
    }
    if (c.deadLetterQueues.length > 0) {
      graphs.push({
        title: 'Dead-letter queue depth (must be 0)',
        stat: 'Maximum',
        metrics: c.deadLetterQueues.map(({ label, queueName }) => {
          const depth = queueDepthMetric(queueName);
          return metric(depth.namespace, depth.metricName, depth.dimensions, { label });
        }),
        annotations: [{ label: 'alarm', value: 1 }],
      });
    }
    sections.push({ section: 'Processing: Lambda', graphs });
  }

  if (c.platformMetrics) {
    const p = c.platformMetrics;
    const graphs: GraphSpec[] = [
      {
        title: 'Records valid / quarantined / failed',
        stat: 'Sum',
        metrics: [
          metric(p.namespace, p.recordsValid, p.dimensions, { label: 'valid' }),
          metric(p.namespace, p.recordsQuarantined, p.dimensions, { label: 'quarantined' }),
          metric(p.namespace, p.recordsFailed, p.dimensions, { label: 'failed' }),
        ],
      },
      {
        title: 'Data-quality ratio (valid / total, lowest per period)',
        stat: 'Minimum',
        metrics: [metric(p.namespace, p.dataQualityRatio, p.dimensions, { label: 'ratio' })],
        annotations: [{ label: 'alarm', value: t.dataQualityRatio }],
      },
    ];
    if (p.qualityGates) {
      const g = p.qualityGates;
      graphs.push(
        {
          title: 'Completeness / validity / duplicates (per batch)',
          stat: 'Average',
          metrics: [
            metric(p.namespace, g.completenessRatio, p.dimensions, { stat: 'Minimum', label: 'completeness (min)' }),
            metric(p.namespace, g.validityRatio, p.dimensions, { stat: 'Minimum', label: 'validity (min)' }),
            metric(p.namespace, g.duplicateRatio, p.dimensions, { stat: 'Maximum', label: 'duplicates (max)' }),
          ],
        },
        {
          title: 'Freshness: event to processing, p99 (ms)',
          stat: 'Maximum',
          metrics: [metric(p.namespace, g.freshnessP99, p.dimensions, { label: 'p99 per batch (max)' })],
          annotations: [{ label: 'alarm', value: t.freshnessP99Ms }],
        },
      );
    }
    if (p.predictions) {
      const { namespace, metricName, series } = p.predictions;
      graphs.push({
        title: 'Predictions per variant',
        stat: 'Sum',
        metrics: series.map((s) => metric(namespace, metricName, s.dimensions, { label: s.label })),
      });
    }
    sections.push({ section: 'Platform metrics (EMF)', graphs });
  }

  if (c.endpoint) {
    const { endpointName, variantNames } = c.endpoint;
    const perVariant = (namespace: string, name: string, options: MetricOptions = {}) =>
      variantNames.map((variant) =>
        metric(
          namespace,
          name,
          { EndpointName: endpointName, VariantName: variant },
          { label: `${variant}${options.label ? ` ${options.label}` : ''}`, ...(options.stat ? { stat: options.stat } : {}) },
        ),
      );
    sections.push({
      section: 'Inference: SageMaker',
      graphs: [
        { title: 'Invocations per variant', stat: 'Sum', metrics: perVariant('AWS/SageMaker', 'Invocations') },
        {
          title: 'Model and overhead latency (µs, p99)',
          stat: 'p99',
          metrics: [
            ...perVariant('AWS/SageMaker', 'ModelLatency', { label: 'model' }),
            ...perVariant('AWS/SageMaker', 'OverheadLatency', { label: 'overhead' }),
          ],
          annotations: [{ label: 'alarm', value: t.sagemakerModelLatencyMicros }],
        },
        {
          title: 'Invocation 4XX / 5XX errors',
          stat: 'Sum',
          metrics: [
            ...perVariant('AWS/SageMaker', 'Invocation4XXErrors', { label: '4XX' }),
            ...perVariant('AWS/SageMaker', 'Invocation5XXErrors', { label: '5XX' }),
          ],
        },
        {
          title: 'Instance CPU and memory (%)',
          stat: 'Average',
          metrics: [
            ...perVariant('/aws/sagemaker/Endpoints', 'CPUUtilization', { label: 'CPU' }),
            ...perVariant('/aws/sagemaker/Endpoints', 'MemoryUtilization', { label: 'memory' }),
          ],
        },
      ],
    });
  }

  if (c.clusterIdentifier) {
    const cluster = { ClusterIdentifier: c.clusterIdentifier };
    sections.push({
      section: 'Warehouse: Redshift',
      graphs: [
        {
          title: 'CPU utilization (%)',
          stat: 'Average',
          metrics: [metric('AWS/Redshift', 'CPUUtilization', cluster, { label: 'CPU' })],
          annotations: [{ label: 'alarm', value: t.redshiftCpuPercent }],
        },
        {
          title: 'Disk space used (%)',
          stat: 'Maximum',
          metrics: [metric('AWS/Redshift', 'PercentageDiskSpaceUsed', cluster, { label: 'disk used' })],
          annotations: [{ label: 'alarm', value: t.redshiftDiskPercent }],
        },
        { title: 'Health (1 = healthy)', stat: 'Minimum', metrics: [metric('AWS/Redshift', 'HealthStatus', cluster, { label: 'health' })] },
        { title: 'Database connections', stat: 'Maximum', metrics: [metric('AWS/Redshift', 'DatabaseConnections', cluster, { label: 'connections' })] },
        {
          title: 'Query duration by latency class (µs)',
          stat: 'Average',
          metrics: ['short', 'medium', 'long'].map((latency) => metric('AWS/Redshift', 'QueryDuration', { ...cluster, latency }, { label: latency })),
        },
      ],
    });
  }

  if (c.api) {
    const api = { ApiId: c.api.apiId, Stage: c.api.stage };
    sections.push({
      section: 'Inference API: API Gateway',
      graphs: [
        { title: 'Requests', stat: 'Sum', metrics: [metric('AWS/ApiGateway', 'Count', api, { label: 'requests' })] },
        {
          title: '4XX / 5XX responses',
          stat: 'Sum',
          metrics: [metric('AWS/ApiGateway', '4xx', api, { label: '4XX' }), metric('AWS/ApiGateway', '5xx', api, { label: '5XX' })],
        },
        {
          title: 'Latency p99 (ms)',
          stat: 'p99',
          metrics: [
            metric('AWS/ApiGateway', 'Latency', api, { label: 'latency p99' }),
            metric('AWS/ApiGateway', 'IntegrationLatency', api, { label: 'integration p99' }),
          ],
          annotations: [{ label: 'alarm', value: t.apiLatencyP99Ms }],
        },
      ],
    });
  }

  if (c.replication) {
    const rule = { SourceBucket: c.replication.sourceBucket, DestinationBucket: c.replication.destinationBucket, RuleId: c.replication.ruleId };
    sections.push({
      section: 'Disaster recovery: S3 replication to the DR lake',
      graphs: [
        {
          title: 'Replication latency (s, RTC SLA 900)',
          stat: 'Maximum',
          metrics: [metric('AWS/S3', 'ReplicationLatency', rule, { label: 'latency' })],
          annotations: [{ label: 'alarm', value: t.replicationLatencySeconds }],
        },
        {
          title: 'Replication backlog',
          stat: 'Maximum',
          rightLabel: 'bytes',
          metrics: [
            metric('AWS/S3', 'OperationsPendingReplication', rule, { label: 'operations pending' }),
            metric('AWS/S3', 'BytesPendingReplication', rule, { label: 'bytes pending', yAxis: 'right' }),
          ],
        },
        { title: 'Failed replication operations', stat: 'Sum', metrics: [metric('AWS/S3', 'OperationsFailedReplication', rule, { label: 'failed' })] },
      ],
    });
  }
  return sections;
}

/**
 * The dashboard body (CloudWatch dashboard JSON) for one region: a section per component that
 * exists, graphs laid out three to a row. Pure: same input, same string.
 */
export function dashboardBody(input: DashboardInput): string {
  const period = input.periodSeconds ?? 60;
  const widgets: Record<string, unknown>[] = [];
  let y = 0;
  widgets.push({ type: 'text', x: 0, y, width: GRID_WIDTH, height: 1, properties: { markdown: `# ${input.title}` } });
  y += 1;
  if (input.alarmArns && input.alarmArns.length > 0) {
    widgets.push({
      type: 'alarm',
      x: 0,
      y,
      width: GRID_WIDTH,
      height: 3,
      properties: { title: 'Alarms', alarms: [...input.alarmArns], sortBy: 'stateUpdatedTimestamp' },
    });
    y += 3;
  }
  for (const { section, graphs } of graphsFor(input)) {
    widgets.push({ type: 'text', x: 0, y, width: GRID_WIDTH, height: 1, properties: { markdown: `## ${section}` } });
    y += 1;
    graphs.forEach((graph, index) => {
      const column = index % (GRID_WIDTH / GRAPH_WIDTH);
      if (index > 0 && column === 0) y += GRAPH_HEIGHT;
      widgets.push({
        type: 'metric',
        x: column * GRAPH_WIDTH,
        y,
        width: GRAPH_WIDTH,
        height: GRAPH_HEIGHT,
        properties: {
          title: graph.title,
          view: 'timeSeries',
          region: input.region,
          stat: graph.stat,
          period,
          metrics: graph.metrics,
          ...(graph.annotations ? { annotations: { horizontal: graph.annotations.map((a) => ({ label: a.label, value: a.value })) } } : {}),
          yAxis: {
            left: { min: 0, ...(graph.leftLabel ? { label: graph.leftLabel } : {}) },
            ...(graph.rightLabel ? { right: { min: 0, label: graph.rightLabel } } : {}),
          },
        },
      });
    });
    if (graphs.length > 0) y += GRAPH_HEIGHT;
  }
  return JSON.stringify({ start: '-PT3H', periodOverride: 'inherit', widgets });
}

/** Console address of a dashboard (monitor.sh prints the same). */
export function dashboardUrl(region: string, dashboardName: string): string {
  return `https://${region}.console.aws.amazon.com/cloudwatch/home?region=${region}#dashboards/dashboard/${dashboardName}`;
}

export interface PlatformDashboardProps {
  readonly context: PlatformContext;
  readonly components: ObservedComponents;
  /** Alarm ARNs for the status widget. @default no status widget */
  readonly alarmArns?: readonly string[];
}

/** The region's operations dashboard: one CloudWatch dashboard per regional stack. */
export class PlatformDashboard extends Construct {
  readonly dashboard: CloudwatchDashboard;
  readonly dashboardName: string;
  private readonly region: string;

  constructor(scope: Construct, id: string, props: PlatformDashboardProps) {
    super(scope, id);
    const { context } = props;
    this.region = context.region;
    this.dashboardName = context.naming.regional('operations', context.region);
    this.dashboard = new CloudwatchDashboard(this, 'dashboard', {
      dashboardName: this.dashboardName,
      dashboardBody: dashboardBody({
        title: `${context.naming.prefix} ${context.role} (${context.region})`,
        region: context.region,
        components: observedNames(props.components),
        thresholds: context.config.observability.alarms,
        alarmArns: props.alarmArns,
      }),
    });
  }

  get url(): string {
    return dashboardUrl(this.region, this.dashboardName);
  }
}
