/**
 * The restore test's state machine, as Amazon States Language generated from code: plan (pick the
 * newest copied snapshot), restore, wait and check until the cluster is available (or failed, or
 * past its time limit), compare the row counts, then delete the cluster and report. Every step
 * before the delete catches every error into the delete, so no path ends with the temporary cluster
 * left running; the definition has no execution timeout for the same reason (the status step's
 * own limit ends the wait loop).
 */
import type { StepAction } from '../../functions/restore-test/steps';

export const RESTORE_TEST_STATES = {
  plan: 'PickNewestCopiedSnapshot',
  restore: 'RestoreSnapshot',
  wait: 'WaitForCluster',
  status: 'CheckCluster',
  ready: 'ClusterReady',
  restoreFailed: 'RestoreDidNotComplete',
  verify: 'CompareRowCounts',
  delete: 'DeleteCluster',
  report: 'ReportResult',
  passed: 'TestPassed',
  succeeded: 'Succeeded',
  testFailed: 'TestFailed',
  reportFailed: 'ReportFailed',
} as const;

/** The error the delete step throws while Redshift refuses to delete the cluster yet (functions/restore-test/steps.ts ClusterBusyError). */
export const CLUSTER_BUSY_ERROR = 'ClusterBusy';

export interface RestoreTestDefinitionProps {
  /** ARN of the restore-test function that runs each step. */
  readonly functionArn: string;
  /** Seconds between two status checks. */
  readonly pollSeconds: number;
  /** Seconds one step may run: the function's timeout plus a margin. */
  readonly stepTimeoutSeconds: number;
  /** How long the delete keeps retrying a cluster Redshift cannot delete yet (creating, modifying). */
  readonly deleteRetryMinutes: number;
}

type State = Record<string, unknown>;

/** Lambda's transient answers, retried on every step (AWS's recommended set for the Lambda integration). */
const LAMBDA_TRANSIENT = ['Lambda.ServiceException', 'Lambda.AWSLambdaException', 'Lambda.SdkClientException', 'Lambda.TooManyRequestsException'];

export function restoreTestDefinition(props: RestoreTestDefinitionProps): Record<string, unknown> {
  const S = RESTORE_TEST_STATES;
  const task = (action: StepAction, next: string, extra: State = {}): State => ({
    Type: 'Task',
    Resource: 'arn:aws:states:::lambda:invoke',
    Parameters: { FunctionName: props.functionArn, Payload: { action, 'state.$': '$' } },
    // The function returns the whole run state with its part added.
    OutputPath: '$.Payload',
    TimeoutSeconds: props.stepTimeoutSeconds,
    Retry: [{ ErrorEquals: LAMBDA_TRANSIENT, IntervalSeconds: 5, MaxAttempts: 3, BackoffRate: 2 }],
    Next: next,
    ...extra,
  });
  // Any error before the delete is recorded in $.failure and goes to the delete.
  const toDelete = { Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.failure', Next: S.delete }] };
  const deleteRetries = Math.max(1, Math.ceil(props.deleteRetryMinutes));

  return {
    Comment: 'Restores the newest copied warehouse snapshot into a temporary cluster, compares its events with the lake, and always deletes the cluster',
    StartAt: S.plan,
    States: {
      [S.plan]: task('plan', S.restore, toDelete),
      [S.restore]: task('restore', S.wait, toDelete),
      [S.wait]: { Type: 'Wait', Seconds: props.pollSeconds, Next: S.status },
      [S.status]: task('status', S.ready, toDelete),
      [S.ready]: {
        Type: 'Choice',
        Choices: [
          { Variable: '$.cluster.progress', StringEquals: 'available', Next: S.verify },
          { Variable: '$.cluster.progress', StringEquals: 'waiting', Next: S.wait },
        ],
        Default: S.restoreFailed,
      },
      // failed or timed-out: the verdict reads it from $.cluster; the cluster still goes.
      [S.restoreFailed]: { Type: 'Pass', Next: S.delete },
      [S.verify]: task('verify', S.delete, toDelete),
      [S.delete]: task('delete', S.report, {
        Retry: [
          { ErrorEquals: [CLUSTER_BUSY_ERROR], IntervalSeconds: 60, MaxAttempts: deleteRetries, BackoffRate: 1 },
          { ErrorEquals: LAMBDA_TRANSIENT, IntervalSeconds: 5, MaxAttempts: 3, BackoffRate: 2 },
          { ErrorEquals: ['States.ALL'], IntervalSeconds: 30, MaxAttempts: 5, BackoffRate: 2 },
        ],
        // Still failing: the report says so (success 0) and the runbook names the cluster to delete by hand.
        Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.deletionFailure', Next: S.report }],
      }),
      [S.report]: task('report', S.passed, { Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.reportFailure', Next: S.reportFailed }] }),
      [S.passed]: { Type: 'Choice', Choices: [{ Variable: '$.outcome.success', BooleanEquals: true, Next: S.succeeded }], Default: S.testFailed },
      [S.succeeded]: { Type: 'Succeed' },
      [S.testFailed]: { Type: 'Fail', Error: 'RestoreTestFailed', Cause: 'the restore test failed: see the ReportResult output or the function log' },
      [S.reportFailed]: { Type: 'Fail', Error: 'RestoreTestReportFailed', Cause: 'the result could not be reported: see the function log' },
    },
  };
}
