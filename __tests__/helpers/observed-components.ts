/** One component of every kind the observability constructs watch, for alarm and dashboard tests. */
import { type ObservedNames, type PlatformMetricsSpec, streamProcessorMetrics } from '../../stacks/constructs/observed-components';

export function everyObservedComponent(platformMetrics: PlatformMetricsSpec = streamProcessorMetrics('stream-processor')): ObservedNames {
  return {
    streamName: 'events',
    functions: [
      { label: 'stream-processor', functionName: 'proc-fn', timeoutSeconds: 120 },
      { label: 'ml-inference', functionName: 'infer-fn', timeoutSeconds: 29 },
    ],
    deadLetterQueues: [{ label: 'processor-dlq', queueName: 'proc-dlq' }],
    endpoint: { endpointName: 'scoring', variantNames: ['champion', 'challenger'] },
    clusterIdentifier: 'warehouse-1',
    api: { apiId: 'abc123', stage: '$default' },
    replication: { sourceBucket: 'lake-primary', destinationBucket: 'lake-dr', ruleId: 'lake-to-dr' },
    platformMetrics,
    rawArchiveName: 'raw-archive',
  };
}
