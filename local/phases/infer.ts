/**
 * Phase "infer": a sample of the valid events, spread evenly over the run, goes through the
 * inference handler as API Gateway HTTP API events (four requests in flight); the handler calls
 * the SageMaker stand-in and buffers its prediction log, which is drained at the end.
 */
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { randomUUID } from 'node:crypto';
import type { GeneratedRecord } from '../../functions/shared/generator';
import { invokeLocal } from '../lambda-runtime';
import type { LocalFunctions } from './functions';
import type { LocalRun } from './run-context';

export interface InferenceOutcome {
  /** Requests sent. */
  readonly requested: number;
  readonly latencyMs: number[];
  /** Answers (HTTP 200) per variant. */
  readonly answeredBy: Map<string, number>;
  readonly errors: number;
  /** Requests sent again after an answer the API marked retryable (a client's retries). */
  readonly clientRetries: number;
  /** Prediction rows still buffered or queued when the last request was answered. */
  readonly bufferedAtEnd: number;
}

const REQUESTS_IN_FLIGHT = 4;
/** Failed requests noted on the terminal; the rest are counted only. */
const NOTED_ERRORS = 3;
/**
 * Attempts a client makes of one request while the API answers `retryable: true`, waiting
 * 50 ms, 100 ms, ... between them (a short stand-in for the Retry-After the API sends).
 */
const CLIENT_ATTEMPTS = 5;
/** Flushes of the prediction log at the end, while a write fails and rows stay queued. */
const DRAIN_FLUSHES = 10;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function retryableAnswer(response: APIGatewayProxyStructuredResultV2 | undefined): boolean {
  if (!response || response.statusCode === 200) return false;
  try {
    return (JSON.parse(String(response.body)) as { retryable?: unknown }).retryable === true;
  } catch {
    return false;
  }
}

function apiEvent(body: string, accountId: string): APIGatewayProxyEventV2 {
  const now = new Date();
  return {
    version: '2.0',
    routeKey: 'POST /predict',
    rawPath: '/predict',
    rawQueryString: '',
    headers: { 'content-type': 'application/json', host: 'localhost' },
    requestContext: {
      accountId,
      apiId: 'local',
      domainName: 'localhost',
      domainPrefix: 'localhost',
      http: { method: 'POST', path: '/predict', protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'npm-run-local' },
      requestId: randomUUID(),
      routeKey: 'POST /predict',
      stage: '$default',
      time: now.toISOString(),
      timeEpoch: now.getTime(),
    },
    body,
    isBase64Encoded: false,
  };
}

export async function infer(run: LocalRun, functions: LocalFunctions, generated: readonly GeneratedRecord[]): Promise<InferenceOutcome> {
  const { options, platform: p, ui } = run;
  const { inference } = functions;
  const validRecords = generated.filter((r) => r.kind === 'valid');
  const sampleSize = Math.min(options.predictions, validRecords.length);
  const stride = validRecords.length / Math.max(1, sampleSize);
  const sample = Array.from({ length: sampleSize }, (_, i) => validRecords[Math.floor(i * stride)]!);
  const latencyMs: number[] = [];
  const answeredBy = new Map<string, number>();
  let errors = 0;
  let clientRetries = 0;
  let cursor = 0;
  await Promise.all(
    Array.from({ length: Math.min(REQUESTS_IN_FLIGHT, sample.length) }, async () => {
      while (cursor < sample.length) {
        const record = sample[cursor++]!;
        let response: APIGatewayProxyStructuredResultV2 | undefined;
        let outcome;
        for (let attempt = 1; ; attempt++) {
          const invoked = await invokeLocal(inference.fn, inference.handler, apiEvent(record.data.toString('utf8'), p.accountId));
          latencyMs.push(invoked.durationMs);
          outcome = invoked.outcome;
          response = outcome.kind === 'response' ? (outcome.response as APIGatewayProxyStructuredResultV2) : undefined;
          if (attempt >= CLIENT_ATTEMPTS || !retryableAnswer(response)) break;
          clientRetries++;
          await sleep(50 * 2 ** (attempt - 1));
        }
        if (response?.statusCode === 200) {
          const body = JSON.parse(String(response.body)) as { variant: string };
          answeredBy.set(body.variant, (answeredBy.get(body.variant) ?? 0) + 1);
        } else {
          errors++;
          if (errors <= NOTED_ERRORS)
            ui.note(`inference request failed: ${outcome.kind === 'error' ? String(outcome.error) : `${response?.statusCode} ${response?.body}`}`);
        }
        ui.status(`inference ${latencyMs.length}/${sample.length}`);
      }
    }),
  );
  const bufferedAtEnd = inference.predictionLog.stats.buffered + inference.predictionLog.stats.queuedBatches;
  // The execution environment stays warm in the service and flushes on its next requests; here the run ends, so drain it.
  // A write that fails keeps its rows queued for the next flush, as the warm environment would retry them.
  for (let i = 0; i < DRAIN_FLUSHES; i++) {
    await inference.predictionLog.flush();
    const left = inference.predictionLog.stats;
    if (left.buffered + left.queuedBatches === 0) break;
  }
  return { requested: sample.length, latencyMs, answeredBy, errors, clientRetries, bufferedAtEnd };
}
