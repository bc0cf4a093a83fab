/**
 * Pure inference logic: request parsing and validation, the feature row sent to the model,
 * reading the model's answer, the confidence figure, the prediction row stored in the lake and
 * the mapping of endpoint failures to HTTP answers. No AWS calls here (see handler.ts).
 */
import { decodeEvent, describeProblems, previewValue, type PredictionRow, type Problem, type ValidEvent } from '../shared/contract';
import { featureVector, toCsvRow } from '../shared/features';

/** The exact text/csv body sent to the endpoint for one event (one line, no label, no header). */
export function featureRow(event: ValidEvent): string {
  return toCsvRow(featureVector(event));
}

/** The parts of an HTTP API (payload v2) request that /predict reads. */
export interface PredictRequest {
  readonly body?: string | null;
  readonly isBase64Encoded?: boolean;
  readonly headers?: Readonly<Record<string, string | undefined>> | null;
  readonly queryStringParameters?: Readonly<Record<string, string | undefined>> | null;
}

export type ParsedPredictRequest =
  | { readonly ok: true; readonly event: ValidEvent; readonly featureRow: string; readonly targetVariant?: string }
  | { readonly ok: false; readonly problems: readonly Problem[] };

/** Query parameter that pins a request to one production variant (A/B: see docs/ml.md). */
export const VARIANT_PARAMETER = 'variant';

const JSON_CONTENT_TYPE = /^application\/(?:[\w.+-]+\+)?json\s*(?:;.*)?$/i;

function header(headers: PredictRequest['headers'], name: string): string | undefined {
  if (!headers) return undefined;
  // HTTP API lower-cases header names; other callers (tests, the benchmark) may not.
  for (const [k, v] of Object.entries(headers)) if (k.toLowerCase() === name) return v;
  return undefined;
}

/**
 * Validates a /predict request: the body is one event in the event contract's raw format
 * (validated by the contract's own validator, so the API and the stream accept exactly the
 * same events) and `?variant=` optionally names one of `variants`. Reports every problem.
 */
export function parsePredictRequest(req: PredictRequest, variants: readonly string[], now: number): ParsedPredictRequest {
  const problems: Problem[] = [];
  const contentType = header(req.headers, 'content-type');
  if (contentType !== undefined && !JSON_CONTENT_TYPE.test(contentType)) {
    problems.push({ field: 'content-type', code: 'format', value: previewValue(contentType), allowed: 'application/json' });
  }
  const variant = req.queryStringParameters?.[VARIANT_PARAMETER];
  if (variant !== undefined && !variants.includes(variant)) {
    problems.push({
      field: VARIANT_PARAMETER,
      code: 'enum',
      value: previewValue(variant),
      allowed: `one of ${variants.join(', ')} (or omit it for weighted routing)`,
    });
  }
  if (req.body === undefined || req.body === null || req.body === '') {
    problems.push({ field: '(body)', code: 'missing', value: '(absent)', allowed: 'a JSON event in the event contract format (docs/ml.md)' });
    return { ok: false, problems };
  }
  const bytes = Buffer.from(req.body, req.isBase64Encoded ? 'base64' : 'utf8');
  const decoded = decodeEvent(bytes, { now });
  if (!decoded.ok) return { ok: false, problems: [...problems, ...decoded.problems] };
  if (problems.length > 0) return { ok: false, problems };
  return { ok: true, event: decoded.event, featureRow: featureRow(decoded.event), ...(variant !== undefined ? { targetVariant: variant } : {}) };
}

export class EndpointResponseError extends Error {
  override readonly name = 'EndpointResponseError';
}

/**
 * A probability as the model writes it: a plain decimal literal, optionally with an exponent
 * (XGBoost prints small scores as 3.0517578e-05). No sign, hex, binary, octal, Infinity or NaN:
 * Number() would read '0x1' or '0b1' as 1 and '' as 0.
 */
