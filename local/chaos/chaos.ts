/**
 * The chaos run's injector (`npm run local -- --chaos <seed>`): one schedule per channel
 * (schedule.ts), and the faults each kind turns into where it is injected: the S3 proxy in front
 * of moto (s3-proxy.ts), the Data API stand-in, the SageMaker stand-in, and the processor's and
 * loader's invocations (invocations.ts). Counts every fault it injects, per kind, for the report.
 */
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { BatchExecuteStatementCommand } from '@aws-sdk/client-redshift-data';
import type { LocalFunctions } from '../phases/functions';
import type { FaultInjector } from '../standins/sagemaker-runtime';
import type { DataApiFault } from '../standins/redshift-data';
import { runStoppable, type InvocationHooks } from './invocations';
import { ChannelSchedule, ChaosCounters, FAULT_KINDS, type Channel, type FaultKind } from './schedule';
import type { HangMode, ProxiedRequest, S3Fault } from './s3-proxy';

export interface ChaosSettings {
  readonly seed: number;
  readonly hangMode: HangMode;
}

/** What the report lists of a chaos run. */
export interface ChaosSummary {
  readonly seed: number;
  readonly hangMode: HangMode;
  readonly faults: readonly { readonly kind: FaultKind; readonly description: string; readonly injected: number }[];
  /** Calls each channel saw (each drew one decision). */
  readonly calls: Readonly<Record<Channel, number>>;
}

/** Redshift's own texts for the two statement failures. */
const CONFLICT = 'ERROR: 1023 DETAIL: Serializable isolation violation on table - 105436, transactions forming the cycle are: 8117, 8120 (pid:27734)';
const NON_TRANSIENT = 'ERROR: could not open relation with OID 105436';
/** Objects the processor writes before a crash: 1 to this many. */
const CRASH_AFTER_OBJECTS_MAX = 3;

type Handler<E, C, R> = (event: E, context: C) => Promise<R>;

export class Chaos {
  readonly counters = new ChaosCounters();
  private readonly schedules: Record<Channel, ChannelSchedule>;
  /** Data API statements aborted after COPY: the invocation that submitted one dies on its answer. */
  private readonly abortedStatements = new Set<string>();
  /** Crashes scheduled for a processor invocation that wrote too few objects to die mid-batch: the next one takes them. */
  private pendingCrashes = 0;

  constructor(readonly settings: ChaosSettings) {
    const channels = [...new Set(Object.values(FAULT_KINDS).map((k) => k.channel))];
    this.schedules = Object.fromEntries(channels.map((c) => [c, new ChannelSchedule(settings.seed, c)])) as Record<Channel, ChannelSchedule>;
  }

  /** For the S3 proxy: every request of the functions' S3 clients. */
  readonly s3Fault = (_request: ProxiedRequest): S3Fault | undefined => {
    const kind = this.schedules.s3.next();
    if (!kind) return undefined;
    this.counters.count(kind);
    switch (kind) {
      case 's3-internal-error':
        return { kind: 'error', status: 500, code: 'InternalError', message: 'We encountered an internal error. Please try again.' };
      case 's3-slow-down':
        return { kind: 'error', status: 503, code: 'SlowDown', message: 'Please reduce your request rate.' };
      case 's3-reset':
        return { kind: 'reset', after: 'before-forwarding' };
      case 's3-reset-after-write':
        return { kind: 'reset', after: 'after-forwarding' };
      default:
        return { kind: 'hang' };
    }
  };

