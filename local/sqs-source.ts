/**
 * The SQS event source mapping for the warehouse loader's queue: `maxConcurrency` pollers each
 * receive up to `batchSize` messages, invoke the handler with an SQS event, delete what succeeded
 * (ReportBatchItemFailures: everything not listed) and make the failed messages visible again at
 * once (the service waits for the visibility timeout; the local run does not, to stay fast).
 * The queue's redrive policy (moto applies it) parks a message after maxReceiveCount receives.
 */
import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  type Message,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { SQSEvent } from 'aws-lambda';
import type { InvocationOutcome } from './event-source-mapping';

export interface SqsSourceOptions {
  readonly client: SQSClient;
  readonly queueUrl: string;
  readonly queueArn: string;
  readonly region: string;
  readonly batchSize: number;
  readonly maxConcurrency: number;
  readonly invoke: (event: SQSEvent) => Promise<InvocationOutcome>;
  /** True once nothing upstream can still send to the queue. */
  readonly upstreamDone: () => boolean;
  readonly onBatch?: (messages: number, failed: number) => void;
}

export interface SqsSourceStats {
  invocations: number;
  messages: number;
  failedMessages: number;
  functionErrors: number;
}

export function sqsEvent(messages: readonly Message[], queueArn: string, region: string): SQSEvent {
  return {
    Records: messages.map((m) => ({
      messageId: m.MessageId!,
      receiptHandle: m.ReceiptHandle!,
      body: m.Body ?? '',
      attributes: {
        ApproximateReceiveCount: m.Attributes?.ApproximateReceiveCount ?? '1',
        SentTimestamp: m.Attributes?.SentTimestamp ?? String(Date.now()),
        SenderId: m.Attributes?.SenderId ?? 'local',
        ApproximateFirstReceiveTimestamp: m.Attributes?.ApproximateFirstReceiveTimestamp ?? String(Date.now()),
      },
      messageAttributes: {},
      md5OfBody: m.MD5OfBody ?? '',
      eventSource: 'aws:sqs',
      eventSourceARN: queueArn,
      awsRegion: region,
    })),
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function queueEmpty(o: SqsSourceOptions): Promise<boolean> {
  const a = await o.client.send(
    new GetQueueAttributesCommand({ QueueUrl: o.queueUrl, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }),
  );
  return Number(a.Attributes?.ApproximateNumberOfMessages ?? 0) + Number(a.Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0) === 0;
}

/** Polls until upstream is done and the queue is empty; resolves with the counters. */
export async function consumeQueue(o: SqsSourceOptions): Promise<SqsSourceStats> {
  const stats: SqsSourceStats = { invocations: 0, messages: 0, failedMessages: 0, functionErrors: 0 };
  const worker = async () => {
    for (;;) {
      const doneBefore = o.upstreamDone();
      const received = await o.client.send(
        new ReceiveMessageCommand({ QueueUrl: o.queueUrl, MaxNumberOfMessages: o.batchSize, WaitTimeSeconds: 0, MessageSystemAttributeNames: ['All'] }),
      );
      const messages = received.Messages ?? [];
      if (messages.length === 0) {
        if (doneBefore && (await queueEmpty(o))) return;
        await sleep(50);
        continue;
      }
      stats.invocations++;
      stats.messages += messages.length;
      const outcome = await o.invoke(sqsEvent(messages, o.queueArn, o.region));
      let failedIds: Set<string>;
      if (outcome.kind === 'error') {
        stats.functionErrors++;
        failedIds = new Set(messages.map((m) => m.MessageId!));
      } else {
        const failures = (outcome.response as { batchItemFailures?: { itemIdentifier?: string }[] } | undefined)?.batchItemFailures ?? [];
        failedIds = new Set(failures.map((f) => f.itemIdentifier ?? ''));
        // An identifier that is not a message of the batch makes Lambda treat the whole batch as failed.
        if ([...failedIds].some((id) => !messages.some((m) => m.MessageId === id))) failedIds = new Set(messages.map((m) => m.MessageId!));
      }
      const done = messages.filter((m) => !failedIds.has(m.MessageId!));
      const failed = messages.filter((m) => failedIds.has(m.MessageId!));
      stats.failedMessages += failed.length;
      if (done.length > 0) {
        await o.client.send(
          new DeleteMessageBatchCommand({ QueueUrl: o.queueUrl, Entries: done.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! })) }),
        );
      }
      if (failed.length > 0) {
        await o.client.send(
          new ChangeMessageVisibilityBatchCommand({
            QueueUrl: o.queueUrl,
            Entries: failed.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle!, VisibilityTimeout: 0 })),
          }),
        );
      }
      o.onBatch?.(messages.length, failed.length);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, o.maxConcurrency) }, worker));
  return stats;
}
