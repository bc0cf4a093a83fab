/**
 * Phase "report": every record accounted for (each malformed one found in quarantine with its
 * reason, every sent one curated, quarantined or at the on-failure destination), the figures of
 * each phase, and the invariants the run's exit code follows.
 */
import { MALFORMED_KINDS } from '../../functions/shared/generator';
import type { SendSummary } from '../../functions/shared/producer';
import { checkInvariants, summarizeLatency, type LocalReport, type VariantReport } from '../report/model';
import type { SqsSourceStats } from '../sqs-source';
import type { LocalResources } from './create-resources';
import type { StreamResult, Traffic } from './flow';
import type { InferenceOutcome } from './infer';
import type { LakeAnswers, WarehouseAnswers } from './query';
import type { LocalRun } from './run-context';
import type { StartedStandins } from './start-standins';

export interface RunOutcome {
  readonly aws: StartedStandins;
  readonly resources: LocalResources;
  readonly traffic: Traffic;
  readonly produced: SendSummary;
  readonly consumed: StreamResult;
  /** The loader's SQS source, during the flow and after inference. */
  readonly loaded: readonly SqsSourceStats[];
  readonly inference: InferenceOutcome;
  readonly lake: LakeAnswers;
  readonly warehouse: WarehouseAnswers;
}

const isMalformed = (kind: string) => (MALFORMED_KINDS as readonly string[]).includes(kind);

/** How each generated malformed record ended up in quarantine (by its bytes), and any valid record that did. */
function accountForQuarantine(
  traffic: Traffic,
  lake: LakeAnswers,
): Pick<LocalReport['quality'], 'malformedQuarantined' | 'malformedWithReason' | 'validQuarantined' | 'byKind'> {
  const malformedData = new Map<string, string>();
  for (const r of traffic.generated) if (isMalformed(r.kind)) malformedData.set(r.data.toString('base64'), r.kind);
  const byKind: Record<string, Record<string, number>> = {};
  let malformedQuarantined = 0;
  let malformedWithReason = 0;
  let validQuarantined = 0;
  for (const row of lake.quarantineRows) {
    const kind = malformedData.get(String(row.raw_data));
    if (kind === undefined) {
      validQuarantined++;
      continue;
    }
    malformedQuarantined++;
    if (typeof row.reason === 'string' && row.reason.trim() !== '') malformedWithReason++;
    const errorKind = String(row.error_kind);
    byKind[kind] ??= {};
    byKind[kind][errorKind] = (byKind[kind][errorKind] ?? 0) + 1;
  }
  return { malformedQuarantined, malformedWithReason, validQuarantined, byKind };
}

