/**
 * Reliable PutRecords sender: batches to the Kinesis service limits and retries only
 * the entries that failed, with exponential backoff and full jitter.
 *
 * Producers must use the event's `user_id` as the partition key (PRODUCER_PARTITION_KEY_FIELD):
 * it keeps one user's events ordered on one shard. Records without a usable user_id
 * (malformed ones) use a random key prefixed PARTITION_KEY_FALLBACK_PREFIX (see generator.ts),
 * which spreads them over shards; the stream processor quarantines them anyway.
 */
import { GetParameterCommand, type SSMClient } from '@aws-sdk/client-ssm';
import { PutRecordsCommand, type KinesisClient, type PutRecordsRequestEntry } from '@aws-sdk/client-kinesis';

/** Service limits of one PutRecords call (data + partition key bytes count towards the sizes). */
export const PUT_RECORDS_LIMITS = {
  maxRecords: 500,
  maxRequestBytes: 5 * 1024 * 1024,
  maxRecordBytes: 1024 * 1024,
} as const;

export interface ProducerRecord {
  readonly data: Uint8Array;
  readonly partitionKey: string;
}

export interface BatchLimits {
  readonly maxRecords: number;
  readonly maxRequestBytes: number;
  readonly maxRecordBytes: number;
}

/** Bytes a record counts for against the limits: payload plus UTF-8 partition key. */
export function recordBytes(r: ProducerRecord): number {
  return r.data.byteLength + Buffer.byteLength(r.partitionKey, 'utf8');
}

/**
 * Splits record indices into consecutive batches within the limits, preserving order
 * (per-partition-key order on the stream follows call order). Records above
 * maxRecordBytes are returned in `tooLarge` instead: the service would reject them.
 */
export function planBatches(
  records: readonly ProducerRecord[],
  indices: readonly number[],
  limits: BatchLimits = PUT_RECORDS_LIMITS,
): { batches: number[][]; tooLarge: number[] } {
  const batches: number[][] = [];
  const tooLarge: number[] = [];
  let current: number[] = [];
  let bytes = 0;
  for (const i of indices) {
    const size = recordBytes(records[i]!);
    if (size > limits.maxRecordBytes) {
      tooLarge.push(i);
      continue;
    }
    if (current.length > 0 && (current.length >= limits.maxRecords || bytes + size > limits.maxRequestBytes)) {
      batches.push(current);
      current = [];
      bytes = 0;
    }
    current.push(i);
    bytes += size;
  }
  if (current.length > 0) batches.push(current);
  return { batches, tooLarge };
}

export interface SendOptions {
  /** Stream name or ARN (ARN preferred for cross-account / explicit region). */
  readonly stream: string;
  /** Total attempts per record, first included. Default 6. */
  readonly maxAttempts?: number;
  /** Backoff base: attempt n waits random(0, min(maxDelayMs, baseDelayMs * 2^n)). Default 100 ms. */
  readonly baseDelayMs?: number;
  /** Default 5,000 ms. */
  readonly maxDelayMs?: number;
  /** PutRecords calls in flight at once. Default 4. */
  readonly concurrency?: number;
  readonly limits?: BatchLimits;
  /** Injected for tests. */
  readonly sleep?: (ms: number) => Promise<void>;
  readonly random?: () => number;
  /** Called after every call with the running totals. */
  readonly onProgress?: (p: { sent: number; pending: number; failed: number }) => void;
}

export interface FailedRecord {
  readonly index: number;
  readonly errorCode: string;
  readonly errorMessage: string;
}

export interface SendSummary {
  readonly total: number;
  readonly sent: number;
  /** Records still failing after maxAttempts (or too large to send at all). */
  readonly failed: readonly FailedRecord[];
  /** PutRecords calls made. */
  readonly calls: number;
  /** Entries re-sent after a failure. */
  readonly retriedEntries: number;
  /** Shard that accepted each sent record (by input index); used by local replays and tests. */
  readonly shardOf: ReadonlyMap<number, string>;
}

/** Call-level errors that no retry fixes: the caller's configuration is wrong. */
const NON_RETRYABLE_ERRORS = new Set([
  'ResourceNotFoundException',
  'ValidationException',
  'AccessDeniedException',
  'InvalidArgumentException',
  'KMSAccessDeniedException',
  'KMSDisabledException',
  'KMSNotFoundException',
  'KMSInvalidStateException',
  'UnrecognizedClientException',
]);

export class ProducerConfigurationError extends Error {
  constructor(
    message: string,
    readonly cause: unknown,
  ) {
    super(message);
    this.name = 'ProducerConfigurationError';
  }
}

const defaultSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Sends every record, retrying failed entries only; resolves with what happened to each. */
export async function sendRecords(client: KinesisClient, records: readonly ProducerRecord[], options: SendOptions): Promise<SendSummary> {
  const maxAttempts = options.maxAttempts ?? 6;
  const baseDelay = options.baseDelayMs ?? 100;
  const maxDelay = options.maxDelayMs ?? 5_000;
  const concurrency = Math.max(1, options.concurrency ?? 4);
  const sleep = options.sleep ?? defaultSleep;
  const random = options.random ?? Math.random;
  const isArn = options.stream.startsWith('arn:');

  const shardOf = new Map<number, string>();
  const failed: FailedRecord[] = [];
  let calls = 0;
  let retriedEntries = 0;
  let pending: number[] = records.map((_, i) => i);
  const lastError = new Map<number, { code: string; message: string }>();

  for (let attempt = 0; attempt < maxAttempts && pending.length > 0; attempt++) {
    if (attempt > 0) {
      retriedEntries += pending.length;
      await sleep(random() * Math.min(maxDelay, baseDelay * 2 ** attempt));
    }
    const { batches, tooLarge } = planBatches(records, pending, options.limits);
    for (const i of tooLarge) {
      failed.push({
        index: i,
        errorCode: 'RecordTooLarge',
        errorMessage: `${recordBytes(records[i]!)} bytes exceeds the ${(options.limits ?? PUT_RECORDS_LIMITS).maxRecordBytes}-byte record limit`,
      });
    }
    const nextPending: number[] = [];
    let cursor = 0;
    const worker = async () => {
      while (cursor < batches.length) {
        const batch = batches[cursor++]!;
        const entries: PutRecordsRequestEntry[] = batch.map((i) => ({ Data: records[i]!.data, PartitionKey: records[i]!.partitionKey }));
        calls++;
        try {
          const out = await client.send(
            new PutRecordsCommand(isArn ? { StreamARN: options.stream, Records: entries } : { StreamName: options.stream, Records: entries }),
          );
          const results = out.Records ?? [];
          batch.forEach((idx, j) => {
            const r = results[j];
            if (r && !r.ErrorCode && r.SequenceNumber) {
              shardOf.set(idx, r.ShardId ?? '');
            } else {
              nextPending.push(idx);
              lastError.set(idx, { code: r?.ErrorCode ?? 'MissingResult', message: r?.ErrorMessage ?? 'no result entry returned for this record' });
            }
          });
        } catch (e) {
          const name = (e as Error).name;
          if (NON_RETRYABLE_ERRORS.has(name)) {
            throw new ProducerConfigurationError(`PutRecords to ${options.stream} failed with ${name}: ${(e as Error).message}`, e);
          }
          for (const idx of batch) {
            nextPending.push(idx);
            lastError.set(idx, { code: name || 'Error', message: (e as Error).message });
          }
        }
        options.onProgress?.({ sent: shardOf.size, pending: batches.length - cursor, failed: failed.length });
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, batches.length) }, worker));
    // Workers finish out of order; restore input order so retried records keep their relative order.
    pending = nextPending.sort((a, b) => a - b);
  }
  for (const i of pending) {
    const err = lastError.get(i)!;
    failed.push({ index: i, errorCode: err.code, errorMessage: err.message });
  }
  failed.sort((a, b) => a.index - b.index);
  return { total: records.length, sent: shardOf.size, failed, calls, retriedEntries, shardOf };
}

/** An AWS region name as the active-region parameter must hold it (e.g. us-west-2). */
const REGION_NAME = /^[a-z]{2}(?:-[a-z]+)+-\d{1,2}$/;

/**
 * The region producers should write to: the value of the platform's active-region SSM parameter
 * (`/<project>-<environment>/active-region`, output `active_region_parameter`), read with `ssm`
 * (a client for the region the producer is pointed at). A failover overwrites the parameter, so
 * a producer that resolves it before sending follows the failover (docs/operations.md).
 */
export async function resolveActiveRegion(ssm: SSMClient, parameterName: string): Promise<string> {
  let value: string | undefined;
  try {
    value = (await ssm.send(new GetParameterCommand({ Name: parameterName }))).Parameter?.Value;
  } catch (e) {
    throw new ProducerConfigurationError(`cannot read the active-region parameter ${parameterName}: ${(e as Error).name}: ${(e as Error).message}`, e);
  }
  if (value === undefined || !REGION_NAME.test(value)) {
    throw new ProducerConfigurationError(
      `the active-region parameter ${parameterName} holds "${value ?? '(no value)'}": allowed an AWS region name such as us-west-2`,
      undefined,
    );
  }
  return value;
}
