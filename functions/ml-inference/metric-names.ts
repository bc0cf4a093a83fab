/**
 * CloudWatch metrics the inference function emits (EMF via Powertools). Imported by the stack
 * (namespace, dashboards, alarms) so a metric name is spelled once.
 */
import type { ServiceIdentity } from '../shared/powertools';

export const INFERENCE_METRICS_NAMESPACE = 'DataAnalyticsMl/Inference';

/** The function's logger and metrics names when its environment does not set them. */
export const INFERENCE_SERVICE: ServiceIdentity = { serviceName: 'ml-inference', metricsNamespace: INFERENCE_METRICS_NAMESPACE };

/** Powertools adds `service` (= POWERTOOLS_SERVICE_NAME) to every metric. */
export const INFERENCE_SERVICE_DIMENSION = 'service';
/** Dimension of the per-variant metrics: the production variant that answered. */
export const VARIANT_DIMENSION = 'Variant';
/** Dimension of EndpointErrors: the answer's error code (see classifyEndpointError). */
export const ERROR_CODE_DIMENSION = 'ErrorCode';

export const INFERENCE_METRICS = {
  /** Per variant: InvokeEndpoint round trip, ms (SDK retries included). */
  invokeLatency: 'InvokeLatency',
  /** Per variant: predictions answered. */
  predictions: 'Predictions',
  /** Per error code: endpoint calls that ended in a 502/503/504. */
  endpointErrors: 'EndpointErrors',
  /** Requests answered 400. */
  invalidRequests: 'InvalidRequests',
  /** Requests answered 500 (a bug). */
  unhandledErrors: 'UnhandledErrors',
  /** Whole handler, ms. */
  handlerLatency: 'HandlerLatency',
  /** Prediction rows written to the lake. */
  predictionsWritten: 'PredictionsWritten',
  /** Prediction rows whose write failed (kept for a retry). */
  predictionWriteFailures: 'PredictionWriteFailures',
  /** Answers sent while a prediction write was still running. */
  predictionWritesPending: 'PredictionWritesPending',
  /** Prediction rows dropped because the buffer cap was reached while writes failed. */
  predictionsDropped: 'PredictionsDropped',
} as const;
