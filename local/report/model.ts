/** The local run's report: what happened to every record, as data (report.json) and its checks. */
import type { ChaosSummary } from '../chaos/chaos';

export interface LatencySummary {
  readonly name: string;
  readonly count: number;
  readonly p50: number;
  readonly p95: number;
  readonly p99: number;
  readonly max: number;
}

export interface Invariant {
  readonly name: string;
  readonly ok: boolean;
  readonly detail: string;
}

export interface VariantReport {
  readonly variant: string;
  readonly modelVersion: string;
  readonly weight: number;
  /** Answers the inference handler returned from this variant. */
  readonly answered: number;
  readonly lakeRows: number;
  readonly warehouseRows: number;
  readonly meanScore: number | null;
}

/** One query the run made, with its row count and its first rows. */
export interface QueryReport {
  readonly engine: 'athena (DuckDB)' | 'warehouse (PGlite)';
  readonly name: string;
  /** What the query reads and how, when its name does not say (e.g. which time it groups by). */
  readonly description?: string;
  readonly sql: string;
  readonly rowCount: number;
  readonly rows: readonly Record<string, unknown>[];
}

export interface LocalReport {
  readonly version: 1;
  readonly startedAt: string;
  readonly wallSeconds: number;
  readonly options: {
    readonly events: number;
    readonly malformedShare: number;
    readonly seed: number;
    readonly predictions: number;
    readonly replayShare: number;
    readonly chaosSeed: number | null;
  };
  /** The faults a chaos run injected, per kind; null without `--chaos`. */
  readonly chaos: ChaosSummary | null;
  /** pid: the stand-in's own process, when it runs in one (checked to be gone after the run). */
  readonly standins: readonly { readonly name: string; readonly replaces: string; readonly startMs: number; readonly pid?: number }[];
  readonly phases: readonly { readonly name: string; readonly seconds: number }[];
  /** Seconds from the first event sent until the stream was drained, and until the warehouse had loaded everything. */
  readonly milestones: { readonly streamDrainedSeconds: number; readonly warehouseLoadedSeconds: number };
  readonly records: {
    readonly generated: number;
    readonly sent: number;
    readonly producerFailed: number;
    readonly readFromStream: number;
    readonly curated: number;
    readonly quarantined: number;
    /** Records whose batch went to the on-failure destination (recoverable from the stream, not processed). */
    readonly onFailureDestination: number;
    /** Deliveries of records that had been delivered before (partial failures, errors, lost responses). */
    readonly retried: number;
    readonly lost: number;
    /** Lake rows sharing a (shard, sequence number) with another row. */
    readonly duplicateLakeRows: number;
    readonly replayedInvocations: number;
    readonly replayedRecords: number;
  };
  readonly mapping: {
    readonly invocations: number;
    readonly partialFailures: number;
    readonly functionErrors: number;
    readonly bisections: number;
    readonly batchSize: number;
  };
  readonly bytes: {
    readonly raw: number;
    readonly curatedParquet: number;
    readonly quarantineParquet: number;
    readonly curatedObjects: number;
    readonly quarantineObjects: number;
  };
  readonly quality: {
    readonly rate: number;
    /** The stream processor's data-quality alarm threshold (config.observability.alarms.dataQualityRatio). */
    readonly alarmThreshold: number;
    readonly malformedSent: number;
    readonly malformedQuarantined: number;
    readonly malformedWithReason: number;
    readonly validQuarantined: number;
    /** Generator corruption kind -> quarantine error_kind -> records. */
    readonly byKind: Readonly<Record<string, Readonly<Record<string, number>>>>;
    /** Data-quality rate (curated / all) per delivered batch, in shard order. */
    readonly perBatch: readonly { readonly shard: string; readonly batch: number; readonly rate: number; readonly records: number }[];
  };
  readonly eventsPerHour: readonly { readonly hour: string; readonly events: number }[];
  readonly quarantineReasons: readonly { readonly errorKind: string; readonly records: number; readonly example: string }[];
  readonly warehouse: {
    readonly events: number;
    readonly distinctEventIds: number;
    readonly predictions: number;
    readonly objectsLoaded: number;
    readonly loaderInvocations: number;
    readonly loaderFailedMessages: number;
    readonly loaderDeadLetters: number;
    readonly statements: number;
    readonly rowsCopied: number;
    /** Seconds the SQL stand-in spent executing statements, and COPY alone. */
    readonly sqlSeconds: number;
    readonly copySeconds: number;
  };
  readonly predictions: {
    readonly requested: number;
    readonly answered: number;
    readonly errors: number;
    /** Requests the client sent again after a retryable answer. */
    readonly clientRetries: number;
    readonly lakeRows: number;
    readonly bufferedAtEnd: number;
    readonly byVariant: readonly VariantReport[];
  };
  readonly latency: readonly LatencySummary[];
  /** Each query with its row count and its first rows. */
  readonly queries: readonly QueryReport[];
  readonly invariants: readonly Invariant[];
  readonly outDir: string;
}

