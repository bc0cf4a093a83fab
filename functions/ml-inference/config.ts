/**
 * Runtime settings of the inference function, read once from its environment (set by
 * stacks/constructs/inference-api.ts) and validated at cold start: a bad value fails the init
 * with a message naming the variable, instead of a confusing error on the first request.
 */
import { clientConfig, type ClientTimeouts } from '../shared/deadline';
import { type Environment, integer, matching, NON_EMPTY, POWERTOOLS_ENV, readEnvironment, type Rule } from '../shared/env';

/** Timeouts and retries of the InvokeEndpoint call. */
export interface InvokeBudget {
  /** TCP/TLS connect timeout per attempt. */
  readonly connectTimeoutMs: number;
  /** Socket inactivity timeout per attempt (the SDK's requestTimeout). */
  readonly requestTimeoutMs: number;
  /** Attempts including the first (the SDK's maxAttempts). */
  readonly maxAttempts: number;
}

export const DEFAULT_INVOKE_BUDGET: InvokeBudget = { connectTimeoutMs: 1_000, requestTimeoutMs: 3_000, maxAttempts: 3 };

/**
 * Upper bound of the SDK's standard-mode backoff between two attempts when throttled
 * (500 ms base, doubled per retry, full jitter): 1 s before the 2nd attempt, 2 s before the 3rd...
 */
export function maxBackoffMs(maxAttempts: number): number {
  let total = 0;
  for (let retry = 1; retry < maxAttempts; retry++) total += Math.min(20_000, 500 * 2 ** retry);
  return total;
}

/**
 * Worst case time the SDK can spend on one InvokeEndpoint: every attempt hitting both
 * timeouts plus the largest backoffs. The handler also aborts at its own deadline, but the
 * stack refuses a budget that could not fit the function timeout and the HTTP API's 30 s.
 */
export function worstCaseInvokeMs(b: InvokeBudget): number {
  return b.maxAttempts * (b.connectTimeoutMs + b.requestTimeoutMs) + maxBackoffMs(b.maxAttempts);
}

/**
 * SageMakerRuntimeClient settings for a budget (standard retries, the request timeout enforced:
 * see clientConfig). The handler's deadline signal bounds the whole call on top.
 */
export function sagemakerClientOptions(b: InvokeBudget) {
  return clientConfig({ connectionTimeoutMs: b.connectTimeoutMs, requestTimeoutMs: b.requestTimeoutMs, maxAttempts: b.maxAttempts });
}

/**
 * The prediction log's S3 client. Its writes run off the critical path and may carry on after
 * the answer, past the invocation's deadline signal; these bounds still hold them.
 */
export const PREDICTION_LOG_S3: ClientTimeouts = { connectionTimeoutMs: 1_000, requestTimeoutMs: 5_000, maxAttempts: 2 };

/** How buffered prediction rows reach the lake (docs/ml.md, "Prediction log"). */
export interface FlushPolicy {
  /** Flush before answering once this many rows are buffered. */
  readonly maxRows: number;
  /** Flush before answering once the oldest buffered row is this old. */
  readonly maxAgeMs: number;
  /** Longest the response waits for a flush; a slower write carries on into the next invocation. */
  readonly writeTimeoutMs: number;
  /** Rows kept at most while writes fail; beyond it the oldest are dropped (and counted). */
  readonly maxBufferedRows: number;
}

export const DEFAULT_FLUSH_POLICY: FlushPolicy = { maxRows: 50, maxAgeMs: 2_000, writeTimeoutMs: 250, maxBufferedRows: 5_000 };

/** How GET /ready checks the region's dependencies (docs/operations.md, "Readiness"). */
export interface ReadinessPolicy {
  /** The ingestion stream DescribeStreamSummary reads. */
  readonly streamName: string;
  /** How long one answer (every check) is reused: Route 53's checkers call every few seconds between them. */
  readonly cacheTtlMs: number;
  /** Longest one dependency check may take before it counts as down. */
  readonly checkTimeoutMs: number;
}

export const DEFAULT_READINESS = { cacheTtlMs: 10_000, checkTimeoutMs: 2_000 } as const;

/** Per-attempt bounds of the readiness clients: one attempt, the check's own timeout bounds it. */
export function readinessClientOptions(policy: Pick<ReadinessPolicy, 'checkTimeoutMs'>) {
  return clientConfig({ connectionTimeoutMs: Math.min(1_000, policy.checkTimeoutMs), requestTimeoutMs: policy.checkTimeoutMs, maxAttempts: 1 });
}

