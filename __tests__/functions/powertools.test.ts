/** The shared Powertools set-up: the environment's names win, the function's metric-names.ts supplies the defaults. */
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import * as fc from 'fast-check';
import { POWERTOOLS_ENV } from '../../functions/shared/env';
import { createPowertools, type ServiceIdentity } from '../../functions/shared/powertools';

const DEFAULTS: ServiceIdentity = { serviceName: 'some-function', metricsNamespace: 'Some/Namespace' };

/** Namespace and `service` dimension of the EMF document a buffer would publish. */
function emfNames(metrics: ReturnType<typeof createPowertools>['metrics']): { namespace: string; service: unknown } {
  metrics.addMetric('Probe', MetricUnit.Count, 1);
  const emf = metrics.serializeMetrics() as unknown as { _aws: { CloudWatchMetrics: { Namespace: string }[] }; service?: unknown };
  metrics.clearMetrics();
  return { namespace: emf._aws.CloudWatchMetrics[0]!.Namespace, service: emf.service };
}

/** The JSON line the logger writes for one info message. */
function logLine(logger: ReturnType<typeof createPowertools>['logger']): Record<string, unknown> {
  const written: string[] = [];
  const spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    written.push(String(chunk));
    return true;
  });
  try {
    logger.info('probe');
  } finally {
    spy.mockRestore();
  }
  return JSON.parse(written.join('').trim().split('\n').pop()!);
}

describe('createPowertools', () => {
  it('names logs and metrics from the defaults when the environment is silent', () => {
    const p = createPowertools(DEFAULTS, {});
    expect(p.identity).toEqual(DEFAULTS);
    expect(emfNames(p.metrics)).toEqual({ namespace: DEFAULTS.metricsNamespace, service: DEFAULTS.serviceName });
    expect(logLine(p.logger)).toMatchObject({ service: DEFAULTS.serviceName, message: 'probe' });
  });

  it('lets the variables the construct sets win over the defaults, for every buffer', () => {
    const names = fc.stringMatching(/^[A-Za-z][A-Za-z0-9/_-]{0,30}$/);
    fc.assert(
      fc.property(names, names, (serviceName, metricsNamespace) => {
        const p = createPowertools(DEFAULTS, { [POWERTOOLS_ENV.serviceName]: serviceName, [POWERTOOLS_ENV.metricsNamespace]: metricsNamespace });
        expect(p.identity).toEqual({ serviceName, metricsNamespace });
        expect(emfNames(p.metrics)).toEqual({ namespace: metricsNamespace, service: serviceName });
        expect(emfNames(p.newMetrics())).toEqual({ namespace: metricsNamespace, service: serviceName });
      }),
      { numRuns: 25 },
    );
  });

  it('gives each further buffer its own stored metrics', () => {
    const p = createPowertools(DEFAULTS, {});
    const window = p.newMetrics();
    p.metrics.addMetric('Invocation', MetricUnit.Count, 1);
    window.addMetric('Window', MetricUnit.Count, 2);
    const names = (m: typeof window) =>
      (m.serializeMetrics() as unknown as { _aws: { CloudWatchMetrics: { Metrics: { Name: string }[] }[] } })._aws.CloudWatchMetrics[0]!.Metrics.map(
        (x) => x.Name,
      );
    expect(names(p.metrics)).toEqual(['Invocation']);
    expect(names(window)).toEqual(['Window']);
  });
});
