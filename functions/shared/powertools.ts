/**
 * The Powertools set-up of every function: the logger and the metrics buffer are created here,
 * once per execution environment, named by the function's metric-names.ts. The variables the
 * construct sets (POWERTOOLS_SERVICE_NAME, POWERTOOLS_METRICS_NAMESPACE) win, so the deployed
 * names are the ones the alarms and dashboards query; the defaults serve tests and local runs.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
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
  /** A further buffer with the same names, for EMF documents that carry their own dimensions and timestamp. */
  newMetrics(): Metrics;
}

export function createPowertools(defaults: ServiceIdentity, env: Environment = process.env): Powertools {
  const identity: ServiceIdentity = {
    serviceName: env[POWERTOOLS_ENV.serviceName] || defaults.serviceName,
    metricsNamespace: env[POWERTOOLS_ENV.metricsNamespace] || defaults.metricsNamespace,
  };
  const newMetrics = () => new Metrics({ namespace: identity.metricsNamespace, serviceName: identity.serviceName });
  return { identity, logger: new Logger({ serviceName: identity.serviceName }), metrics: newMetrics(), newMetrics };
}
