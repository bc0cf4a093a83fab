import fc from 'fast-check';
import {
  DEFAULT_INVOKE_BUDGET,
  DEFAULT_READINESS,
  ENV,
  loadSettings,
  maxBackoffMs,
  sagemakerClientOptions,
  worstCaseInvokeMs,
} from '../../functions/ml-inference/config';
import {
  classifyEndpointError,
  confidenceOf,
  EndpointResponseError,
  parseEndpointScore,
  parsePredictRequest,
  predictionRow,
  round6,
} from '../../functions/ml-inference/domain';
import { validateEvent } from '../../functions/shared/contract';
import { VALID_EVENT } from './helpers/ml-inference';

describe('parseEndpointScore', () => {
  it.each([
    ['0.5', 0.5],
    ['0.123456789\n', 0.123456789],
    [' 1 ', 1],
    ['0', 0],
    ['3.0517578e-05', 3.0517578e-5],
  ])('reads %j', (body, score) => {
    expect(parseEndpointScore(Buffer.from(body))).toBe(score);
    expect(parseEndpointScore(body)).toBe(score);
  });

  it.each([[''], ['0.1,0.9'], ['0.1\n0.9'], ['nan'], ['1.5'], ['-0.1'], ['{"predictions":[0.5]}']])('rejects %j naming what it got', (body) => {
    expect(() => parseEndpointScore(Buffer.from(body))).toThrow(EndpointResponseError);
  });

  it.each([
    ['0x1', 'hex'],
    ['0b1', 'binary'],
    ['0o1', 'octal'],
    ['Infinity', 'Infinity'],
    ['NaN', 'NaN'],
    ['+1', 'a signed number'],
    ['-0', 'a signed zero'],
    ['1e400', 'an overflowing exponent'],
    ['   ', 'whitespace only'],
    ['\n', 'a bare line break'],
    ['0.5\n\n', 'two line breaks'],
    ['0.5,', 'an empty second cell'],
    ['\u0660.5', 'non-ASCII digits'],
    ['1_0', 'a numeric separator'],
  ])('rejects %j (%s), which Number() would read as a number or 0', (body) => {
    expect(() => parseEndpointScore(Buffer.from(body))).toThrow(EndpointResponseError);
    expect(() => parseEndpointScore(body)).toThrow(/expected (one score|a decimal number between 0 and 1|a probability between 0 and 1), got /);
  });

  it('rejects a missing body, and the null Body the SDK gives for an empty 200 answer', () => {
    expect(() => parseEndpointScore(undefined)).toThrow('no body');
    expect(() => parseEndpointScore(null)).toThrow(EndpointResponseError);
    expect(() => parseEndpointScore(new Uint8Array(0))).toThrow('expected one score, got an empty body');
  });

  it('property: any probability in the notations a model prints reads back as itself', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0, max: 1, noNaN: true }).map((p) => (Object.is(p, -0) ? 0 : p)),
        fc.integer({ min: 1, max: 17 }),
        (p, digits) => {
          expect(parseEndpointScore(`${p}\n`)).toBe(p);
          expect(parseEndpointScore(p.toExponential())).toBe(p);
          expect(parseEndpointScore(`${p.toPrecision(digits)}\r\n`)).toBe(Number(p.toPrecision(digits)));
        },
      ),
    );
  });

  it('property: for any body, the answer is a decimal literal in [0, 1] or a bad-response error', () => {
    const decimal = /^\s*(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?\s*$/;
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.stringMatching(/^[0-9a-fxobeEIinfty.+\- ,\n]{0,8}$/)), (body) => {
        let score: number | undefined;
        try {
          score = parseEndpointScore(body);
        } catch (e) {
          expect(e).toBeInstanceOf(EndpointResponseError);
          return;
        }
        expect(body.replace(/\r?\n$/, '')).toMatch(decimal);
        expect(score).toBeGreaterThanOrEqual(0);
        expect(score).toBeLessThanOrEqual(1);
      }),
      { numRuns: 500 },
    );
  });
});

describe('confidence', () => {
  it('is 0 at the decision boundary, 1 at certainty, symmetric, within [0, 1]', () => {
    expect(confidenceOf(0.5)).toBe(0);
    expect(confidenceOf(0)).toBe(1);
    expect(confidenceOf(1)).toBe(1);
    fc.assert(
      fc.property(fc.double({ min: 0, max: 1, noNaN: true }), (p) => {
        const c = confidenceOf(p);
        expect(c).toBeGreaterThanOrEqual(0);
        expect(c).toBeLessThanOrEqual(1);
        expect(c).toBeCloseTo(confidenceOf(1 - p), 12);
      }),
    );
  });

  it('round6 keeps six decimals', () => {
    expect(round6(0.12345678)).toBe(0.123457);
  });
});

