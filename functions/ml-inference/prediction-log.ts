/**
 * The prediction log: every prediction becomes a row of the lake's `predictions` table
 * (TABLES.predictions: Parquet under predictions/dt=YYYY-MM-DD/hour=HH/), written without
 * holding the HTTP answer for more than a bounded time.
 *
 * Rows are buffered per execution environment and written in batches (one Parquet object per
 * batch and partition, not one per request). An invocation that finds the buffer due (`maxRows`
 * rows, or the oldest `maxAgeMs` old) starts the write while the endpoint is being called, so it
 * usually costs the caller nothing; one that makes the buffer due waits for the write before
 * answering, at most `writeTimeoutMs`. A batch that fails or is
 * still running stays queued under the same object key and is retried by a later invocation, so
 * a retry overwrites rather than duplicates. The trade-off (docs/ml.md, "Prediction log"): rows
 * still buffered when Lambda retires an idle environment are lost; `maxRows` bounds how many.
 */
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { randomUUID } from 'node:crypto';
import { partitionPrefix, type PredictionRow } from '../shared/contract';
import { encodeParquet, PARQUET_CONTENT_TYPE, PARQUET_EXTENSION } from '../shared/parquet';
import type { FlushPolicy } from './config';

interface Batch {
  readonly key: string;
  readonly rows: readonly PredictionRow[];
}

export interface FlushOutcome {
  /** Rows whose object was written by this flush. */
  readonly written: number;
  /** Rows whose write failed (kept for a retry). */
  readonly failed: number;
}

export interface PredictionLogStats {
  readonly buffered: number;
  readonly queuedBatches: number;
  readonly dropped: number;
}

export interface PredictionLogProps {
  readonly s3: S3Client;
  /** The lake bucket. */
  readonly bucket: string;
  readonly policy: FlushPolicy;
  /** @default Date.now */
  readonly clock?: () => number;
  /** Distinguishes this environment's objects from every other's. @default a random UUID */
  readonly writerId?: string;
  /** Told about each failed write (the batch stays queued). @default ignore */
  readonly onWriteError?: (error: unknown, key: string) => void;
}

export class PredictionLog {
  private buffer: PredictionRow[] = [];
  private oldestBufferedAt: number | undefined;
  private queued: Batch[] = [];
  private inflight: Promise<FlushOutcome> | undefined;
  private sequence = 0;
  private droppedTotal = 0;
  private droppedSinceTake = 0;
  private readonly s3: S3Client;
  private readonly bucket: string;
  private readonly policy: FlushPolicy;
  private readonly clock: () => number;
  private readonly writerId: string;
  private readonly onWriteError: (error: unknown, key: string) => void;

  constructor(props: PredictionLogProps) {
    this.s3 = props.s3;
    this.bucket = props.bucket;
    this.policy = props.policy;
    this.clock = props.clock ?? Date.now;
    this.writerId = props.writerId ?? randomUUID();
    this.onWriteError = props.onWriteError ?? (() => undefined);
  }

  add(row: PredictionRow): void {
    if (this.buffer.length === 0) this.oldestBufferedAt = this.clock();
    this.buffer.push(row);
    this.enforceCap();
  }

  /**
   * Starts a write in the background when the buffer is due or a failed batch awaits its retry;
   * called at the start of an invocation, so the write overlaps the endpoint call.
   */
  flushIfDue(signal?: AbortSignal): void {
    if (this.isDue() || (this.queued.length > 0 && !this.inflight)) void this.flush(signal);
  }

  /** True when the next answer should wait (boundedly) for a write. */
  isDue(): boolean {
    if (this.buffer.length === 0) return false;
    return this.buffer.length >= this.policy.maxRows || this.clock() - (this.oldestBufferedAt ?? this.clock()) >= this.policy.maxAgeMs;
  }

  get stats(): PredictionLogStats {
    return { buffered: this.buffer.length, queuedBatches: this.queued.length, dropped: this.droppedTotal };
  }

