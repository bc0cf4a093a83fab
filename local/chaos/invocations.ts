/**
 * A function invocation that dies, as a Lambda execution environment dies (runtime crash, out of
 * memory, killed at a deadline): from the moment it is stopped, nothing it does reaches a
 * service. The handlers run in this process and their SDK clients are created by the handler
 * modules, so the guard sits on the SDK client's `send` (shared by every AWS SDK v3 client) and
 * knows the invocation from the async context it runs in; calls made outside an invocation
 * (the run's own clients) pass untouched.
 *
 * The invocation's promise is then allowed to settle (every call it still makes is refused at
 * once, so it settles quickly) before the event source mapping sees the function error: no
 * write of the dead invocation can land after the mapping has redelivered its batch.
 */
import { S3Client } from '@aws-sdk/client-s3';
import { RedshiftDataClient } from '@aws-sdk/client-redshift-data';
import { SageMakerRuntimeClient } from '@aws-sdk/client-sagemaker-runtime';
import { AsyncLocalStorage } from 'node:async_hooks';

/** What a refused call, and the stopped invocation, fail with. */
export class ExecutionEnvironmentStopped extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ExecutionEnvironmentStopped';
  }
}

export interface InvocationScope {
  /** Why the invocation was stopped; undefined while it runs. */
  stopped: string | undefined;
  /** Calls refused because the invocation had stopped. */
  refused: number;
  stop(reason: string): void;
}

export interface InvocationHooks {
  /** Before each AWS call of the invocation; may stop it (the call is then refused). */
  readonly beforeCall?: (command: object, scope: InvocationScope) => void;
  /** After each AWS call that succeeded; may stop the invocation (its answer is then lost). */
  readonly afterCall?: (command: object, output: unknown, scope: InvocationScope) => void;
}

const current = new AsyncLocalStorage<{ scope: InvocationScope; hooks: InvocationHooks }>();

type Send = (this: unknown, command: object, ...rest: unknown[]) => Promise<unknown>;

/** Installs the guard on the SDK clients' shared `send`; returns the function that removes it. */
export function installInvocationGuard(): () => void {
  const base = Object.getPrototypeOf(S3Client.prototype) as { send: Send };
  for (const client of [RedshiftDataClient, SageMakerRuntimeClient]) {
    if (Object.getPrototypeOf(client.prototype) !== base)
      throw new Error(`${client.name} does not share S3Client's base client: the invocation guard would miss its calls`);
  }
  const original = base.send;
  base.send = function guardedSend(this: unknown, command: object, ...rest: unknown[]): Promise<unknown> {
    const active = current.getStore();
    if (!active || rest.some((r) => typeof r === 'function')) return original.call(this, command, ...rest);
    const { scope, hooks } = active;
    const refuse = () => {
      scope.refused++;
      return new ExecutionEnvironmentStopped(`the execution environment has stopped (${scope.stopped}); this call was not made`);
    };
    if (!scope.stopped) hooks.beforeCall?.(command, scope);
    if (scope.stopped) return Promise.reject(refuse());
    return original.call(this, command, ...rest).then((output) => {
      if (!scope.stopped) hooks.afterCall?.(command, output, scope);
      if (scope.stopped) throw refuse();
      return output;
    });
  };
  return () => {
    base.send = original;
  };
}

/**
 * Runs a handler as an invocation that hooks may stop. Resolves or rejects as the handler does,
 * unless it was stopped: then it rejects with ExecutionEnvironmentStopped, as Lambda reports a
 * runtime that exited, whatever the handler returned. An invocation still running at its
 * context's deadline is stopped too: Lambda ends a timed-out environment, so a call it was
 * waiting on (a hung connection) cannot be followed by writes after its batch was redelivered.
 */
export async function runStoppable<E, C, R>(handler: (event: E, context: C) => Promise<R>, event: E, context: C, hooks: InvocationHooks): Promise<R> {
  const scope: InvocationScope = {
    stopped: undefined,
    refused: 0,
    stop(reason) {
      this.stopped ??= reason;
    },
  };
  const remainingMs = (context as { getRemainingTimeInMillis?: () => number } | undefined)?.getRemainingTimeInMillis?.();
  const deadline = remainingMs === undefined ? undefined : setTimeout(() => scope.stop('Task timed out'), remainingMs);
  const settled = await current
    .run({ scope, hooks }, () => handler(event, context))
    .then(
      (value) => ({ ok: true as const, value }),
      (error: unknown) => ({ ok: false as const, error }),
    )
    .finally(() => clearTimeout(deadline));
  if (scope.stopped) throw new ExecutionEnvironmentStopped(`Runtime exited: ${scope.stopped}`);
  if (!settled.ok) throw settled.error;
  return settled.value;
}
