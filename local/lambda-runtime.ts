/**
 * Invokes a handler the way the Lambda runtime does for the local run: a Context with the
 * function's name, ARN, request id and a deadline from its configured timeout; a handler that
 * has not settled by the deadline is a function error ("Task timed out"), as Lambda reports it.
 * Unlike Lambda, the timed-out handler is not frozen: its promise keeps running in this process.
 */
import type { Context } from 'aws-lambda';
import { randomUUID } from 'node:crypto';
import type { InvocationOutcome } from './event-source-mapping';

export interface LocalFunction {
  readonly functionName: string;
  readonly timeoutSeconds: number;
  readonly memoryMb?: number;
  readonly region: string;
  readonly accountId: string;
}

export interface TimedOutcome {
  readonly outcome: InvocationOutcome;
  readonly durationMs: number;
}

export function functionArn(fn: LocalFunction): string {
  return `arn:aws:lambda:${fn.region}:${fn.accountId}:function:${fn.functionName}`;
}

export function lambdaContext(fn: LocalFunction, deadline: number): Context {
  const requestId = randomUUID();
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: fn.functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: functionArn(fn),
    memoryLimitInMB: String(fn.memoryMb ?? 1024),
    awsRequestId: requestId,
    logGroupName: `/aws/lambda/${fn.functionName}`,
    logStreamName: `local/[$LATEST]${requestId.replace(/-/g, '')}`,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

export async function invokeLocal<E, R>(fn: LocalFunction, handler: (event: E, context: Context) => Promise<R>, event: E): Promise<TimedOutcome> {
  const started = performance.now();
  const deadline = Date.now() + fn.timeoutSeconds * 1000;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<InvocationOutcome>((resolve) => {
    timer = setTimeout(() => resolve({ kind: 'error', error: new Error(`Task timed out after ${fn.timeoutSeconds}.00 seconds`) }), fn.timeoutSeconds * 1000);
  });
  const run = (async (): Promise<InvocationOutcome> => {
    try {
      return { kind: 'response', response: await handler(event, lambdaContext(fn, deadline)) };
    } catch (error) {
      return { kind: 'error', error };
    }
  })();
  try {
    const outcome = await Promise.race([run, timeout]);
    return { outcome, durationMs: performance.now() - started };
  } finally {
    clearTimeout(timer);
  }
}
