import * as fc from 'fast-check';
import { CLUSTER_BUSY_ERROR, RESTORE_TEST_STATES, restoreTestDefinition } from '../../stacks/constructs/restore-test-definition';

const props = { functionArn: 'arn:aws:lambda:us-west-2:123456789012:function:rt', pollSeconds: 120, stepTimeoutSeconds: 660, deleteRetryMinutes: 60 };
type State = Record<string, any>;

/**
 * Where a state can go next: Next, Default and every Choice, every Catch, and for a Task without a
 * catch-all the implicit end of the execution ("<uncaught>"), where its error would stop the run.
 */
function successors(state: State): string[] {
  const next = [state.Next, state.Default, ...(state.Choices ?? []).map((c: State) => c.Next), ...(state.Catch ?? []).map((c: State) => c.Next)].filter(
    Boolean,
  );
  const catchesAll = (state.Catch ?? []).some((c: State) => c.ErrorEquals.includes('States.ALL'));
  if (state.Type === 'Task' && !catchesAll) next.push('<uncaught>');
  if (state.End || state.Type === 'Succeed' || state.Type === 'Fail') next.push('<end>');
  return next;
}

/** States reachable from `start` without passing through `blocked`. */
function reachable(states: Record<string, State>, start: string, blocked?: string): Set<string> {
  const seen = new Set<string>();
  const queue = [start];
  while (queue.length > 0) {
    const name = queue.pop()!;
    if (seen.has(name) || name === blocked) continue;
    seen.add(name);
    if (states[name]) queue.push(...successors(states[name]));
  }
  return seen;
}

describe('the restore test state machine definition', () => {
  const definition = restoreTestDefinition(props) as { StartAt: string; States: Record<string, State>; TimeoutSeconds?: number };
  const { States: states } = definition;
  const S = RESTORE_TEST_STATES;

  test('every state it names exists, and every state is reachable from the start', () => {
    for (const state of Object.values(states)) for (const next of successors(state)) if (!next.startsWith('<')) expect(states).toHaveProperty([next]);
    expect([...reachable(states, definition.StartAt)].filter((n) => !n.startsWith('<')).sort()).toEqual(Object.keys(states).sort());
  });

  test('no path from the start ends the execution without passing the delete, uncaught errors included', () => {
    const withoutDelete = reachable(states, definition.StartAt, S.delete);
    const terminals = [...withoutDelete].filter((n) => n.startsWith('<') || states[n]?.Type === 'Succeed' || states[n]?.Type === 'Fail');
    expect(terminals).toEqual([]);
  });

  test('every task before the delete catches every error into the delete', () => {
    const beforeDelete = [...reachable(states, definition.StartAt, S.delete)].filter((n) => states[n]?.Type === 'Task');
    expect(beforeDelete.sort()).toEqual([S.plan, S.restore, S.status, S.verify].sort());
    for (const name of beforeDelete) {
      expect(states[name]!.Catch).toEqual([{ ErrorEquals: ['States.ALL'], ResultPath: '$.failure', Next: S.delete }]);
    }
  });

  test('a restore that failed or ran out of time goes to the delete; only an available cluster is counted', () => {
    const ready = states[S.ready]!;
    expect(ready.Choices).toEqual([
      { Variable: '$.cluster.progress', StringEquals: 'available', Next: S.verify },
      { Variable: '$.cluster.progress', StringEquals: 'waiting', Next: S.wait },
    ]);
    expect(reachable(states, ready.Default, S.delete)).not.toContain(S.verify);
    expect(states[ready.Default]!.Next).toBe(S.delete);
  });

  test('the wait loop waits between checks and has no execution timeout that could skip the delete', () => {
    expect(states[S.wait]).toEqual({ Type: 'Wait', Seconds: 120, Next: S.status });
    expect(definition.TimeoutSeconds).toBeUndefined();
    for (const state of Object.values(states)) if (state.Type === 'Task') expect(state.TimeoutSeconds).toBe(660);
  });

  test('the delete retries a busy cluster for the configured time, then reports instead of failing silently', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 600 }), (minutes) => {
        const del = (restoreTestDefinition({ ...props, deleteRetryMinutes: minutes }) as any).States[S.delete];
        expect(del.Retry[0]).toEqual({ ErrorEquals: [CLUSTER_BUSY_ERROR], IntervalSeconds: 60, MaxAttempts: minutes, BackoffRate: 1 });
        expect(del.Catch).toEqual([{ ErrorEquals: ['States.ALL'], ResultPath: '$.deletionFailure', Next: S.report }]);
      }),
    );
  });

  test('every task invokes the function with its action and the whole state, and takes the state back', () => {
    const actions = Object.values(states)
      .filter((s) => s.Type === 'Task')
      .map((s) => {
        expect(s.Resource).toBe('arn:aws:states:::lambda:invoke');
        expect(s.Parameters.FunctionName).toBe(props.functionArn);
        expect(s.Parameters.Payload['state.$']).toBe('$');
        expect(s.OutputPath).toBe('$.Payload');
        return s.Parameters.Payload.action;
      });
    expect(actions.sort()).toEqual(['delete', 'plan', 'report', 'restore', 'status', 'verify']);
  });

  test('the execution fails when the test failed, so the console and ExecutionsFailed show it', () => {
    expect(states[S.passed]).toEqual({
      Type: 'Choice',
      Choices: [{ Variable: '$.outcome.success', BooleanEquals: true, Next: S.succeeded }],
      Default: S.testFailed,
    });
    expect(states[S.testFailed]!.Type).toBe('Fail');
  });
});
