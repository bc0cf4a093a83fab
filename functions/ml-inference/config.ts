/**
 * Runtime settings of the inference function, read once from its environment (set by
 * stacks/constructs/inference-api.ts) and validated at cold start: a bad value fails the init
 * with a message naming the variable, instead of a confusing error on the first request.
 */

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
 * SageMakerRuntimeClient settings for a budget. `throwOnRequestTimeout` matters: without it the
 * SDK's HTTP handler only logs a warning when `requestTimeout` passes and keeps waiting.
 */
export function sagemakerClientOptions(b: InvokeBudget) {
  return {
    maxAttempts: b.maxAttempts,
    retryMode: 'standard',
    requestHandler: { connectionTimeout: b.connectTimeoutMs, requestTimeout: b.requestTimeoutMs, throwOnRequestTimeout: true },
  } as const;
}

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

export interface InferenceSettings {
  readonly endpointName: string;
  /** Production variant name -> model version it serves (what the response reports). */
  readonly variantModelVersions: Readonly<Record<string, string>>;
  readonly predictionsBucket: string;
  readonly invoke: InvokeBudget;
  readonly flush: FlushPolicy;
  /** Keep this much of the function's remaining time for answering and flushing. */
  readonly deadlineReserveMs: number;
}

/** Environment variable names (the construct sets them; tests and the benchmark too). */
export const ENV = {
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
} as const;

const NAME = /^[A-Za-z0-9](-*[A-Za-z0-9]){0,62}$/;

export class SettingsError extends Error {}

function integer(env: Readonly<Record<string, string | undefined>>, name: string, dflt: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return dflt;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) throw new SettingsError(`${name} must be an integer between ${min} and ${max}, got "${raw}"`);
  return n;
}

function required(env: Readonly<Record<string, string | undefined>>, name: string): string {
  const v = env[name];
  if (!v) throw new SettingsError(`${name} is required`);
  return v;
}

export function loadSettings(env: Readonly<Record<string, string | undefined>> = process.env): InferenceSettings {
  const endpointName = required(env, ENV.endpointName);
  if (!NAME.test(endpointName)) throw new SettingsError(`${ENV.endpointName} must be a SageMaker endpoint name (letters, digits, hyphens, 1-63), got "${endpointName}"`);
  const rawVariants = required(env, ENV.variantModelVersions);
  let parsed: unknown;
  try {
    parsed = JSON.parse(rawVariants);
  } catch {
    throw new SettingsError(`${ENV.variantModelVersions} must be a JSON object {"<variant>": "<model version>"}, got ${rawVariants}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed) || Object.keys(parsed).length === 0) {
    throw new SettingsError(`${ENV.variantModelVersions} must be a non-empty JSON object {"<variant>": "<model version>"}, got ${rawVariants}`);
  }
  for (const [variant, version] of Object.entries(parsed)) {
    if (!NAME.test(variant) || typeof version !== 'string' || !/^v\d+$/.test(version)) {
      throw new SettingsError(`${ENV.variantModelVersions}: "${variant}": ${JSON.stringify(version)} must map a variant name to a model version such as "v1"`);
    }
  }
  return {
    endpointName,
    variantModelVersions: parsed as Record<string, string>,
    predictionsBucket: required(env, ENV.predictionsBucket),
    invoke: {
      connectTimeoutMs: integer(env, ENV.connectTimeoutMs, DEFAULT_INVOKE_BUDGET.connectTimeoutMs, 50, 10_000),
      requestTimeoutMs: integer(env, ENV.requestTimeoutMs, DEFAULT_INVOKE_BUDGET.requestTimeoutMs, 50, 25_000),
      maxAttempts: integer(env, ENV.maxAttempts, DEFAULT_INVOKE_BUDGET.maxAttempts, 1, 5),
    },
    flush: {
      maxRows: integer(env, ENV.flushMaxRows, DEFAULT_FLUSH_POLICY.maxRows, 1, 10_000),
      maxAgeMs: integer(env, ENV.flushMaxAgeMs, DEFAULT_FLUSH_POLICY.maxAgeMs, 0, 60_000),
      writeTimeoutMs: integer(env, ENV.writeTimeoutMs, DEFAULT_FLUSH_POLICY.writeTimeoutMs, 10, 10_000),
      maxBufferedRows: integer(env, ENV.maxBufferedRows, DEFAULT_FLUSH_POLICY.maxBufferedRows, 1, 100_000),
    },
    deadlineReserveMs: 500,
  };
}
