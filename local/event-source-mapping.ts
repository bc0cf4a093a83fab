/**
 * The Lambda event source mapping for a Kinesis shard, as a pure state machine: what batches the
 * function sees, in which order, and what happens to a record when an invocation fails. No I/O:
 * the caller supplies the records, the invoke function and the on-failure sink, so every rule
 * below is unit-tested in __tests__/local/event-source-mapping.test.ts.
 *
 * Rules (Lambda developer guide, "Using Lambda with Kinesis" and "ReportBatchItemFailures"):
 * - a shard is processed in order, one batch at a time (parallelization factor 1 per shard);
 *   a batch holds at most `batchSize` records;
 * - success with `batchItemFailures`: records before the lowest reported sequence number are
 *   checkpointed; the batch is retried from that record (with bisect on, the retried batch is
 *   exactly the remainder). An identifier that is empty, null or not in the batch makes the whole
 *   batch a failure, as Lambda treats such a response;
 * - a function error (throw, timeout, crash): with `bisectBatchOnFunctionError` a batch of two or
 *   more records is split in two halves that are retried in order; splitting does not consume a
 *   retry attempt. Without bisect the same batch is retried;
 * - a batch whose retries are exhausted (`maximumRetryAttempts`), or whose oldest record is older
 *   than `maximumRecordAgeSeconds`, goes to the on-failure destination as a batch-info message
 *   (shard, first/last sequence number, size: the records themselves stay on the stream) and the
 *   checkpoint moves past it.
 */

export interface ShardRecord {
  readonly sequenceNumber: string;
  readonly partitionKey: string;
  readonly data: Uint8Array;
  /** Epoch seconds (Kinesis' ApproximateArrivalTimestamp). */
  readonly approximateArrivalTimestamp: number;
}

export interface EventSourceMappingSettings {
  readonly batchSize: number;
  readonly bisectBatchOnFunctionError: boolean;
  /** Retries after the first attempt; -1 = until the record expires (the platform never uses it). */
  readonly maximumRetryAttempts: number;
  /** -1 = no limit. */
  readonly maximumRecordAgeSeconds: number;
  /** FunctionResponseTypes includes ReportBatchItemFailures. */
  readonly reportBatchItemFailures: boolean;
}

/** What one invocation returned, as the poller sees it. */
export type InvocationOutcome = { readonly kind: 'response'; readonly response: unknown } | { readonly kind: 'error'; readonly error: unknown };

export type FailureCondition = 'RetryAttemptsExhausted' | 'RecordAgeExceeded';

/** The on-failure destination message for a Kinesis source (its `KinesisBatchInfo` part and context). */
export interface OnFailureMessage {
  readonly version: '1.0';
  readonly timestamp: string;
  readonly requestContext: { readonly condition: FailureCondition; readonly approximateInvokeCount: number; readonly functionArn: string };
  readonly responseContext: { readonly statusCode: number; readonly executedVersion: '$LATEST'; readonly functionError?: string };
  readonly KinesisBatchInfo: {
    readonly shardId: string;
    readonly startSequenceNumber: string;
    readonly endSequenceNumber: string;
    readonly approximateArrivalOfFirstRecord: string;
    readonly approximateArrivalOfLastRecord: string;
    readonly batchSize: number;
    readonly streamArn: string;
  };
}

export interface ShardContext {
  readonly shardId: string;
  readonly streamArn: string;
  readonly functionArn: string;
}

export interface MappingDeps {
  readonly invoke: (batch: readonly ShardRecord[]) => Promise<InvocationOutcome>;
  readonly onFailure: (message: OnFailureMessage, records: readonly ShardRecord[]) => Promise<void>;
  /** Epoch ms. */
  readonly now: () => number;
}