export interface InferenceSettings {
  readonly endpointName: string;
  /** Production variant name -> model version it serves (what the response reports). */
  readonly variantModelVersions: Readonly<Record<string, string>>;
  readonly predictionsBucket: string;
  readonly invoke: InvokeBudget;
  readonly flush: FlushPolicy;
  /** Keep this much of the function's remaining time for answering and flushing. */
  readonly deadlineReserveMs: number;
  readonly readiness: ReadinessPolicy;
}

/** Environment variable names, also the keys of the construct's environment map (and of the local run's). */
export const ENV = {
  ...POWERTOOLS_ENV,
  endpointName: 'ENDPOINT_NAME',
  variantModelVersions: 'VARIANT_MODEL_VERSIONS',
  predictionsBucket: 'PREDICTIONS_BUCKET',
  connectTimeoutMs: 'INVOKE_CONNECT_TIMEOUT_MS',
  requestTimeoutMs: 'INVOKE_REQUEST_TIMEOUT_MS',
  maxAttempts: 'INVOKE_MAX_ATTEMPTS',
  flushMaxRows: 'PREDICTION_FLUSH_MAX_ROWS',
  flushMaxAgeMs: 'PREDICTION_FLUSH_MAX_AGE_MS',
  writeTimeoutMs: 'PREDICTION_WRITE_TIMEOUT_MS',
  maxBufferedRows: 'PREDICTION_MAX_BUFFERED_ROWS',
  streamName: 'INGESTION_STREAM_NAME',
  readyCacheTtlMs: 'READY_CACHE_TTL_MS',
  readyCheckTimeoutMs: 'READY_CHECK_TIMEOUT_MS',
} as const;

/** SageMaker's rule for endpoint and production variant names. */
const SAGEMAKER_NAME = /^[A-Za-z0-9](-*[A-Za-z0-9]){0,62}$/;

const ENDPOINT_NAME = matching(SAGEMAKER_NAME, 'a SageMaker endpoint name (letters, digits, hyphens, 1-63)');

const VARIANT_MODEL_VERSIONS: Rule<Readonly<Record<string, string>>> = {
  allowed: 'a non-empty JSON object mapping variant names (letters, digits, hyphens, 1-63) to model versions, such as {"champion": "v1"}',
  parse(raw) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch {
      return undefined;
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return undefined;
    const entries = Object.entries(parsed);
    const valid =
      entries.length > 0 && entries.every(([variant, version]) => SAGEMAKER_NAME.test(variant) && typeof version === 'string' && /^v\d+$/.test(version));
    return valid ? (parsed as Record<string, string>) : undefined;
  },
};

export function loadSettings(env: Environment = process.env): InferenceSettings {
  return readEnvironment(env, (vars) => ({
    endpointName: vars.required(ENV.endpointName, ENDPOINT_NAME),
    variantModelVersions: vars.required(ENV.variantModelVersions, VARIANT_MODEL_VERSIONS),
    predictionsBucket: vars.required(ENV.predictionsBucket, NON_EMPTY),
    invoke: {
      connectTimeoutMs: vars.withDefault(ENV.connectTimeoutMs, integer({ min: 50, max: 10_000 }), DEFAULT_INVOKE_BUDGET.connectTimeoutMs),
      requestTimeoutMs: vars.withDefault(ENV.requestTimeoutMs, integer({ min: 50, max: 25_000 }), DEFAULT_INVOKE_BUDGET.requestTimeoutMs),
      maxAttempts: vars.withDefault(ENV.maxAttempts, integer({ min: 1, max: 5 }), DEFAULT_INVOKE_BUDGET.maxAttempts),
    },
    flush: {
      maxRows: vars.withDefault(ENV.flushMaxRows, integer({ min: 1, max: 10_000 }), DEFAULT_FLUSH_POLICY.maxRows),
      maxAgeMs: vars.withDefault(ENV.flushMaxAgeMs, integer({ min: 0, max: 60_000 }), DEFAULT_FLUSH_POLICY.maxAgeMs),
      writeTimeoutMs: vars.withDefault(ENV.writeTimeoutMs, integer({ min: 10, max: 10_000 }), DEFAULT_FLUSH_POLICY.writeTimeoutMs),
      maxBufferedRows: vars.withDefault(ENV.maxBufferedRows, integer({ min: 1, max: 100_000 }), DEFAULT_FLUSH_POLICY.maxBufferedRows),
    },
    deadlineReserveMs: 500,
    readiness: {
      streamName: vars.required(ENV.streamName, NON_EMPTY),
      cacheTtlMs: vars.withDefault(ENV.readyCacheTtlMs, integer({ min: 0, max: 300_000 }), DEFAULT_READINESS.cacheTtlMs),
      checkTimeoutMs: vars.withDefault(ENV.readyCheckTimeoutMs, integer({ min: 100, max: 10_000 }), DEFAULT_READINESS.checkTimeoutMs),
    },
  }));
}