describe('classifyEndpointError', () => {
  const sdk = (name: string, httpStatusCode?: number, extra: Record<string, unknown> = {}) =>
    Object.assign(new Error('x'), { name, $metadata: { httpStatusCode }, ...extra });
  it.each([
    [sdk('ThrottlingException', 400), 503, 'endpoint_throttled', 1],
    [sdk('SomethingNew', 429), 503, 'endpoint_throttled', 1],
    [sdk('ModelNotReadyException', 429), 503, 'model_not_ready', 5],
    [sdk('ServiceUnavailable', 503), 503, 'endpoint_unavailable', 2],
    [Object.assign(new Error('reset'), { code: 'ECONNRESET' }), 503, 'endpoint_unavailable', 2],
    [sdk('TimeoutError', undefined, { code: 'ETIMEDOUT' }), 504, 'endpoint_timeout', 1],
    [sdk('AbortError'), 504, 'endpoint_timeout', 1],
    [sdk('ModelError', 424), 502, 'model_error', undefined],
    [sdk('InternalFailure', 500), 502, 'endpoint_error', 1],
    [sdk('InternalDependencyException', 530), 502, 'endpoint_error', 1],
    [sdk('ValidationError', 400), 502, 'endpoint_error', undefined],
    [new EndpointResponseError('bad'), 502, 'bad_model_response', 1],
    [undefined, 502, 'endpoint_error', undefined],
  ])('%p -> %i %s', (error, status, code, retryAfter) => {
    const f = classifyEndpointError(error);
    expect(f).toMatchObject({ status, code });
    expect(f.retryAfterSeconds).toBe(retryAfter);
    expect(f.retryable).toBe(retryAfter !== undefined);
  });
});

describe('parsePredictRequest', () => {
  it('accepts JSON content types with parameters and vendor suffixes; no content-type too', () => {
    for (const ct of ['application/json', 'application/json; charset=utf-8', 'application/vnd.api+json', undefined]) {
      const r = parsePredictRequest({ body: JSON.stringify(VALID_EVENT), headers: ct ? { 'Content-Type': ct } : {} }, [], Date.UTC(2024, 3, 1));
      expect(r.ok).toBe(true);
    }
  });
});

describe('predictionRow', () => {
  it('fills every predictions column from the event and the result', () => {
    const v = validateEvent(VALID_EVENT);
    if (!v.ok) throw new Error('invalid');
    const row = predictionRow(v.event, '1,0', { score: 0.9, variant: 'champion', modelVersion: 'v1', invokeLatencyMs: 12.6 }, Date.UTC(2024, 2, 20, 10, 1));
    expect(row).toEqual({
      event_id: 'evt-0001',
      user_id: 'user123',
      session_id: 'sess789',
      event_type: 'add_to_cart',
      event_time: new Date(Date.UTC(2024, 2, 20, 10)),
      predicted_at: new Date(Date.UTC(2024, 2, 20, 10, 1)),
      score: 0.9,
      confidence: expect.closeTo(0.8, 12),
      variant: 'champion',
      model_version: 'v1',
      features: '1,0',
      latency_ms: 13,
    });
  });
});

describe('settings', () => {
  const env = {
    [ENV.endpointName]: 'ep-1',
    [ENV.variantModelVersions]: '{"champion":"v1","challenger":"v2"}',
    [ENV.predictionsBucket]: 'lake',
    [ENV.streamName]: 'events',
  };

  it('reads the environment with documented defaults', () => {
    const s = loadSettings(env);
    expect(s.readiness).toEqual({ streamName: 'events', ...DEFAULT_READINESS });
    expect(s.variantModelVersions).toEqual({ champion: 'v1', challenger: 'v2' });
    expect(s.invoke).toEqual(DEFAULT_INVOKE_BUDGET);
  });

  it.each([
    [{ [ENV.endpointName]: undefined }, 'environment variable(s) ENDPOINT_NAME must be set'],
    [{ [ENV.endpointName]: 'bad name' }, 'ENDPOINT_NAME="bad name" is invalid: allowed a SageMaker endpoint name'],
    [{ [ENV.variantModelVersions]: 'champion=v1' }, 'VARIANT_MODEL_VERSIONS="champion=v1" is invalid: allowed a non-empty JSON object'],
    [{ [ENV.variantModelVersions]: '{}' }, 'VARIANT_MODEL_VERSIONS="{}" is invalid: allowed a non-empty JSON object'],
    [
      { [ENV.variantModelVersions]: '{"champion":"latest"}' },
      'VARIANT_MODEL_VERSIONS="{"champion":"latest"}" is invalid: allowed a non-empty JSON object mapping variant names (letters, digits, hyphens, 1-63) to model versions, such as {"champion": "v1"}',
    ],
    [{ [ENV.maxAttempts]: '0' }, 'INVOKE_MAX_ATTEMPTS="0" is invalid: allowed an integer from 1 to 5'],
    [{ [ENV.writeTimeoutMs]: '1.5' }, 'PREDICTION_WRITE_TIMEOUT_MS="1.5" is invalid: allowed an integer from 10 to 10000'],
    [{ [ENV.streamName]: undefined }, 'environment variable(s) INGESTION_STREAM_NAME must be set'],
    [{ [ENV.readyCacheTtlMs]: '-1' }, 'READY_CACHE_TTL_MS="-1" is invalid: allowed an integer from 0 to 300000'],
    [{ [ENV.readyCheckTimeoutMs]: '50' }, 'READY_CHECK_TIMEOUT_MS="50" is invalid: allowed an integer from 100 to 10000'],
  ])('%j fails naming the variable', (patch, message) => {
    expect(() => loadSettings({ ...env, ...patch })).toThrow(message);
  });

  it('the default retry budget ends well inside the HTTP API 30 s integration timeout', () => {
    expect(maxBackoffMs(3)).toBe(3_000);
    expect(worstCaseInvokeMs(DEFAULT_INVOKE_BUDGET)).toBe(15_000);
    expect(worstCaseInvokeMs(DEFAULT_INVOKE_BUDGET)).toBeLessThan(29_000);
  });

  it('client options make the request timeout an error, not a warning', () => {
    expect(sagemakerClientOptions(DEFAULT_INVOKE_BUDGET).requestHandler).toEqual({
      connectionTimeout: 1_000,
      requestTimeout: 3_000,
      throwOnRequestTimeout: true,
    });
  });
});