export function buildReport(run: LocalRun, o: RunOutcome): LocalReport {
  const { options, platform: p } = run;
  const { traffic, lake, inference } = o;
  const quarantine = accountForQuarantine(traffic, lake);
  const curated = Number(lake.counts.curated);
  const quarantined = Number(lake.counts.quarantined);
  const records: LocalReport['records'] = {
    generated: traffic.generated.length,
    sent: o.produced.sent,
    producerFailed: o.produced.failed.length,
    readFromStream: o.consumed.recordsRead,
    curated,
    quarantined,
    onFailureDestination: traffic.onFailureRecords,
    retried: o.consumed.stats.recordsRetried,
    lost: o.produced.sent - curated - quarantined - traffic.onFailureRecords,
    duplicateLakeRows: Number(lake.counts.duplicate_rows),
    replayedInvocations: traffic.replayedInvocations,
    replayedRecords: traffic.replayedRecords,
  };
  const lakeByVariant = new Map(lake.predictionsPerVariant.map((r) => [String(r.variant), r]));
  const whByVariant = new Map(o.warehouse.predictionsPerVariant.map((r) => [String(r.variant), r]));
  const byVariant: VariantReport[] = p.inference.variants.map((v) => ({
    variant: v.name,
    modelVersion: v.modelVersion,
    weight: v.weight,
    answered: inference.answeredBy.get(v.name) ?? 0,
    lakeRows: Number(lakeByVariant.get(v.name)?.predictions ?? 0),
    warehouseRows: Number(whByVariant.get(v.name)?.predictions ?? 0),
    meanScore: lakeByVariant.get(v.name)?.mean_score === undefined ? null : Number(lakeByVariant.get(v.name)!.mean_score),
  }));
  const redshift = o.aws.redshift.stats;
  const warehouse: LocalReport['warehouse'] = {
    events: Number(o.warehouse.counts.events),
    distinctEventIds: Number(o.warehouse.counts.distinct_event_ids),
    predictions: Number(o.warehouse.counts.predictions),
    objectsLoaded: Number(o.warehouse.counts.objects_loaded),
    loaderInvocations: o.loaded.reduce((s, x) => s + x.invocations, 0),
    loaderFailedMessages: o.loaded.reduce((s, x) => s + x.failedMessages, 0),
    loaderDeadLetters: o.warehouse.loaderDeadLetters,
    statements: redshift.statements,
    rowsCopied: redshift.rowsCopied,
    sqlSeconds: Math.round(redshift.sqlMs) / 1000,
    copySeconds: Math.round(redshift.copyMs) / 1000,
  };
  const predictions: LocalReport['predictions'] = {
    requested: inference.requested,
    answered: [...inference.answeredBy.values()].reduce((s, n) => s + n, 0),
    errors: inference.errors,
    clientRetries: inference.clientRetries,
    lakeRows: lake.predictionsPerVariant.reduce((s, r) => s + Number(r.predictions), 0),
    bufferedAtEnd: inference.bufferedAtEnd,
    byVariant,
  };
  const quality: LocalReport['quality'] = {
    rate: curated + quarantined === 0 ? 1 : curated / (curated + quarantined),
    alarmThreshold: p.config.observability.alarms.dataQualityRatio,
    malformedSent: traffic.generated.filter((r) => isMalformed(r.kind)).length,
    malformedQuarantined: quarantine.malformedQuarantined,
    malformedWithReason: quarantine.malformedWithReason,
    validQuarantined: quarantine.validQuarantined,
    byKind: quarantine.byKind,
    perBatch: lake.perBatch.map((r) => ({ shard: String(r.shard), batch: Number(r.batch), rate: Number(r.rate), records: Number(r.records) })),
  };
  const modelLatencyMs = Object.values(o.resources.sagemaker.stats).flatMap((s) => s.modelLatencyMicros.map((us) => us / 1000));
  const report: LocalReport = {
    version: 1,
    startedAt: run.startedAt,
    wallSeconds: Math.round((performance.now() - run.started) / 10) / 100,
    options: {
      events: options.events,
      malformedShare: options.malformedShare,
      seed: options.seed,
      predictions: options.predictions,
      replayShare: options.replayShare,
      chaosSeed: options.chaos?.seed ?? null,
    },
    chaos: run.chaos?.summary() ?? null,
    standins: o.aws.info,
    phases: run.timer.phases,
    milestones: { streamDrainedSeconds: traffic.streamDrainedSeconds, warehouseLoadedSeconds: traffic.warehouseLoadedSeconds },
    records,
    mapping: {
      invocations: o.consumed.stats.invocations,
      partialFailures: o.consumed.stats.partialFailures,
      functionErrors: o.consumed.stats.functionErrors,
      bisections: o.consumed.stats.bisections,
      batchSize: p.processor.mapping.batchSize,
    },
    bytes: {
      raw: traffic.rawBytes,
      curatedParquet: lake.objectStats.curated!.bytes,
      quarantineParquet: lake.objectStats.quarantine!.bytes,
      curatedObjects: lake.objectStats.curated!.objects,
      quarantineObjects: lake.objectStats.quarantine!.objects,
    },
    quality,
    eventsPerHour: lake.eventsPerHour.map((r) => ({ hour: `${String(r.dt)} ${String(r.hour)}:00`, events: Number(r.events) })),
    quarantineReasons: lake.quarantineReasons.map((r) => ({
      errorKind: String(r.error_kind),
      records: Number(r.records),
      example: String(r.example_reason ?? ''),
    })),
    warehouse,
    predictions,
    latency: [
      summarizeLatency('stream-processor invocation', traffic.processorLatency),
      summarizeLatency('warehouse-loader invocation', traffic.loaderLatency),
      summarizeLatency('inference request (handler)', inference.latencyMs),
      summarizeLatency('model evaluation (endpoint)', modelLatencyMs),
    ],
    queries: [...lake.queries, ...o.warehouse.queries],
    invariants: [],
    outDir: options.outDir,
  };
  return { ...report, invariants: checkInvariants({ records, quality, warehouse, predictions, replayShare: options.replayShare }) };
}