/** Counters of one shard (or, summed, of the whole mapping). */
export interface MappingStats {
  invocations: number;
  /** Records handed to the function, retries included. */
  recordsDelivered: number;
  /** Records delivered again after a failure (partial or whole-batch). */
  recordsRetried: number;
  partialFailures: number;
  functionErrors: number;
  invalidResponses: number;
  bisections: number;
  /** Records sent to the on-failure destination (as batch info). */
  recordsToOnFailure: number;
  onFailureMessages: number;
}

export function emptyStats(): MappingStats {
  return {
    invocations: 0,
    recordsDelivered: 0,
    recordsRetried: 0,
    partialFailures: 0,
    functionErrors: 0,
    invalidResponses: 0,
    bisections: 0,
    recordsToOnFailure: 0,
    onFailureMessages: 0,
  };
}

export function addStats(into: MappingStats, from: MappingStats): MappingStats {
  for (const k of Object.keys(into) as (keyof MappingStats)[]) into[k] += from[k];
  return into;
}

/** Kinesis sequence numbers are decimal strings of varying length. */
export function compareSequenceNumbers(a: string, b: string): number {
  return a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);
}

export type ResponseVerdict =
  { readonly kind: 'success' } | { readonly kind: 'partial'; readonly retryFromIndex: number } | { readonly kind: 'invalid'; readonly reason: string };

/**
 * Interprets a function response for a batch. Without ReportBatchItemFailures any response is a
 * success. With it: null/undefined/no list/empty list = success; otherwise every identifier must
 * be a non-empty sequence number of the batch, and the batch resumes at the lowest one.
 */
export function interpretResponse(response: unknown, batch: readonly ShardRecord[], reportBatchItemFailures: boolean): ResponseVerdict {
  if (!reportBatchItemFailures || response === null || response === undefined || typeof response !== 'object') return { kind: 'success' };
  const failures = (response as { batchItemFailures?: unknown }).batchItemFailures;
  if (failures === undefined || failures === null) return { kind: 'success' };
  if (!Array.isArray(failures)) return { kind: 'invalid', reason: 'batchItemFailures is not an array' };
  if (failures.length === 0) return { kind: 'success' };
  let lowest = -1;
  for (const f of failures) {
    const id = (f as { itemIdentifier?: unknown } | null)?.itemIdentifier;
    if (typeof id !== 'string' || id === '') return { kind: 'invalid', reason: `itemIdentifier ${JSON.stringify(id)} is empty or not a string` };
    const index = batch.findIndex((r) => r.sequenceNumber === id);
    if (index < 0) return { kind: 'invalid', reason: `itemIdentifier ${id} is not a sequence number of this batch` };
    if (lowest < 0 || index < lowest) lowest = index;
  }
  return { kind: 'partial', retryFromIndex: lowest };
}

interface PendingBatch {
  readonly records: readonly ShardRecord[];
  /** Retries already made of (a superset of) this batch. */
  readonly retries: number;
  /** Invocations that included these records (approximateInvokeCount). */
  readonly invokeCount: number;
  /** True once these records were delivered before (for the retried counter). */
  readonly redelivery: boolean;
}

/**
 * Delivers `records` (consecutive records of one shard, in order) through the mapping. Resolves
 * when every record is either processed or sent to the on-failure destination; the returned
 * checkpoint is the last sequence number handled.
 */
