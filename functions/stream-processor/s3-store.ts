/**
 * ObjectStore on S3 with retries of throttling and server errors inside the invocation.
 *
 * The SDK client is built with maxAttempts 1 so that this loop is the only retry layer:
 * stacking it on the SDK's own three attempts would multiply the worst-case time, and
 * here each retry also checks the invocation's deadline, and every attempt carries its
 * signal, so a slow or hung S3 turns into a reported partial failure instead of a Lambda
 * timeout (which would redeliver the whole batch with no progress).
 */
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { Deadline } from '../shared/deadline';
import { PARQUET_CONTENT_TYPE } from '../shared/parquet';
import type { ObjectStore } from './processor';

export interface S3StoreOptions {
  readonly bucket: string;
  /** When set, objects are written with SSE-KMS under this key (else the bucket default applies). */
  readonly kmsKeyArn?: string;
  /** Attempts per object, first included. */
  readonly maxAttempts: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  /** The invocation's deadline: each attempt is aborted at it, and no retry waits past it. Without one, attempts bound the time. */
  readonly deadline?: Deadline;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly random?: () => number;
}

const RETRYABLE_NAMES = new Set([
  'SlowDown',
  'ThrottlingException',
  'Throttling',
  'RequestThrottled',
  'TooManyRequestsException',
  'RequestTimeout',
  'RequestTimeoutException',
  'InternalError',
  'ServiceUnavailable',
  'TimeoutError',
  'NetworkingError',
]);
const RETRYABLE_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EPIPE', 'EAI_AGAIN', 'ENOTFOUND']);

/** Throttling, 5xx and transport errors are worth retrying; 4xx (access, missing bucket, KMS) are not. */
export function isRetryable(e: unknown): boolean {
  const err = e as { name?: string; code?: string; $metadata?: { httpStatusCode?: number }; $retryable?: unknown };
  const status = err?.$metadata?.httpStatusCode;
  if (status !== undefined && (status >= 500 || status === 429)) return true;
  if (err?.$retryable) return true;
  return RETRYABLE_NAMES.has(err?.name ?? '') || RETRYABLE_CODES.has(err?.code ?? '');
}

export class S3ObjectStore implements ObjectStore {
  /** Attempts that failed and were retried, since construction (a metric). */
  retries = 0;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly random: () => number;

  constructor(
    private readonly client: S3Client,
    private readonly options: S3StoreOptions,
  ) {
    this.sleep = options.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
    this.random = options.random ?? Math.random;
  }

  async put(key: string, body: Uint8Array, metadata: Readonly<Record<string, string>>): Promise<void> {
    const o = this.options;
    for (let attempt = 1; ; attempt++) {
      try {
        await this.client.send(
          new PutObjectCommand({
            Bucket: o.bucket,
            Key: key,
            Body: body,
            ContentType: PARQUET_CONTENT_TYPE,
            Metadata: { ...metadata },
            ...(o.kmsKeyArn ? { ServerSideEncryption: 'aws:kms', SSEKMSKeyId: o.kmsKeyArn, BucketKeyEnabled: true } : {}),
          }),
          o.deadline?.sendOptions(),
        );
        return;
      } catch (e) {
        if (attempt >= o.maxAttempts || !isRetryable(e)) throw e;
        // Full jitter: spreads the retries of concurrent writers hitting the same S3 prefix.
        const delay = this.random() * Math.min(o.maxDelayMs, o.baseDelayMs * 2 ** (attempt - 1));
        if (o.deadline && !o.deadline.allows(delay)) throw e;
        this.retries++;
        await this.sleep(delay);
      }
    }
  }
}
