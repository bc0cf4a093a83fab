/**
 * The chaos run's fault schedule: which call gets which fault, from a seed alone.
 *
 * Each channel (the functions' S3 requests, their Data API statements, the endpoint's
 * invocations, the processor's and the loader's invocations) has its own generator, seeded from
 * the chaos seed and the channel's name, and draws exactly one number per call it sees, whether
 * or not a fault is injected. So the same seed gives the same decision to the n-th call of each
 * channel, and traffic on one channel never shifts another's decisions. Which handler call is
 * the n-th can differ between runs where calls overlap (four shards, concurrent loads), as it
 * does in AWS.
 *
 * Every kind of a channel is also placed once among the channel's first `forcedWithin` calls
 * (at seeded positions), so even a short run injects every kind; after that each call draws a
 * kind by its rate. A kind that does not apply to a call (a COPY abort on a statement that is
 * not a load) waits for the next call it applies to.
 */
import { createPrng } from '../../functions/shared/generator';

export const FAULT_KINDS = {
  's3-internal-error': { channel: 's3', rate: 0.006, description: 'S3 answers 500 InternalError (request not applied)' },
  's3-slow-down': { channel: 's3', rate: 0.006, description: 'S3 answers 503 SlowDown (request not applied)' },
  's3-reset': { channel: 's3', rate: 0.004, description: 'S3 connection reset before the request reaches S3' },
  's3-reset-after-write': { channel: 's3', rate: 0.004, description: 'S3 connection reset after S3 applied the request (response lost)' },
  's3-hang': { channel: 's3', rate: 0.003, description: 'S3 accepts the request and does not answer' },
  'data-api-conflict': { channel: 'data-api', rate: 0.01, description: 'Data API statement FAILED: serializable isolation violation (transient)' },
  'data-api-statement-error': { channel: 'data-api', rate: 0.01, description: 'Data API statement FAILED with a non-transient error' },
  'loader-stop-after-copy': {
    channel: 'data-api',
    rate: 0.01,
    description: 'loader stopped after COPY into staging, before the merge (transaction rolled back, invocation dies)',
  },
  'sagemaker-throttling': { channel: 'sagemaker', rate: 0.02, description: 'SageMaker answers 429 ThrottlingException' },
  'sagemaker-5xx': { channel: 'sagemaker', rate: 0.02, description: 'SageMaker answers 500 InternalFailure or 503 ServiceUnavailable' },
  'processor-crash-mid-batch': { channel: 'processor', rate: 0.08, description: 'stream processor dies after writing part of its batch' },
} as const;

export type FaultKind = keyof typeof FAULT_KINDS;
export type Channel = (typeof FAULT_KINDS)[FaultKind]['channel'];

/** Calls of a channel among which each of its kinds is placed once. */
const FORCED_WITHIN: Readonly<Record<Channel, number>> = { s3: 40, 'data-api': 24, sagemaker: 20, processor: 3 };

/** FNV-1a, to derive a channel's seed from its name. */
function hash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

export class ChannelSchedule {
  private readonly random: () => number;
  private readonly kinds: FaultKind[];
  /** Kinds still to be placed, with the call index from which they are due. */
  private readonly forced: { kind: FaultKind; due: number }[];
  private calls = 0;

  constructor(
    seed: number,
    readonly channel: Channel,
  ) {
    this.random = createPrng((seed ^ hash(channel)) >>> 0);
    this.kinds = (Object.keys(FAULT_KINDS) as FaultKind[]).filter((k) => FAULT_KINDS[k].channel === channel);
    const within = FORCED_WITHIN[channel];
    this.forced = this.kinds.map((kind) => ({ kind, due: Math.floor(this.random() * within) })).sort((a, b) => a.due - b.due);
  }

  /** The fault for the next call of this channel, if any; `applies` says which kinds this call can take. */
  next(applies: (kind: FaultKind) => boolean = () => true): FaultKind | undefined {
    const index = this.calls++;
    const u = this.random();
    const due = this.forced.findIndex((f) => f.due <= index && applies(f.kind));
    if (due >= 0) return this.forced.splice(due, 1)[0]!.kind;
    let r = u;
    for (const kind of this.kinds) {
      r -= FAULT_KINDS[kind].rate;
      if (r < 0) return applies(kind) ? kind : undefined;
    }
    return undefined;
  }

  /** A further draw in [0, 1) for a detail of a fault (which sub-statement, after how many objects). */
  detail(): number {
    return this.random();
  }

  get callsSeen(): number {
    return this.calls;
  }
}

/** Faults injected per kind, and calls seen per channel: what the report lists. */
export class ChaosCounters {
  readonly injected: Record<FaultKind, number> = Object.fromEntries(Object.keys(FAULT_KINDS).map((k) => [k, 0])) as Record<FaultKind, number>;

  count(kind: FaultKind): void {
    this.injected[kind]++;
  }
}
