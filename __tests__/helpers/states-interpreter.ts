/**
 * A small interpreter of the Amazon States Language subset the platform's state machines use
 * (Task over the Lambda integration with Parameters/OutputPath/Retry/Catch, Wait, Choice on
 * StringEquals/BooleanEquals, Pass, Succeed, Fail), so a generated definition can be run against
 * the real step code in a test. Retries are honoured up to MaxAttempts; waits take no time.
 */
type Json = Record<string, any>;

export interface Invocation {
  readonly state: string;
  readonly payload: Json;
}

export interface ExecutionResult {
  readonly status: 'SUCCEEDED' | 'FAILED';
  /** The Fail state's error, or the uncaught error's name. */
  readonly error?: string;
  readonly output: Json;
  readonly visited: readonly string[];
}

/** Reads a JSONPath of the forms `$`, `$.a.b`. */
export function readPath(document: unknown, jsonPath: string): any {
  if (jsonPath === '$') return document;
  return jsonPath
    .slice(2)
    .split('.')
    .reduce<any>((value, key) => (value === undefined || value === null ? undefined : value[key]), document);
}

function writePath(document: Json, jsonPath: string, value: unknown): Json {
  if (jsonPath === '$') return value as Json;
  const keys = jsonPath.slice(2).split('.');
  const copy: Json = structuredClone(document);
  let target = copy;
  for (const key of keys.slice(0, -1)) target = target[key] ??= {};
  target[keys[keys.length - 1]!] = value;
  return copy;
}

function resolveParameters(template: unknown, input: Json): unknown {
  if (Array.isArray(template)) return template.map((t) => resolveParameters(t, input));
  if (template === null || typeof template !== 'object') return template;
  return Object.fromEntries(
    Object.entries(template).map(([key, value]) =>
      key.endsWith('.$') ? [key.slice(0, -2), readPath(input, value as string)] : [key, resolveParameters(value, input)],
    ),
  );
}

const matches = (errorEquals: readonly string[], name: string) => errorEquals.includes(name) || errorEquals.includes('States.ALL');

/**
 * Runs `definition` from its StartAt. `invoke` answers each Lambda task with the function's return
 * value or throws (the error's name is what Retry and Catch match).
 */
export async function execute(definition: Json, input: Json, invoke: (call: Invocation) => Promise<unknown>, maxTransitions = 500): Promise<ExecutionResult> {
  const visited: string[] = [];
  let current: string = definition.StartAt;
  let document: Json = input;
  for (let n = 0; n < maxTransitions; n++) {
    visited.push(current);
    const state = definition.States[current];
    if (!state) throw new Error(`no state ${current}`);
    switch (state.Type) {
      case 'Succeed':
        return { status: 'SUCCEEDED', output: document, visited };
      case 'Fail':
        return { status: 'FAILED', error: state.Error, output: document, visited };
      case 'Wait':
      case 'Pass':
        if (state.End) return { status: 'SUCCEEDED', output: document, visited };
        current = state.Next;
        continue;
      case 'Choice': {
        const rule = (state.Choices as Json[]).find((c) => {
          const value = readPath(document, c.Variable);
          if ('StringEquals' in c) return value === c.StringEquals;
          if ('BooleanEquals' in c) return value === c.BooleanEquals;
          throw new Error(`unsupported choice rule ${JSON.stringify(c)}`);
        });
        current = rule ? rule.Next : state.Default;
        if (!current) return { status: 'FAILED', error: 'States.NoChoiceMatched', output: document, visited };
        continue;
      }
      case 'Task': {
        const parameters = resolveParameters(state.Parameters, document) as Json;
        const attempts = new Map<number, number>();
        let caughtNext: string | undefined;
        for (;;) {
          try {
            const payload = await invoke({ state: current, payload: parameters.Payload });
            const result = { Payload: structuredClone(payload) };
            document = state.OutputPath ? readPath(result, state.OutputPath) : result;
            break;
          } catch (error) {
            const name = (error as Error).name ?? 'Error';
            const retryIndex = (state.Retry ?? []).findIndex((r: Json) => matches(r.ErrorEquals, name));
            if (retryIndex >= 0) {
              const used = (attempts.get(retryIndex) ?? 0) + 1;
              attempts.set(retryIndex, used);
              if (used <= state.Retry[retryIndex].MaxAttempts) continue;
            }
            const handler = (state.Catch ?? []).find((c: Json) => matches(c.ErrorEquals, name));
            if (!handler) return { status: 'FAILED', error: name, output: document, visited };
            document = writePath(document, handler.ResultPath ?? '$', { Error: name, Cause: (error as Error).message });
            caughtNext = handler.Next;
            break;
          }
        }
        if (caughtNext !== undefined) {
          current = caughtNext;
          continue;
        }
        if (state.End) return { status: 'SUCCEEDED', output: document, visited };
        current = state.Next;
        continue;
      }
      default:
        throw new Error(`unsupported state type ${state.Type}`);
    }
  }
  throw new Error(`more than ${maxTransitions} transitions: ${visited.slice(-10).join(' -> ')}`);
}