export async function deliverShardRecords(
  records: readonly ShardRecord[],
  settings: EventSourceMappingSettings,
  shard: ShardContext,
  deps: MappingDeps,
): Promise<{ stats: MappingStats; checkpoint: string | undefined }> {
  if (!Number.isInteger(settings.batchSize) || settings.batchSize < 1) throw new RangeError(`batchSize must be a positive integer, got ${settings.batchSize}`);
  const stats = emptyStats();
  let checkpoint: string | undefined;

  for (let start = 0; start < records.length; start += settings.batchSize) {
    const queue: PendingBatch[] = [{ records: records.slice(start, start + settings.batchSize), retries: 0, invokeCount: 0, redelivery: false }];
    while (queue.length > 0) {
      const item = queue.shift()!;
      const batch = item.records;
      const oldestMs = batch[0]!.approximateArrivalTimestamp * 1000;
      if (settings.maximumRecordAgeSeconds >= 0 && deps.now() - oldestMs > settings.maximumRecordAgeSeconds * 1000) {
        await sendToOnFailure(batch, 'RecordAgeExceeded', item, shard, deps, stats);
        checkpoint = batch[batch.length - 1]!.sequenceNumber;
        continue;
      }

      stats.invocations++;
      stats.recordsDelivered += batch.length;
      if (item.redelivery) stats.recordsRetried += batch.length;
      const outcome = await deps.invoke(batch);
      const invokeCount = item.invokeCount + 1;

      let failedFrom: number;
      let functionError: boolean;
      if (outcome.kind === 'response') {
        const verdict = interpretResponse(outcome.response, batch, settings.reportBatchItemFailures);
        if (verdict.kind === 'success') {
          checkpoint = batch[batch.length - 1]!.sequenceNumber;
          continue;
        }
        if (verdict.kind === 'partial') {
          stats.partialFailures++;
          failedFrom = verdict.retryFromIndex;
          functionError = false;
          if (failedFrom > 0) checkpoint = batch[failedFrom - 1]!.sequenceNumber;
        } else {
          stats.invalidResponses++;
          failedFrom = 0;
          functionError = true;
        }
      } else {
        stats.functionErrors++;
        failedFrom = 0;
        functionError = true;
      }

      const remaining = batch.slice(failedFrom);
      const exhausted = settings.maximumRetryAttempts >= 0 && item.retries >= settings.maximumRetryAttempts;
      if (functionError && settings.bisectBatchOnFunctionError && remaining.length > 1) {
        // Bisecting does not use up a retry: the halves keep the batch's retry count.
        stats.bisections++;
        const mid = Math.ceil(remaining.length / 2);
        queue.unshift(
          { records: remaining.slice(0, mid), retries: item.retries, invokeCount, redelivery: true },
          { records: remaining.slice(mid), retries: item.retries, invokeCount, redelivery: true },
        );
        continue;
      }
      if (exhausted) {
        await sendToOnFailure(remaining, 'RetryAttemptsExhausted', { ...item, invokeCount }, shard, deps, stats, functionError);
        checkpoint = remaining[remaining.length - 1]!.sequenceNumber;
        continue;
      }
      queue.unshift({ records: remaining, retries: item.retries + 1, invokeCount, redelivery: true });
    }
  }
  return { stats, checkpoint };
}

async function sendToOnFailure(
  batch: readonly ShardRecord[],
  condition: FailureCondition,
  item: PendingBatch,
  shard: ShardContext,
  deps: MappingDeps,
  stats: MappingStats,
  functionError = false,
): Promise<void> {
  const first = batch[0]!;
  const last = batch[batch.length - 1]!;
  const message: OnFailureMessage = {
    version: '1.0',
    timestamp: new Date(deps.now()).toISOString(),
    requestContext: { condition, approximateInvokeCount: item.invokeCount, functionArn: shard.functionArn },
    responseContext: { statusCode: 200, executedVersion: '$LATEST', ...(functionError ? { functionError: 'Unhandled' } : {}) },
    KinesisBatchInfo: {
      shardId: shard.shardId,
      startSequenceNumber: first.sequenceNumber,
      endSequenceNumber: last.sequenceNumber,
      approximateArrivalOfFirstRecord: new Date(first.approximateArrivalTimestamp * 1000).toISOString(),
      approximateArrivalOfLastRecord: new Date(last.approximateArrivalTimestamp * 1000).toISOString(),
      batchSize: batch.length,
      streamArn: shard.streamArn,
    },
  };
  await deps.onFailure(message, batch);
  stats.recordsToOnFailure += batch.length;
  stats.onFailureMessages++;
}