/** Nearest-rank percentile of unsorted values; NaN when empty. */
export function percentileOf(values: readonly number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

export function summarizeLatency(name: string, values: readonly number[]): LatencySummary {
  return {
    name,
    count: values.length,
    p50: percentileOf(values, 50),
    p95: percentileOf(values, 95),
    p99: percentileOf(values, 99),
    max: values.length ? Math.max(...values) : NaN,
  };
}

export interface InvariantInputs {
  readonly records: LocalReport['records'];
  readonly quality: Pick<LocalReport['quality'], 'malformedSent' | 'malformedQuarantined' | 'malformedWithReason' | 'validQuarantined'>;
  readonly warehouse: Pick<LocalReport['warehouse'], 'events' | 'distinctEventIds' | 'predictions'>;
  readonly predictions: Pick<LocalReport['predictions'], 'requested' | 'answered' | 'lakeRows' | 'byVariant'>;
  readonly replayShare: number;
}

/** The report's checks; the run fails (exit 1) when any is false. */
export function checkInvariants(i: InvariantInputs): Invariant[] {
  const r = i.records;
  const accounted = r.curated + r.quarantined + r.onFailureDestination;
  const variantsWithWeight = i.predictions.byVariant.filter((v) => v.weight > 0);
  const silent = variantsWithWeight.filter((v) => v.answered === 0).map((v) => v.variant);
  return [
    {
      name: 'nothing lost',
      ok: r.lost === 0 && r.producerFailed === 0 && accounted === r.sent && r.readFromStream === r.sent,
      detail: `sent ${r.sent} = curated ${r.curated} + quarantined ${r.quarantined} + on-failure destination ${r.onFailureDestination}; read from the stream ${r.readFromStream}; lost ${r.lost}; producer failures ${r.producerFailed}`,
    },
    {
      name: 'every malformed event quarantined with its reason',
      ok:
        i.quality.malformedQuarantined === i.quality.malformedSent &&
        i.quality.malformedWithReason === i.quality.malformedSent &&
        i.quality.validQuarantined === 0,
      detail: `${i.quality.malformedQuarantined} of ${i.quality.malformedSent} malformed records in quarantine, ${i.quality.malformedWithReason} with a reason; valid records quarantined: ${i.quality.validQuarantined}`,
    },
    {
      name: 'warehouse rows = curated records, no duplicates',
      ok: i.warehouse.events === r.curated && i.warehouse.distinctEventIds === i.warehouse.events,
      detail: `warehouse events ${i.warehouse.events} (distinct event_id ${i.warehouse.distinctEventIds}), curated records ${r.curated}`,
    },
    {
      name: 'replayed batches do not duplicate output',
      ok: (i.replayShare === 0 || r.replayedInvocations > 0) && r.duplicateLakeRows === 0 && i.warehouse.distinctEventIds === i.warehouse.events,
      detail: `${r.replayedInvocations} invocations replayed (${r.replayedRecords} records delivered again); duplicate lake rows ${r.duplicateLakeRows}; warehouse duplicates ${i.warehouse.events - i.warehouse.distinctEventIds}`,
    },
    {
      name: 'both variants answered',
      ok: i.predictions.requested === 0 || (silent.length === 0 && variantsWithWeight.length >= Math.min(2, i.predictions.byVariant.length)),
      detail:
        i.predictions.byVariant.map((v) => `${v.variant} (weight ${v.weight}, ${v.modelVersion}): ${v.answered}`).join(', ') +
        (silent.length ? `; never answered: ${silent.join(', ')}` : ''),
    },
    {
      name: 'every prediction recorded in the lake and the warehouse',
      ok:
        i.predictions.answered === i.predictions.requested &&
        i.predictions.lakeRows === i.predictions.answered &&
        i.warehouse.predictions === i.predictions.lakeRows,
      detail: `requested ${i.predictions.requested}, answered ${i.predictions.answered}, lake rows ${i.predictions.lakeRows}, warehouse rows ${i.warehouse.predictions}`,
    },
  ];
}

/** The record counts both renderings show, in this order; `n` formats a count in the rendering's style. */
export function recordCountRows(rec: LocalReport['records'], n: (x: number) => string): [string, string][] {
  return [
    ['sent', n(rec.sent)],
    ['curated', n(rec.curated)],
    ['quarantined', n(rec.quarantined)],
    ['on-failure destination', n(rec.onFailureDestination)],
    ['retried (delivered again)', n(rec.retried)],
    ['lost', n(rec.lost)],
    ['duplicate lake rows', n(rec.duplicateLakeRows)],
  ];
}
