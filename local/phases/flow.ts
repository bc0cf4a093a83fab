/**
 * Phases "produce", "consume" and "load", which run at once as they do in AWS: the producer sends
 * generated events to the stream, the stream processor's event source mapping reads them while
 * they are still being sent, and the loader's SQS source loads each lake object the processor
 * writes. They share one `Traffic` record: the events, the progress counters and the milestones.
 */
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import type { KinesisStreamEvent, SQSEvent } from 'aws-lambda';
import { createPrng, generateEvents, type GeneratedRecord } from '../../functions/shared/generator';
import { sendRecords, type SendSummary } from '../../functions/shared/producer';
import type { InvocationOutcome } from '../event-source-mapping';
import { consumeStream } from '../kinesis-source';
import { functionArn, invokeLocal } from '../lambda-runtime';
import { consumeQueue, type SqsSourceStats } from '../sqs-source';
import type { LocalResources } from './create-resources';
import type { LocalFunctions } from './functions';
import type { RunUi, LocalRun } from './run-context';
import type { StartedStandins } from './start-standins';

const HOUR_MS = 3_600_000;

export interface Traffic {
  readonly generated: GeneratedRecord[];
  readonly rawBytes: number;
  /** performance.now() when the producer started: the milestones count from here. */
  readonly started: number;
  sent: number;
  processed: number;
  objectsLoaded: number;
  producerDone: boolean;
  streamDone: boolean;
  readonly processorLatency: number[];
  readonly loaderLatency: number[];
  replayedInvocations: number;
  replayedRecords: number;
  onFailureRecords: number;
  streamDrainedSeconds: number;
  warehouseLoadedSeconds: number;
}

export type StreamResult = Awaited<ReturnType<typeof consumeStream>>;

/** The events of the run, with event times over the last 24 hours as a live producer's would be: the saved queries look at recent partitions. */
export function generateTraffic(run: LocalRun): Traffic {
  const { options } = run;
  const startTime = Math.floor(Date.now() / HOUR_MS) * HOUR_MS - 24 * HOUR_MS;
  const generated = generateEvents({ seed: options.seed, count: options.events, malformedShare: options.malformedShare, startTime, spanHours: 24 });
  return {
    generated,
    rawBytes: generated.reduce((s, r) => s + r.data.byteLength, 0),
    started: performance.now(),
    sent: 0,
    processed: 0,
    objectsLoaded: 0,
    producerDone: false,
    streamDone: false,
    processorLatency: [],
    loaderLatency: [],
    replayedInvocations: 0,
    replayedRecords: 0,
    onFailureRecords: 0,
    streamDrainedSeconds: 0,
    warehouseLoadedSeconds: 0,
  };
}

/** Runs `work` with the progress line refreshed every 250 ms. */
export async function withProgress<T>(run: LocalRun, traffic: Traffic, work: () => Promise<T>): Promise<T> {
  const total = run.options.events.toLocaleString('en-US');
  const progress = setInterval(
    () =>
      run.ui.status(
        `sent ${traffic.sent.toLocaleString('en-US')}/${total} · processed ${traffic.processed.toLocaleString('en-US')} · warehouse loads ${traffic.objectsLoaded}`,
      ),
    250,
  );
  try {
    return await work();
  } finally {
    clearInterval(progress);
  }
}

/** The producer helper with its defaults (4 PutRecords calls in flight, retries of failed entries), as a real producer runs it. */
export function produce(run: LocalRun, aws: StartedStandins, traffic: Traffic): Promise<SendSummary> {
  return sendRecords(aws.kinesis, traffic.generated, { stream: run.platform.streamName, onProgress: (s) => (traffic.sent = s.sent) }).finally(
    () => (traffic.producerDone = true),
  );
}