const DECIMAL = /^(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

/**
 * Reads the score from the XGBoost container's text/csv answer to a one-row request: a single
 * probability in [0, 1], possibly followed by a line break. Anything else (no body, an empty
 * one, several cells, a number in another notation) is a model contract break.
 */
export function parseEndpointScore(body: Uint8Array | string | null | undefined): number {
  // The SDK hands an empty 200 answer over as a null Body.
  if (body === undefined || body === null) throw new EndpointResponseError('endpoint returned no body');
  if (typeof body !== 'string' && !(body instanceof Uint8Array)) throw new EndpointResponseError(`expected a text/csv body, got ${typeof body}`);
  const text = typeof body === 'string' ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8');
  // One trailing line break (\n or \r\n) is how the container ends its line; nothing else is trimmed.
  const line = text.replace(/\r?\n$/, '');
  if (line === '') throw new EndpointResponseError(`expected one score, got an empty body`);
  if (/[,\r\n]/.test(line)) throw new EndpointResponseError(`expected one score, got ${previewValue(text)}`);
  const cell = line.trim();
  if (!DECIMAL.test(cell)) throw new EndpointResponseError(`expected a decimal number between 0 and 1, got ${previewValue(line)}`);
  const score = Number(cell);
  if (!(score >= 0 && score <= 1)) throw new EndpointResponseError(`expected a probability between 0 and 1, got ${previewValue(cell)}`);
  return score;
}

/**
 * The confidence figure (docs/ml.md): how far the score is from the 0.5 decision boundary,
 * scaled to 0..1 (0 = a coin flip, 1 = certain). It says how decided the model is, not how
 * often it is right; docs/ml.md gives the measured accuracy per confidence band.
 */
export function confidenceOf(score: number): number {
  return Math.abs(2 * score - 1);
}

/** Scores and confidences are reported with 6 decimals (float32 carries about 7 significant digits). */
export function round6(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}

export interface PredictionResult {
  readonly score: number;
  readonly variant: string;
  readonly modelVersion: string;
  readonly invokeLatencyMs: number;
}

export function predictionRow(event: ValidEvent, row: string, result: PredictionResult, predictedAt: number): PredictionRow {
  return {
    event_id: event.event_id,
    user_id: event.user_id,
    session_id: event.session_id,
    event_type: event.event_type,
    event_time: new Date(event.event_time),
    predicted_at: new Date(predictedAt),
    score: result.score,
    confidence: confidenceOf(result.score),
    variant: result.variant,
    model_version: result.modelVersion,
    features: row,
    latency_ms: Math.round(result.invokeLatencyMs),
  };
}

/** How an endpoint failure is answered. */
export interface EndpointFailure {
  readonly status: 502 | 503 | 504;
  /** Stable machine-readable code (also the ErrorCode metric dimension). */
  readonly code:
    'endpoint_throttled' | 'endpoint_unavailable' | 'model_not_ready' | 'endpoint_timeout' | 'model_error' | 'endpoint_error' | 'bad_model_response';
  readonly retryable: boolean;
  /** Seconds for the Retry-After header when retrying can help. */
  readonly retryAfterSeconds?: number;
  readonly message: string;
}

interface SdkLikeError {
  readonly name?: string;
  readonly $metadata?: { readonly httpStatusCode?: number };
  readonly code?: string;
}

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH']);

/**
 * Maps an InvokeEndpoint failure (after the SDK's own retries) to an answer. Capacity and
 * transient problems are 503 with Retry-After, our deadline is 504, anything the model or the
 * endpoint did wrong is 502. The message never includes the SDK's text or a stack.
 */
export function classifyEndpointError(error: unknown): EndpointFailure {
  const e = (error ?? {}) as SdkLikeError;
  const name = e.name ?? '';
  const status = e.$metadata?.httpStatusCode;
  // An empty or garbled answer is usually one bad response (a container restarting, a cut
  // connection), so the caller may try again, as after any other transient endpoint failure.
  if (error instanceof EndpointResponseError) {
    return {
      status: 502,
      code: 'bad_model_response',
      retryable: true,
      retryAfterSeconds: 1,
      message: 'The model returned an answer that is not a probability.',
    };
  }
  // ModelNotReadyException is also a 429, so it is told apart first.
  if (name === 'ModelNotReadyException')
    return { status: 503, code: 'model_not_ready', retryable: true, retryAfterSeconds: 5, message: 'The model is not ready yet.' };
  if (name === 'ThrottlingException' || name === 'TooManyRequestsException' || status === 429) {
    return { status: 503, code: 'endpoint_throttled', retryable: true, retryAfterSeconds: 1, message: 'The model endpoint is at capacity.' };
  }
  // Checked before the network codes: the SDK's request timeout also carries code ETIMEDOUT.
  if (name === 'TimeoutError' || name === 'AbortError' || name === 'RequestTimeout') {
    return { status: 504, code: 'endpoint_timeout', retryable: true, retryAfterSeconds: 1, message: 'The model endpoint did not answer in time.' };
  }
  if (name === 'ServiceUnavailable' || status === 503 || (e.code !== undefined && NETWORK_CODES.has(e.code))) {
    return { status: 503, code: 'endpoint_unavailable', retryable: true, retryAfterSeconds: 2, message: 'The model endpoint is unavailable.' };
  }
  if (name === 'ModelError') return { status: 502, code: 'model_error', retryable: false, message: 'The model failed to score the request.' };
  if (name === 'InternalFailure' || name === 'InternalDependencyException' || (status !== undefined && status >= 500)) {
    return { status: 502, code: 'endpoint_error', retryable: true, retryAfterSeconds: 1, message: 'The model endpoint failed.' };
  }
  return { status: 502, code: 'endpoint_error', retryable: false, message: 'The model endpoint rejected the call.' };
}

/** JSON body of a 400 answer: every problem, each naming its field. */
export function badRequestBody(problems: readonly Problem[]): { error: 'invalid_request'; message: string; problems: readonly Problem[] } {
  return { error: 'invalid_request', message: describeProblems(problems), problems };
}