  /** For the Data API stand-in: statements of the loader's database user (deploy-time and report statements run as the admin and are left alone). */
  readonly dataApiFault = (operation: string, input: Readonly<Record<string, unknown>>): DataApiFault | undefined => {
    if (typeof input.DbUser !== 'string') return undefined;
    const sqls =
      operation === 'BatchExecuteStatement' && Array.isArray(input.Sqls)
        ? (input.Sqls as unknown[]).map(String)
        : operation === 'ExecuteStatement'
          ? [String(input.Sql)]
          : [];
    if (sqls.length === 0) return undefined;
    const copyIndex = sqls.findIndex((s) => /^\s*COPY\b/i.test(s));
    const schedule = this.schedules['data-api'];
    const kind = schedule.next((k) => k !== 'loader-stop-after-copy' || (copyIndex >= 0 && copyIndex < sqls.length - 1));
    if (!kind) return undefined;
    this.counters.count(kind);
    if (kind === 'loader-stop-after-copy') {
      return {
        kind: 'abort-after',
        statementIndex: copyIndex,
        error: 'the session ended after COPY: the client stopped before the merge; the transaction was rolled back',
        onAborted: (id) => this.abortedStatements.add(id),
      };
    }
    return { kind: 'fail', statementIndex: Math.floor(schedule.detail() * sqls.length), error: kind === 'data-api-conflict' ? CONFLICT : NON_TRANSIENT };
  };

  /** For the SageMaker stand-in. */
  readonly sagemakerFault: FaultInjector = () => {
    const schedule = this.schedules.sagemaker;
    const kind = schedule.next();
    if (!kind) return undefined;
    this.counters.count(kind);
    if (kind === 'sagemaker-throttling') return { kind: 'error', status: 429, errorType: 'ThrottlingException', message: 'Rate exceeded' };
    return schedule.detail() < 0.5
      ? { kind: 'error', status: 500, errorType: 'InternalFailure', message: 'An internal error occurred while processing the request.' }
      : { kind: 'error', status: 503, errorType: 'ServiceUnavailable', message: 'The endpoint is temporarily unavailable.' };
  };

  /** The stream processor's handler, dying after writing part of its batch when the schedule says so. */
  processor<E, C, R>(handler: Handler<E, C, R>): Handler<E, C, R> {
    return (event, context) => {
      if (this.schedules.processor.next() === 'processor-crash-mid-batch') this.pendingCrashes++;
      if (this.pendingCrashes === 0) return runStoppable(handler, event, context, {});
      const crashAfter = 1 + Math.floor(this.schedules.processor.detail() * CRASH_AFTER_OBJECTS_MAX);
      let puts = 0;
      const hooks: InvocationHooks = {
        // Dies as it starts the object after `crashAfter`: those before it are written (or in flight), the rest never are.
        beforeCall: (command, scope) => {
          if (!(command instanceof PutObjectCommand) || ++puts <= crashAfter || this.pendingCrashes === 0) return;
          this.pendingCrashes--;
          this.counters.count('processor-crash-mid-batch');
          scope.stop(`injected crash after writing ${crashAfter} of the batch's objects`);
        },
      };
      return runStoppable(handler, event, context, hooks);
    };
  }

  /** The warehouse loader's handler, dying when the Data API stand-in aborted its load after COPY. */
  loader<E, C, R>(handler: Handler<E, C, R>): Handler<E, C, R> {
    const hooks: InvocationHooks = {
      afterCall: (command, output, scope) => {
        const id = (output as { Id?: string } | undefined)?.Id;
        if (command instanceof BatchExecuteStatementCommand && id !== undefined && this.abortedStatements.delete(id))
          scope.stop('injected stop between COPY and merge');
      },
    };
    return (event, context) => runStoppable(handler, event, context, hooks);
  }

  /** The functions with the processor and the loader stoppable (the inference function meets its faults at the endpoint and in S3). */
  wrapFunctions(functions: LocalFunctions): LocalFunctions {
    return {
      ...functions,
      processor: { ...functions.processor, handler: this.processor(functions.processor.handler) },
      loader: { ...functions.loader, handler: this.loader(functions.loader.handler) },
    };
  }

  summary(): ChaosSummary {
    return {
      seed: this.settings.seed,
      hangMode: this.settings.hangMode,
      faults: (Object.keys(FAULT_KINDS) as FaultKind[]).map((kind) => ({
        kind,
        description: FAULT_KINDS[kind].description,
        injected: this.counters.injected[kind],
      })),
      calls: Object.fromEntries(Object.entries(this.schedules).map(([c, s]) => [c, s.callsSeen])) as Record<Channel, number>,
    };
  }
}
