/**
 * The Powertools set-up of every function: the logger, the metrics buffer and the tracer are
 * created here, once per execution environment, named by the function's metric-names.ts. The
 * variables the construct sets (POWERTOOLS_SERVICE_NAME, POWERTOOLS_METRICS_NAMESPACE) win, so
 * the deployed names are the ones the alarms and dashboards query; the defaults serve tests and
 * local runs. The tracer is active only inside Lambda (AWS_EXECUTION_ENV set) with X-Ray active
 * tracing on: it then adds a handler subsegment per invocation and one per AWS SDK call of every
 * client passed through traceClient; elsewhere both wrappers hand back what they were given.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { Tracer } from '@aws-lambda-powertools/tracer';
import { type Environment, POWERTOOLS_ENV } from './env';

/** Who a function is in its logs and metrics. */
export interface ServiceIdentity {
  /** The `service` key of log lines and the `service` dimension of metrics. */
  readonly serviceName: string;
  /** CloudWatch namespace of the function's EMF metrics. */
  readonly metricsNamespace: string;
}

export interface Powertools {
  /** The names in effect, after the environment's say. */
  readonly identity: ServiceIdentity;
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly tracer: Tracer;
  /** A further buffer with the same names, for EMF documents that carry their own dimensions and timestamp. */
  newMetrics(): Metrics;
  /** The client, with a subsegment per AWS SDK call (service, operation, retries, errors). */
  traceClient<T>(client: T): T;
  /** The handler, run in a `## handler` subsegment annotated with ColdStart and Service; errors are recorded on it and rethrown. */
  traceHandler<A extends unknown[], R>(handler: (...args: A) => Promise<R>): (...args: A) => Promise<R>;
}

export function createPowertools(defaults: ServiceIdentity, env: Environment = process.env): Powertools {
  const identity: ServiceIdentity = {
    serviceName: env[POWERTOOLS_ENV.serviceName] || defaults.serviceName,
    metricsNamespace: env[POWERTOOLS_ENV.metricsNamespace] || defaults.metricsNamespace,
  };
  const newMetrics = () => new Metrics({ namespace: identity.metricsNamespace, serviceName: identity.serviceName });
  const tracer = new Tracer({ serviceName: identity.serviceName });
  return {
    identity,
    logger: new Logger({ serviceName: identity.serviceName }),
    metrics: newMetrics(),
    tracer,
    newMetrics,
    traceClient: <T>(client: T): T => (tracer.isTracingEnabled() ? tracer.captureAWSv3Client(client) : client),
    traceHandler: (handler) => (tracer.isTracingEnabled() ? tracedHandler(tracer, handler) : handler),
  };
}

/** Powertools' manual handler instrumentation (what its middleware and decorator do), written once. */
function tracedHandler<A extends unknown[], R>(tracer: Tracer, handler: (...args: A) => Promise<R>): (...args: A) => Promise<R> {
  return async (...args: A): Promise<R> => {
    const segment = tracer.getSegment();
    const subsegment = segment?.addNewSubsegment('## handler');
    if (subsegment) tracer.setSegment(subsegment);
    tracer.annotateColdStart();
    tracer.addServiceNameAnnotation();
    try {
      return await handler(...args);
    } catch (error) {
      tracer.addErrorAsMetadata(error as Error);
      throw error;
    } finally {
      if (segment && subsegment) {
        subsegment.close();
        tracer.setSegment(segment);
      }
    }
  };
}