  /**
   * Starts writing everything buffered or queued, unless a write is already running (then
   * joins it). Never rejects. `signal` (the invocation's deadline) aborts the writes it starts;
   * an aborted batch stays queued like a failed one. Without it, the client's timeouts bound them.
   */
  flush(signal?: AbortSignal): Promise<FlushOutcome> {
    if (this.inflight) return this.inflight;
    this.seal();
    if (this.queued.length === 0) return Promise.resolve({ written: 0, failed: 0 });
    const batches = [...this.queued];
    this.inflight = Promise.all(batches.map((b) => this.write(b, signal))).then((ok) => {
      const done = new Set(batches.filter((_, i) => ok[i]));
      this.queued = this.queued.filter((b) => !done.has(b));
      this.inflight = undefined;
      let written = 0;
      let failed = 0;
      batches.forEach((b, i) => (ok[i] ? (written += b.rows.length) : (failed += b.rows.length)));
      return { written, failed };
    });
    return this.inflight;
  }

  /**
   * Waits at most `timeoutMs` for the running write (starting one first when the buffer is
   * due, bounded by `signal`). Returns the outcome, or undefined if the write is still running when time is up: it
   * carries on, and the next invocation picks up its result.
   */
  async settle(timeoutMs: number = this.policy.writeTimeoutMs, signal?: AbortSignal): Promise<FlushOutcome | undefined> {
    const running = this.isDue() ? this.flush(signal) : this.inflight;
    if (!running) return { written: 0, failed: 0 };
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<undefined>((resolve) => {
      timer = setTimeout(() => resolve(undefined), Math.max(0, timeoutMs));
    });
    try {
      return await Promise.race([running, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Total rows dropped since the last call (the buffer cap was hit while writes failed). */
  takeDropped(): number {
    const n = this.droppedSinceTake;
    this.droppedSinceTake = 0;
    return n;
  }

  /** Moves buffered rows into batches (one object per dt/hour partition), each with a fixed key. */
  private seal(): void {
    if (this.buffer.length === 0) return;
    const byPartition = new Map<string, PredictionRow[]>();
    for (const row of this.buffer) {
      const prefix = partitionPrefix('predictions', row.predicted_at.getTime());
      let rows = byPartition.get(prefix);
      if (!rows) byPartition.set(prefix, (rows = []));
      rows.push(row);
    }
    for (const [prefix, rows] of byPartition) {
      this.sequence += 1;
      this.queued.push({ key: `${prefix}${this.writerId}-${String(this.sequence).padStart(8, '0')}${PARQUET_EXTENSION}`, rows });
    }
    this.buffer = [];
    this.oldestBufferedAt = undefined;
  }

  private async write(batch: Batch, signal: AbortSignal | undefined): Promise<boolean> {
    try {
      await this.s3.send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key: batch.key,
          Body: encodeParquet('predictions', batch.rows as unknown as Readonly<Record<string, unknown>>[]),
          ContentType: PARQUET_CONTENT_TYPE,
        }),
        signal ? { abortSignal: signal } : undefined,
      );
      return true;
    } catch (error) {
      this.onWriteError(error, batch.key);
      return false;
    }
  }

  /** Keeps memory bounded while writes keep failing: drops the oldest queued batch, then the oldest rows. */
  private enforceCap(): void {
    const total = () => this.buffer.length + this.queued.reduce((n, b) => n + b.rows.length, 0);
    let excess = total() - this.policy.maxBufferedRows;
    while (excess > 0) {
      const oldest = this.queued[0];
      // A batch being written right now is left alone; its rows may already be in S3.
      if (oldest && !this.inflight) {
        this.queued.shift();
        this.count(oldest.rows.length);
        excess -= oldest.rows.length;
      } else {
        const n = Math.min(excess, this.buffer.length);
        if (n === 0) break;
        this.buffer.splice(0, n);
        this.count(n);
        excess -= n;
      }
    }
  }

  private count(n: number): void {
    this.droppedTotal += n;
    this.droppedSinceTake += n;
  }
}
