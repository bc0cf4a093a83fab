/**
 * Deadlines of AWS calls, derived from the invocation's remaining time. Every function builds one
 * Deadline per invocation from its Lambda context and hands its signal to each `client.send`, so
 * a connection that accepts a request and never answers is cut off while the function still has
 * time to report what it did (a partial batch failure, a message for retry, a 504), instead of
 * Lambda killing the invocation and redelivering everything.
 *
 * Two layers, because either alone leaves a gap: the signal bounds the whole call, retries and
 * backoff included, by the invocation; the client's request timeout (with throwOnRequestTimeout,
 * without which the Node HTTP handler only logs a warning and keeps waiting) bounds each attempt,
 * so one stuck attempt cannot use up the time its retries would have had, and calls made without
 * an invocation clock (local runners, a write carrying on after the answer) stay bounded too.
 *
 * No AWS SDK imports: config modules, which the stacks import, use the client settings below.
 */

/** What a deadline needs of the Lambda context. */
export interface RemainingTime {
  getRemainingTimeInMillis(): number;
}

/** The reason a deadline's signal aborts with; the SDK surfaces it as the `cause` of its AbortError. */
export class DeadlineExceededError extends Error {
  constructor(readonly reserveMs: number) {
    super(`the invocation's deadline passed (${reserveMs} ms before the function timeout, kept for reporting)`);
    this.name = 'DeadlineExceededError';
  }
}

/**
 * Whether an error is a call cut off by a deadline (directly, or as the SDK's AbortError around
 * it). Told by name, not class, so it holds across bundles and module registries.
 */
export function isDeadlineExceeded(error: unknown): boolean {
  for (let e = error, depth = 0; e !== null && typeof e === 'object' && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    if ((e as { name?: unknown }).name === 'DeadlineExceededError') return true;
  }
  return false;
}

/** Longest delay setTimeout takes; a longer one fires at once. */
const MAX_TIMER_MS = 2 ** 31 - 1;

export class Deadline {
  private controller: AbortController | undefined;
  private timer: NodeJS.Timeout | undefined;

  /**
   * @param at epoch ms by which calls must have ended (Infinity: no invocation clock)
   * @param end epoch ms the function is stopped at; `extended` never goes past it
   * @param reserveMs time kept between `at` and `end`, for the error message
   */
  private constructor(
    readonly at: number,
    readonly end: number,
    private readonly reserveMs: number,
    private readonly clock: () => number,
  ) {}

  /**
   * The invocation's remaining time minus `reserveMs`. A context without a clock (a local runner's
   * partial context) gives no deadline: then the clients' per-attempt timeouts are the bound.
   */
  static fromContext(context: Partial<RemainingTime> | undefined, reserveMs: number, clock: () => number = Date.now): Deadline {
    if (typeof context?.getRemainingTimeInMillis !== 'function') return new Deadline(Infinity, Infinity, reserveMs, clock);
    const end = clock() + Math.max(0, context.getRemainingTimeInMillis());
    return new Deadline(end - reserveMs, end, reserveMs, clock);
  }

  /**
   * A deadline at an epoch ms, for code that is handed the time rather than the context; `endMs`
   * is how far `extended` may go (the part of the caller's reserve it lends).
   */
  static at(epochMs: number, clock: () => number = Date.now, endMs: number = epochMs): Deadline {
    return new Deadline(epochMs, Math.max(epochMs, endMs), Math.max(0, endMs - epochMs), clock);
  }

  /** Milliseconds until the deadline, never negative (Infinity without one). */
  remainingMs(): number {
    return Math.max(0, this.at - this.clock());
  }

  /** Whether `ms` more (a backoff, a poll interval) still ends before the deadline: the test before every retry. */
  allows(ms: number): boolean {
    return this.remainingMs() > ms;
  }

  /**
   * Aborts at the deadline (at once when it has passed). One signal per deadline, shared by all its
   * calls; the timer does not keep the process alive.
   */
  signal(): AbortSignal {
    if (!this.controller) {
      const controller = (this.controller = new AbortController());
      const abort = () => controller.abort(new DeadlineExceededError(this.reserveMs));
      const delay = this.at - this.clock();
      if (delay <= 0) abort();
      else if (delay <= MAX_TIMER_MS) this.timer = setTimeout(abort, delay).unref();
    }
    return this.controller.signal;
  }

  /** Options for `client.send(command, options)`. */
  sendOptions(): { abortSignal: AbortSignal } {
    return { abortSignal: this.signal() };
  }

  /**
   * A later deadline inside the reserve, for a compensating call after a failure (giving back a
   * claim, cancelling a statement); never past the function's end.
   */
  extended(ms: number): Deadline {
    return new Deadline(Math.min(this.at + ms, this.end), this.end, Math.max(0, this.reserveMs - ms), this.clock);
  }

  /** Clears the timer; calls still holding the signal are then bounded by their clients' timeouts only. */
  dispose(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }
}

/** Per-attempt bounds of an SDK client. */
export interface ClientTimeouts {
  /** TCP (and TLS) connect timeout per attempt. */
  readonly connectionTimeoutMs: number;
  /** Time to the response headers per attempt, enforced (throwOnRequestTimeout). */
  readonly requestTimeoutMs: number;
  /** Attempts including the first; 1 when the caller runs its own retry loop. */
  readonly maxAttempts: number;
}

/** Settings for any AWS SDK v3 client: `new S3Client({ ...clientConfig(t), ...more })`. */
export function clientConfig(t: ClientTimeouts) {
  return {
    maxAttempts: t.maxAttempts,
    retryMode: 'standard',
    requestHandler: { connectionTimeout: t.connectionTimeoutMs, requestTimeout: t.requestTimeoutMs, throwOnRequestTimeout: true },
  } as const;
}
