/**
 * One SQS batch of S3 notifications, processed message by message (each message's objects one
 * after another, so a function instance never runs two COPYs at once and the event source
 * mapping's maximum concurrency is the bound on concurrent COPYs). Failed messages are reported
 * individually (ReportBatchItemFailures): SQS redelivers only those, and after the queue's
 * maxReceiveCount moves them to the dead-letter queue, so nothing is lost. A paused or resuming
 * warehouse fails the message it was loading and leaves the rest of the batch untried: all of them
 * are reported as failed and wait in the queue until the cluster resumes (the queue allows enough
 * deliveries for the longest scheduled pause).
 */
import type { SQSBatchResponse, SQSRecord } from 'aws-lambda';
import { isDeadlineExceeded } from '../shared/deadline';
import { isTransient, isWarehouseUnavailable, StatementFailedError } from './data-api';
import { type LoaderDependencies, loadObject } from './loader';
import { LOADER_METRICS, type LoaderCountMetric } from './metric-names';
import { parseS3Notification } from './s3-event';

export interface BatchLogger {
  info(message: string, extra?: Record<string, unknown>): void;
  warn(message: string, extra?: Record<string, unknown>): void;
  error(message: string, extra?: Record<string, unknown>): void;
}

export interface BatchMetrics {
  count(name: LoaderCountMetric, value: number): void;
  milliseconds(name: typeof LOADER_METRICS.loadDuration, value: number): void;
}

export interface BatchDependencies extends LoaderDependencies {
  readonly logger: BatchLogger;
  readonly metrics: BatchMetrics;
  readonly now: () => number;
  /** Time a message needs before the deadline to be started. @default MIN_MILLIS_PER_MESSAGE */
  readonly minMillisPerMessage?: number;
}

/** A message is started only when at least this much time remains: a COPY of one object rarely needs more. */
export const MIN_MILLIS_PER_MESSAGE = 60_000;

function errorFields(error: unknown): Record<string, unknown> {
  if (error instanceof StatementFailedError) {
    return { error: error.message, statementId: error.statementId, failedStatement: error.failedStatementIndex, transient: isTransient(error) };
  }
  return {
    error: error instanceof Error ? error.message : String(error),
    errorName: (error as { name?: string })?.name,
    transient: isTransient(error),
    warehouseUnavailable: isWarehouseUnavailable(error),
    deadlineExceeded: isDeadlineExceeded(error),
  };
}

/** Processes the batch; `deadline` is the epoch ms by which every statement must have ended. */
export async function processBatch(records: readonly SQSRecord[], deadline: number, deps: BatchDependencies): Promise<SQSBatchResponse> {
  const { logger, metrics } = deps;
  const failures: string[] = [];
  const minMillisPerMessage = deps.minMillisPerMessage ?? MIN_MILLIS_PER_MESSAGE;
  let warehouseUnavailable = false;

  for (const record of records) {
    const correlation = { messageId: record.messageId, receiveCount: record.attributes?.ApproximateReceiveCount };
    if (warehouseUnavailable) {
      // The cluster answered that it is paused or resuming: the message would fail the same way.
      metrics.count(LOADER_METRICS.warehouseUnavailable, 1);
      failures.push(record.messageId);
      continue;
    }
    if (deps.now() + minMillisPerMessage > deadline) {
      // Not started, not lost: SQS makes it visible again after the visibility timeout.
      logger.warn('not enough time left to load this message; deferring it', correlation);
      metrics.count(LOADER_METRICS.deferred, 1);
      failures.push(record.messageId);
      continue;
    }

    const parsed = parseS3Notification(record.body, deps.settings.lakeBucket);
    if (parsed.kind === 'test-event') {
      logger.info('S3 test event acknowledged', correlation);
      continue;
    }
    if (parsed.kind === 'invalid') {
      // Reported as failed so it ends in the dead-letter queue with its body intact.
      logger.error('message is not a loadable S3 notification', { ...correlation, problems: parsed.problems });
      metrics.count(LOADER_METRICS.invalidMessages, 1);
      failures.push(record.messageId);
      continue;
    }

    for (const object of parsed.objects) {
      const context = { ...correlation, objectKey: object.key, etag: object.etag, table: object.table };
      const started = deps.now();
      try {
        const outcome = await loadObject(object, deps, deadline);
        if (outcome.status === 'superseded' || outcome.status === 'gone') {
          // Nothing of this version is left to load: a newer version under the key has its own notification.
          logger.info(
            outcome.status === 'gone'
              ? 'object no longer exists; nothing to load'
              : 'object was rewritten since this notification; its newer version is loaded from its own',
            context,
          );
          metrics.count(LOADER_METRICS.superseded, 1);
        } else if (outcome.status === 'already-loaded') {
          logger.info('object already loaded; nothing to do', { ...context, statementId: outcome.statementId });
          metrics.count(LOADER_METRICS.alreadyLoaded, 1);
        } else {
          logger.info('object loaded', { ...context, rows: outcome.rows, statementId: outcome.statementId, durationMs: deps.now() - started });
          metrics.count(LOADER_METRICS.objectsLoaded, 1);
          metrics.count(LOADER_METRICS.rowsLoaded, outcome.rows);
          metrics.milliseconds(LOADER_METRICS.loadDuration, deps.now() - started);
        }
      } catch (error) {
        failures.push(record.messageId);
        if (isWarehouseUnavailable(error)) {
          warehouseUnavailable = true;
          logger.warn('warehouse is paused or resuming; this message and the rest of the batch wait in the queue', { ...context, ...errorFields(error) });
          metrics.count(LOADER_METRICS.warehouseUnavailable, 1);
          break;
        }
        logger.error('load failed; the message will be redelivered', { ...context, ...errorFields(error) });
        metrics.count(LOADER_METRICS.loadFailures, 1);
        // The message's remaining objects are retried with it; loading them now would only repeat work.
        break;
      }
    }
  }
  return { batchItemFailures: failures.map((itemIdentifier) => ({ itemIdentifier })) };
}