/** The stream processor behind its event source mapping, one poller per shard, until the producer is done and the stream drained. */
export function consume(run: LocalRun, aws: StartedStandins, resources: LocalResources, functions: LocalFunctions, traffic: Traffic): Promise<StreamResult> {
  const { platform: p, options } = run;
  const replayRandom = createPrng(options.seed ^ 0x5eed);
  const invokeProcessor = async (event: KinesisStreamEvent): Promise<InvocationOutcome> => {
    const { outcome, durationMs } = await invokeLocal(functions.processor.fn, functions.processor.handler, event);
    traffic.processorLatency.push(durationMs);
    // Fault injection: the handler ran (and wrote), but its response never reached the event
    // source mapping, as after a timeout at the very end: Lambda delivers the batch again.
    // The first successful invocation is always replayed (when replays are on), so even a short run proves idempotency.
    if (outcome.kind === 'response' && options.replayShare > 0 && (traffic.replayedInvocations === 0 || replayRandom() < options.replayShare)) {
      traffic.replayedInvocations++;
      traffic.replayedRecords += event.Records.length;
      return { kind: 'error', error: new Error('injected: response lost after the handler ran') };
    }
    return outcome;
  };
  return consumeStream({
    client: aws.kinesis,
    streamName: p.streamName,
    streamArn: resources.streamArn,
    region: p.region,
    functionArn: functionArn(functions.processor.fn),
    mapping: p.processor.mapping,
    invoke: (event) => invokeProcessor(event),
    onFailure: async (message, records) => {
      traffic.onFailureRecords += records.length;
      await aws.sqs.send(new SendMessageCommand({ QueueUrl: resources.processorDlqUrl, MessageBody: JSON.stringify(message) }));
    },
    producerDone: () => traffic.producerDone,
    onProgress: (n) => (traffic.processed += n),
  }).finally(() => {
    traffic.streamDone = true;
    traffic.streamDrainedSeconds = Math.round(performance.now() - traffic.started) / 1000;
  });
}

function loadQueue(
  run: LocalRun,
  aws: StartedStandins,
  resources: LocalResources,
  functions: LocalFunctions,
  traffic: Traffic,
  upstreamDone: () => boolean,
): Promise<SqsSourceStats> {
  const { platform: p } = run;
  return consumeQueue({
    client: aws.sqs,
    queueUrl: resources.loaderQueueUrl,
    queueArn: resources.loaderQueueArn,
    region: p.region,
    batchSize: p.loader.batchSize,
    maxConcurrency: p.loader.maxConcurrency,
    invoke: async (event: SQSEvent) => {
      const { outcome, durationMs } = await invokeLocal(functions.loader.fn, functions.loader.handler, event);
      traffic.loaderLatency.push(durationMs);
      return outcome;
    },
    onBatch: (messages: number, failed: number) => (traffic.objectsLoaded += messages - failed),
    upstreamDone,
  });
}

/** The warehouse loader behind its SQS event source mapping, until the stream is drained and the queue empty. */
export function load(run: LocalRun, aws: StartedStandins, resources: LocalResources, functions: LocalFunctions, traffic: Traffic): Promise<SqsSourceStats> {
  return loadQueue(run, aws, resources, functions, traffic, () => traffic.streamDone).finally(() => {
    traffic.warehouseLoadedSeconds = Math.round(performance.now() - traffic.started) / 1000;
  });
}

/** The loader again, until the queue is empty: the prediction log's objects arrive after the stream drained. */
export function loadRemaining(
  run: LocalRun,
  aws: StartedStandins,
  resources: LocalResources,
  functions: LocalFunctions,
  traffic: Traffic,
): Promise<SqsSourceStats> {
  return loadQueue(run, aws, resources, functions, traffic, () => true);
}

export function noteMilestones(ui: RunUi, traffic: Traffic, stream: StreamResult): void {
  ui.note(
    `stream drained after ${traffic.streamDrainedSeconds.toFixed(1)} s (${stream.recordsRead.toLocaleString('en-US')} records, ${stream.stats.invocations} invocations, ${traffic.replayedInvocations} replayed); warehouse loaded after ${traffic.warehouseLoadedSeconds.toFixed(1)} s`,
  );
}
