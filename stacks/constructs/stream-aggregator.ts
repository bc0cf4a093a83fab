import { LambdaEventSourceMapping } from '@cdktf/provider-aws/lib/lambda-event-source-mapping';
import { Construct } from 'constructs';
import { LAKE_PREFIXES } from '../../functions/shared/lake-layout';
import { STATE_PREFIX, ALERTS_PREFIX } from '../../functions/stream-aggregator/keys';
import { ENV } from '../../functions/stream-aggregator/config';
import { AGGREGATOR_SERVICE } from '../../functions/stream-aggregator/metric-names';
import { WINDOW_SECONDS } from '../../functions/stream-aggregator/aggregator';
import type { PlatformContext } from '../platform-context';
import type { AlertTopic } from './alerting';
import type { DataLake } from './data-lake';
import type { PlatformKey } from './encryption';
import type { IngestionStream } from './ingestion-stream';
import type { Network } from './network';
import { SecureQueue } from './secure-queue';
import { TypescriptFunction } from './typescript-function';
import type { FunctionCodeSigning } from './code-signing';

/**
 * Seconds the event source mapping gathers records before an invocation. Results do not wait for
 * it (the final invocation comes when the window closes); it only trades invocations for batch
 * size: about 7 invocations per minute per shard instead of up to 60.
 */
export const AGGREGATOR_BATCHING_WINDOW_SECONDS = 10;

export interface StreamAggregatorProps {
  readonly context: PlatformContext;
  readonly platformKey: PlatformKey;
  readonly network: Network;
  /** Sign the function's code and enforce it (config.observability.lambdaCodeSigning). @default unsigned code */
  readonly codeSigning?: FunctionCodeSigning;
  /** The ingestion stream; the aggregator is a second event source mapping on it, beside the stream processor's. */
  readonly stream: IngestionStream;
  /** The region's lake: the aggregator writes under its aggregates/ prefix only. */
  readonly dataLake: DataLake;
  /** Receives the threshold-rule alerts (the region's alert topic). */
  readonly alertTopic: AlertTopic;
}

/**
 * Real-time aggregates: a Lambda function on a second event source mapping of the
 * ingestion stream with one-minute tumbling windows. Each shard's window state travels between
 * invocations; at the end of a window its rows go to the lake's aggregates/ prefix under a key
 * fixed by (window, shard, first sequence number), the shard's hour roll-up absorbs it unless it
 * already holds it, and hours are judged against config.aggregates' rules once all shards moved
 * on. See docs/data-flow.md for why Lambda windows and not Managed Service for Apache Flink.
 */
export class StreamAggregator extends Construct {
  readonly function: TypescriptFunction;
  readonly eventSourceMapping: LambdaEventSourceMapping;
  /** Metadata of every window whose records exhausted the retries (KMS, TLS-only, kept 14 days). */
  readonly onFailureQueue: SecureQueue;

  constructor(scope: Construct, id: string, props: StreamAggregatorProps) {
    super(scope, id);
    const { context, platformKey, network, stream, dataLake } = props;
    const { config, naming, region } = context;
    const settings = config.aggregates;

    this.onFailureQueue = new SecureQueue(this, 'on-failure', {
      queueName: naming.regional('stream-aggregator-failed', region),
      platformKey,
      formerPolicyId: 'on-failure-policy',
    });

    const lake = dataLake.lake;
    this.function = new TypescriptFunction(this, 'function', {
      context,
      codeSigning: props.codeSigning,
      platformKey,
      network,
      entry: 'stream-aggregator',
      service: AGGREGATOR_SERVICE,
      description: 'Per-minute and per-hour windowed aggregates of the ingestion stream, threshold alerts',
      memoryMb: settings.memoryMb,
      timeoutSeconds: settings.timeoutSeconds,
      reservedConcurrency: settings.reservedConcurrency,
      environment: {
        [ENV.lakeBucket]: lake.name,
        [ENV.lakeKmsKeyArn]: platformKey.arn,
        [ENV.alertTopicArn]: props.alertTopic.arn,
        [ENV.minConversionRate]: String(settings.minConversionRate),
        [ENV.maxTrafficDropRatio]: String(settings.maxTrafficDropRatio),
        [ENV.ruleMinEvents]: String(settings.ruleMinEvents),
        [ENV.platformName]: naming.prefix,
      },
      policyStatements: [
        stream.grantConsume('ReadIngestionStream'),
        lake.grantWrite('WriteAggregates', `${LAKE_PREFIXES.aggregates}*`),
        // GetObject also answers HeadObject; only the roll-up state and the alert claims are read back.
        lake.grantRead('ReadRollupsAndClaims', [`${STATE_PREFIX}*`, `${ALERTS_PREFIX}*`]),
        lake.grantList('ListRollups', [STATE_PREFIX]),
        // A claim is given back when the alert could not be sent, so the retry sends it.
        lake.grantDelete('ReleaseAlertClaims', `${ALERTS_PREFIX}*`),
        this.onFailureQueue.grantSend('OnFailureDestination'),
        props.alertTopic.grantPublish('PublishAlerts'),
      ],
    });

    this.eventSourceMapping = new LambdaEventSourceMapping(this, 'stream-source', {
      eventSourceArn: stream.arn,
      functionName: this.function.arn,
      // Aggregates describe the stream from now on; replaying a week of retention on first deploy would only delay them.
      startingPosition: 'LATEST',
      batchSize: settings.batchSize,
      maximumBatchingWindowInSeconds: AGGREGATOR_BATCHING_WINDOW_SECONDS,
      tumblingWindowInSeconds: WINDOW_SECONDS,
      // One batch per shard at a time: the window state and the hour roll-up object are per shard.
      parallelizationFactor: 1,
      bisectBatchOnFunctionError: true,
      maximumRetryAttempts: settings.maximumRetryAttempts,
      maximumRecordAgeInSeconds: settings.maximumRecordAgeSeconds,
      destinationConfig: { onFailure: { destinationArn: this.onFailureQueue.arn } },
      dependsOn: [this.function.function],
    });
  }
}
