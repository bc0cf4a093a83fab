/**
 * The platform's saved CloudWatch Logs Insights queries, per function, over the JSON log lines
 * the functions write (Powertools: `level`, `message`, `correlation_id` and the fields each log
 * call adds; Lambda's own `platform.report` lines for durations). Message texts and field names
 * are the functions' own (functions/<name>/), so a query cannot drift from what is logged without
 * a test failing (__tests__/stacks/log-queries.test.ts). docs/operations.md lists them in the runbooks.
 */
import { PROBLEM_CODES } from '../functions/shared/contract';

export type FunctionLabel = 'stream-processor' | 'ml-inference' | 'stream-aggregator' | 'warehouse-loader';

export interface LogQuerySpec {
  /** Stable id (part of the resource id). */
  readonly id: string;
  /** Shown in the console, after `<prefix>/<function>/`. */
  readonly title: string;
  readonly query: string;
}

/** Messages the queries select on, as the functions log them. */
export const LOGGED_MESSAGES = {
  batchProcessed: 'batch processed',
  requestRejected: 'request rejected',
  endpointCallFailed: 'endpoint call failed',
  unhandledError: 'unhandled error',
} as const;

/**
 * The id that ties an error to its batch or request: the processor and aggregator set the first
 * record's event id as Powertools' correlation_id, the loader logs each message's messageId, the
 * inference function its API request id; Lambda's own report lines carry record.requestId.
 */
const CORRELATION_ID = 'coalesce(correlation_id, messageId, requestId, record.requestId)';

const errorsByCorrelationId: LogQuerySpec = {
  id: 'errors-by-correlation-id',
  title: 'Errors by correlation id',
  query: `fields @timestamp, message, ${CORRELATION_ID} as correlationId
| filter level = "ERROR" or record.status in ["error", "timeout"]
| stats count(*) as errors, earliest(@timestamp) as firstSeen, latest(@timestamp) as lastSeen, latest(message) as lastMessage by correlationId
| sort errors desc
| limit 50`,
};

function slowest(unit: string): LogQuerySpec {
  return {
    id: `slowest-${unit}`,
    title: `Slowest ${unit}`,
    query: `filter type = "platform.report"
| fields @timestamp, record.requestId as requestId, record.metrics.durationMs as durationMs, record.metrics.maxMemoryUsedMB as maxMemoryMB, record.status as status
| sort durationMs desc
| limit 20`,
  };
}

/** Quarantined records per hour by problem code, from the processor's per-batch summary. */
const quarantineByKind: LogQuerySpec = {
  id: 'quarantine-reasons-by-kind',
  title: 'Quarantine reasons by kind (per hour)',
  query: `filter message = "${LOGGED_MESSAGES.batchProcessed}"
| stats sum(records) as records, sum(quarantined) as quarantined, ${PROBLEM_CODES.map((c) => `sum(quarantineByKind.${c}) as ${c}`).join(', ')} by bin(1h) as hour
| sort hour desc`,
};

/**
 * The inference function's non-2xx answers by code: `request rejected` is a 400 (the first
 * problem's code and field), `endpoint call failed` a 502/503/504 by the endpoint error's code,
 * `unhandled error` a 500.
 */
const inferenceErrorsByCode: LogQuerySpec = {
  id: 'inference-errors-by-code',
  title: 'Inference 4xx / 5xx by code',
  query: `filter message in ["${LOGGED_MESSAGES.requestRejected}", "${LOGGED_MESSAGES.endpointCallFailed}", "${LOGGED_MESSAGES.unhandledError}"]
| fields coalesce(code, problems.0.code) as errorCode, coalesce(problems.0.field, "") as field
| stats count(*) as responses by message, errorCode, field
| sort responses desc`,
};

/** The saved queries of one function's log group. */
export function logQueries(fn: FunctionLabel): LogQuerySpec[] {
  switch (fn) {
    case 'stream-processor':
      return [quarantineByKind, slowest('batches'), errorsByCorrelationId];
    case 'stream-aggregator':
    case 'warehouse-loader':
      return [slowest('batches'), errorsByCorrelationId];
    case 'ml-inference':
      return [inferenceErrorsByCode, slowest('requests'), errorsByCorrelationId];
  }
}
