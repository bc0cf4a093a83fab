/**
 * The inference API's handler, built from its dependencies so tests and the benchmark can run
 * it with real SDK clients against mocks or a local server. index.ts wires the production ones.
 *
 *   POST /predict  body: one event (event contract), ?variant=<name> pins a production variant
 *   GET  /health   liveness: configuration only; never calls the endpoint
 *   GET  /ready    readiness: endpoint, stream and lake bucket checked (cached), 200 or 503
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import { MetricUnit, type Metrics } from '@aws-lambda-powertools/metrics';
import { InvokeEndpointCommand, type SageMakerRuntimeClient } from '@aws-sdk/client-sagemaker-runtime';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { performance } from 'node:perf_hooks';
import { Deadline } from '../shared/deadline';
import type { InferenceSettings } from './config';
import {
  badRequestBody,
  classifyEndpointError,
  confidenceOf,
  parseEndpointScore,
  parsePredictRequest,
  type ParsedPredictRequest,
  predictionRow,
  round6,
} from './domain';
import { ERROR_CODE_DIMENSION, INFERENCE_METRICS as M, VARIANT_DIMENSION } from './metric-names';
import type { PredictionLog } from './prediction-log';
import { readinessHttpStatus, type ReadinessCache, type ReadinessReport } from './readiness';

/** What GET /ready runs: the checks, and the cache in front of them. */
export interface ReadinessDependencies {
  readonly cache: ReadinessCache;
  /** Runs every check once, within the invocation's deadline. */
  readonly probe: (within: Deadline) => Promise<ReadinessReport>;
}

export interface HandlerDependencies {
  readonly sagemaker: SageMakerRuntimeClient;
  readonly predictionLog: PredictionLog;
  readonly settings: InferenceSettings;
  readonly logger: Logger;
  readonly metrics: Metrics;
  /** GET /ready. @default none: the route answers 404 (runs without control-plane clients, such as the benchmark) */
  readonly readiness?: ReadinessDependencies;
  /** Wall clock (prediction timestamps). @default Date.now */
  readonly clock?: () => number;
}

/** What the handler reads from the Lambda context. */
export interface InvocationContext {
  getRemainingTimeInMillis(): number;
  readonly awsRequestId?: string;
}

export type InferenceHandler = (event: APIGatewayProxyEventV2, context: InvocationContext) => Promise<APIGatewayProxyStructuredResultV2>;

const JSON_HEADERS = { 'content-type': 'application/json', 'cache-control': 'no-store' } as const;

function json(statusCode: number, body: unknown, headers: Record<string, string> = {}): APIGatewayProxyStructuredResultV2 {
  return { statusCode, headers: { ...JSON_HEADERS, ...headers }, body: JSON.stringify(body) };
}

