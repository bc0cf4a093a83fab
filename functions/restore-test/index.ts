/**
 * Lambda entry point of the warehouse restore test: one step per invocation, chosen by the state
 * machine (steps.ts). Settings, SDK clients, logger and metrics are created once per execution
 * environment; the run's cluster identifier is the correlation id of every log line.
 */
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { AthenaClient } from '@aws-sdk/client-athena';
import { RedshiftClient } from '@aws-sdk/client-redshift';
import { RedshiftDataClient } from '@aws-sdk/client-redshift-data';
import type { Context } from 'aws-lambda';
import { clientConfig, Deadline } from '../shared/deadline';
import { createPowertools } from '../shared/powertools';
import { awsPorts } from './aws-adapters';
import { readConfig } from './config';
import type { RunState } from './domain';
import { RESTORE_TEST_METRICS, RESTORE_TEST_SERVICE } from './metric-names';
import { parseStepRequest, runStep } from './steps';

const settings = readConfig(process.env);
const { logger, metrics, traceClient, traceHandler } = createPowertools(RESTORE_TEST_SERVICE);
const timeouts = { connectionTimeoutMs: 3_000, requestTimeoutMs: 15_000, maxAttempts: 4 } as const;
const ports = awsPorts(
  {
    redshift: traceClient(new RedshiftClient(clientConfig(timeouts))),
    redshiftData: traceClient(new RedshiftDataClient(clientConfig(timeouts))),
    athena: traceClient(new AthenaClient(clientConfig(timeouts))),
  },
  settings,
  (result, state) => {
    metrics.addMetric(RESTORE_TEST_METRICS.success, MetricUnit.Count, result.success ? 1 : 0);
    if (result.restoreDurationSeconds !== undefined) metrics.addMetric(RESTORE_TEST_METRICS.restoreDuration, MetricUnit.Seconds, result.restoreDurationSeconds);
    if (result.rowCountDifference !== undefined) metrics.addMetric(RESTORE_TEST_METRICS.rowCountDifference, MetricUnit.Count, result.rowCountDifference);
    const log = result.success ? logger.info.bind(logger) : logger.error.bind(logger);
    log('restore test finished', { outcome: result, comparison: state.comparison, deletion: state.deletion });
  },
);

async function step(event: unknown, context: Context): Promise<RunState> {
  const request = parseStepRequest(event);
  logger.appendKeys({ requestId: context.awsRequestId, correlation_id: request.state.run?.clusterIdentifier ?? 'unplanned', action: request.action });
  const deadline = Deadline.fromContext(context, settings.timeReserveMs);
  try {
    const state = await runStep(request, ports, settings, deadline.at);
    logger.info('step done', { cluster: state.cluster, deletion: state.deletion });
    return state;
  } catch (error) {
    logger.error('step failed', { errorName: (error as Error)?.name, errorMessage: (error as Error)?.message });
    throw error;
  } finally {
    deadline.dispose();
    metrics.publishStoredMetrics();
  }
}

export const handler = traceHandler(step);
