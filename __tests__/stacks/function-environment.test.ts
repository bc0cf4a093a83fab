/**
 * Each deployed function's environment, as synthesized: only variables its config module names
 * (plus the Node.js options), and the Powertools names its metric-names.ts declares, so the
 * alarms and dashboards query the names the function publishes under.
 */
import { ENV as INFERENCE_ENV } from '../../functions/ml-inference/config';
import { INFERENCE_SERVICE } from '../../functions/ml-inference/metric-names';
import { POWERTOOLS_ENV } from '../../functions/shared/env';
import type { ServiceIdentity } from '../../functions/shared/powertools';
import { ENV as AGGREGATOR_ENV } from '../../functions/stream-aggregator/config';
import { AGGREGATOR_SERVICE } from '../../functions/stream-aggregator/metric-names';
import { ENV as PROCESSOR_ENV } from '../../functions/stream-processor/config';
import { PROCESSOR_SERVICE } from '../../functions/stream-processor/metric-names';
import { ENV as LOADER_ENV } from '../../functions/warehouse-loader/config';
import { LOADER_SERVICE } from '../../functions/warehouse-loader/metric-names';
import { STREAM_PROCESSOR_SERVICE } from '../../stacks/constructs/stream-processor';
import { resourcesOf, ROLES, synthPlatform } from '../helpers/synth';

const FUNCTIONS: [string, Readonly<Record<string, string>>, ServiceIdentity][] = [
  ['stream-processor', PROCESSOR_ENV, PROCESSOR_SERVICE],
  ['stream-aggregator', AGGREGATOR_ENV, AGGREGATOR_SERVICE],
  ['warehouse-loader', LOADER_ENV, LOADER_SERVICE],
  ['ml-inference', INFERENCE_ENV, INFERENCE_SERVICE],
];

describe.each(ROLES)('%s stack: function environments', (role) => {
  const { stacks } = synthPlatform();
  const functions = resourcesOf(stacks[role], 'aws_lambda_function').map(([, f]) => f);
  const deployedAs = (entry: string) => functions.filter((f) => String(f.function_name).includes(`-${entry}-`));

  it.each(FUNCTIONS)('%s sets only the variables its config names, under the Powertools names of its metric-names.ts', (entry, names, identity) => {
    const deployed = deployedAs(entry);
    // In the default pilot-light DR mode the standby region has no cluster, so no loader.
    expect(deployed).toHaveLength(role === 'primary' || entry !== 'warehouse-loader' ? 1 : 0);
    for (const fn of deployed) {
      const variables: Record<string, string> = fn.environment.variables;
      const known = new Set<string>([...Object.values(names), 'NODE_OPTIONS']);
      expect(Object.keys(variables).filter((name) => !known.has(name))).toEqual([]);
      expect(variables[POWERTOOLS_ENV.serviceName]).toBe(identity.serviceName);
      expect(variables[POWERTOOLS_ENV.metricsNamespace]).toBe(identity.metricsNamespace);
    }
  });
});

it("the stack's stream-processor service name, which the data-quality alarms query, is the function's own", () => {
  expect(STREAM_PROCESSOR_SERVICE).toBe(PROCESSOR_SERVICE.serviceName);
});