export function createHandler(deps: HandlerDependencies): InferenceHandler {
  const { sagemaker, predictionLog, settings, logger, metrics } = deps;
  const clock = deps.clock ?? Date.now;
  const variants = Object.keys(settings.variantModelVersions);
  const routes = ['POST /predict', 'GET /health', ...(deps.readiness ? ['GET /ready'] : [])];

  /** A metric with the Variant or ErrorCode dimension, emitted as its own EMF record. */
  const dimensioned = (dimension: string, value: string, name: string, unit: (typeof MetricUnit)[keyof typeof MetricUnit], amount: number) => {
    const single = metrics.singleMetric();
    single.addDimension(dimension, value);
    single.addMetric(name, unit, amount);
  };

  const recordFlush = (outcome: { written: number; failed: number } | undefined) => {
    if (outcome === undefined) metrics.addMetric(M.predictionWritesPending, MetricUnit.Count, 1);
    else {
      if (outcome.written > 0) metrics.addMetric(M.predictionsWritten, MetricUnit.Count, outcome.written);
      if (outcome.failed > 0) metrics.addMetric(M.predictionWriteFailures, MetricUnit.Count, outcome.failed);
    }
    const dropped = predictionLog.takeDropped();
    if (dropped > 0) {
      metrics.addMetric(M.predictionsDropped, MetricUnit.Count, dropped);
      logger.error('prediction rows dropped: the buffer cap was reached while lake writes failed', { dropped });
    }
  };

  async function predict(event: APIGatewayProxyEventV2, context: InvocationContext): Promise<APIGatewayProxyStructuredResultV2> {
    const parsed = parsePredictRequest(event, variants, clock());
    if (!parsed.ok) {
      metrics.addMetric(M.invalidRequests, MetricUnit.Count, 1);
      logger.info('request rejected', { problems: parsed.problems });
      return json(400, badRequestBody(parsed.problems));
    }
    logger.appendKeys({ eventId: parsed.event.event_id, ...(parsed.targetVariant ? { targetVariant: parsed.targetVariant } : {}) });

    // Our own deadline, inside the function timeout (and so inside the HTTP API's 30 s): the
    // caller gets this handler's 504, never the gateway's. It bounds the prediction writes too.
    const deadline = Deadline.fromContext(context, settings.deadlineReserveMs + settings.flush.writeTimeoutMs);
    try {
      return await answerWithin(parsed, deadline);
    } finally {
      deadline.dispose();
    }
  }

  async function answerWithin(parsed: Extract<ParsedPredictRequest, { ok: true }>, deadline: Deadline): Promise<APIGatewayProxyStructuredResultV2> {
    // A due buffer (or a batch awaiting retry) travels to S3 while the endpoint works on this one.
    predictionLog.flushIfDue(deadline.signal());

    const invokeStarted = performance.now();
    let score: number;
    let answeredBy: string | undefined;
    try {
      const out = await sagemaker.send(
        new InvokeEndpointCommand({
          EndpointName: settings.endpointName,
          Body: Buffer.from(parsed.featureRow, 'utf8'),
          ContentType: 'text/csv',
          Accept: 'text/csv',
          // Stored with the captured request: joins data capture to the predictions table and ground truth.
          InferenceId: parsed.event.event_id,
          ...(parsed.targetVariant ? { TargetVariant: parsed.targetVariant } : {}),
        }),
        deadline.sendOptions(),
      );
      score = parseEndpointScore(out.Body);
      answeredBy = out.InvokedProductionVariant;
    } catch (error) {
      const failure = classifyEndpointError(error);
      dimensioned(ERROR_CODE_DIMENSION, failure.code, M.endpointErrors, MetricUnit.Count, 1);
      logger.warn('endpoint call failed', {
        code: failure.code,
        errorName: (error as Error)?.name,
        errorMessage: (error as Error)?.message,
        httpStatusCode: (error as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode,
        elapsedMs: Math.round(performance.now() - invokeStarted),
      });
      recordFlush(await predictionLog.settle(undefined, deadline.signal()));
      return json(
        failure.status,
        {
          error: failure.code,
          message: failure.message,
          retryable: failure.retryable,
          ...(failure.retryAfterSeconds ? { retryAfterSeconds: failure.retryAfterSeconds } : {}),
        },
        failure.retryAfterSeconds ? { 'retry-after': String(failure.retryAfterSeconds) } : {},
      );
    }
    const invokeLatencyMs = performance.now() - invokeStarted;
    const variant = answeredBy ?? parsed.targetVariant ?? 'unknown';
    const modelVersion = settings.variantModelVersions[variant] ?? 'unknown';
    if (modelVersion === 'unknown') logger.warn('endpoint answered from a variant this function does not know', { variant, known: variants });

    dimensioned(VARIANT_DIMENSION, variant, M.invokeLatency, MetricUnit.Milliseconds, invokeLatencyMs);
    dimensioned(VARIANT_DIMENSION, variant, M.predictions, MetricUnit.Count, 1);
    predictionLog.add(predictionRow(parsed.event, parsed.featureRow, { score, variant, modelVersion, invokeLatencyMs }, clock()));
    recordFlush(await predictionLog.settle(undefined, deadline.signal()));

    return json(200, {
      eventId: parsed.event.event_id,
      score: round6(score),
      confidence: round6(confidenceOf(score)),
      variant,
      modelVersion,
    });
  }

  async function ready(readiness: ReadinessDependencies, context: InvocationContext): Promise<APIGatewayProxyStructuredResultV2> {
    const deadline = Deadline.fromContext(context, settings.deadlineReserveMs);
    try {
      const { report, cached } = await readiness.cache.get(() => readiness.probe(deadline));
      if (report.status !== 'ready' && !cached) logger.warn('not ready', { dependencies: report.dependencies });
      return json(readinessHttpStatus(report), report);
    } finally {
      deadline.dispose();
    }
  }

  return async function handler(event, context) {
    const started = performance.now();
    logger.appendKeys({ requestId: event.requestContext?.requestId ?? context.awsRequestId, route: event.routeKey });
    try {
      switch (event.routeKey) {
        case 'POST /predict':
          return await predict(event, context);
        case 'GET /health':
          return json(200, { status: 'ok', endpointName: settings.endpointName, variants: settings.variantModelVersions });
        case 'GET /ready':
          if (deps.readiness) return await ready(deps.readiness, context);
          break;
      }
      return json(404, { error: 'not_found', message: `no route ${event.routeKey}; routes: ${routes.join(', ')}` });
    } catch (error) {
      // Logged with its stack; the caller only gets the request id to quote.
      logger.error('unhandled error', error as Error);
      metrics.addMetric(M.unhandledErrors, MetricUnit.Count, 1);
      return json(500, {
        error: 'internal_error',
        message: 'Unexpected error; quote the request id.',
        requestId: event.requestContext?.requestId ?? context.awsRequestId,
      });
    } finally {
      metrics.addMetric(M.handlerLatency, MetricUnit.Milliseconds, performance.now() - started);
      metrics.publishStoredMetrics();
      logger.resetKeys();
    }
  };
}
