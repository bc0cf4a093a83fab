import { checkInvariants, percentileOf, type InvariantInputs, type LocalReport } from '../../local/report/model';
import { renderHtml } from '../../local/report/html';
import { renderText } from '../../local/report/text';

const healthy: InvariantInputs = {
  records: { generated: 100, sent: 100, producerFailed: 0, readFromStream: 100, curated: 90, quarantined: 8, onFailureDestination: 2, retried: 10, lost: 0, duplicateLakeRows: 0, replayedInvocations: 1, replayedRecords: 10 },
  quality: { malformedSent: 8, malformedQuarantined: 8, malformedWithReason: 8, validQuarantined: 0 },
  warehouse: { events: 90, distinctEventIds: 90, predictions: 5 },
  predictions: {
    requested: 5,
    answered: 5,
    lakeRows: 5,
    byVariant: [
      { variant: 'champion', modelVersion: 'v1', weight: 90, answered: 4, lakeRows: 4, warehouseRows: 4, meanScore: 0.2 },
      { variant: 'challenger', modelVersion: 'v2', weight: 10, answered: 1, lakeRows: 1, warehouseRows: 1, meanScore: 0.1 },
    ],
  },
  replayShare: 0.05,
};

const failing = (i: InvariantInputs) => checkInvariants(i).filter((x) => !x.ok).map((x) => x.name);

describe('report invariants', () => {
  it('all hold for a run where every record is accounted for', () => {
    expect(failing(healthy)).toEqual([]);
  });

  it('catch a lost record, a record never read, and a producer failure', () => {
    expect(failing({ ...healthy, records: { ...healthy.records, curated: 89, lost: 1 } })).toContain('nothing lost');
    expect(failing({ ...healthy, records: { ...healthy.records, readFromStream: 99 } })).toContain('nothing lost');
    expect(failing({ ...healthy, records: { ...healthy.records, producerFailed: 1 } })).toContain('nothing lost');
  });

  it('catch a malformed record not quarantined, one without a reason, and a valid record quarantined', () => {
    expect(failing({ ...healthy, quality: { ...healthy.quality, malformedQuarantined: 7 } })).toEqual(['every malformed event quarantined with its reason']);
    expect(failing({ ...healthy, quality: { ...healthy.quality, malformedWithReason: 7 } })).toEqual(['every malformed event quarantined with its reason']);
    expect(failing({ ...healthy, quality: { ...healthy.quality, validQuarantined: 1 } })).toEqual(['every malformed event quarantined with its reason']);
  });

  it('catch warehouse rows that differ from the curated records, and duplicates', () => {
    expect(failing({ ...healthy, warehouse: { ...healthy.warehouse, events: 89, distinctEventIds: 89 } })).toEqual(['warehouse rows = curated records, no duplicates']);
    expect(failing({ ...healthy, warehouse: { ...healthy.warehouse, events: 91, distinctEventIds: 90 } })).toEqual(
      expect.arrayContaining(['warehouse rows = curated records, no duplicates', 'replayed batches do not duplicate output']),
    );
  });

  it('require a replay to have happened when one was asked for, and no duplicate lake rows', () => {
    expect(failing({ ...healthy, records: { ...healthy.records, replayedInvocations: 0 } })).toEqual(['replayed batches do not duplicate output']);
    expect(failing({ ...healthy, records: { ...healthy.records, replayedInvocations: 0 }, replayShare: 0 })).toEqual([]);
    expect(failing({ ...healthy, records: { ...healthy.records, duplicateLakeRows: 1 } })).toEqual(['replayed batches do not duplicate output']);
  });

  it('require every weighted variant to answer, and every prediction in lake and warehouse', () => {
    const silent = { ...healthy.predictions, byVariant: [healthy.predictions.byVariant[0]!, { ...healthy.predictions.byVariant[1]!, answered: 0 }] };
    expect(failing({ ...healthy, predictions: silent })).toEqual(['both variants answered']);
    expect(failing({ ...healthy, warehouse: { ...healthy.warehouse, predictions: 4 } })).toEqual(['every prediction recorded in the lake and the warehouse']);
  });
});

describe('percentileOf', () => {
  it('uses the nearest rank', () => {
    expect(percentileOf([5, 1, 4, 2, 3], 50)).toBe(3);
    expect(percentileOf([5, 1, 4, 2, 3], 99)).toBe(5);
    expect(percentileOf([], 50)).toBeNaN();
  });
});

function report(): LocalReport {
  return {
    version: 1,
    startedAt: '2026-01-01T00:00:00.000Z',
    wallSeconds: 12.3,
    options: { events: 100, malformedShare: 0.08, seed: 1, predictions: 5, replayShare: 0.05, chaosSeed: null },
    chaos: null,
    standins: [{ name: 'moto', replaces: 'Kinesis, S3, SQS', startMs: 800, pid: 1 }],
    phases: [{ name: 'send', seconds: 1 }],
    milestones: { streamDrainedSeconds: 1, warehouseLoadedSeconds: 2 },
    records: healthy.records,
    mapping: { invocations: 3, partialFailures: 0, functionErrors: 1, bisections: 1, batchSize: 1000 },
    bytes: { raw: 1048576, curatedParquet: 300000, quarantineParquet: 1000, curatedObjects: 5, quarantineObjects: 1 },
    quality: { ...healthy.quality, rate: 0.92, alarmThreshold: 0.98, byKind: { not_json: { not_json: 8 } }, perBatch: [{ shard: 'shardId-000000000000', batch: 0, rate: 0.92, records: 98 }] },
    eventsPerHour: [{ hour: '2024-03-20 00:00', events: 40 }, { hour: '2024-03-20 01:00', events: 50 }],
    quarantineReasons: [{ errorKind: 'not_json', records: 8, example: '(record): not_json, got "<script>"' }],
    warehouse: { ...healthy.warehouse, objectsLoaded: 5, loaderInvocations: 2, loaderFailedMessages: 0, loaderDeadLetters: 0, statements: 40, rowsCopied: 95, sqlSeconds: 1.5, copySeconds: 1 },
    predictions: { ...healthy.predictions, errors: 0, clientRetries: 0, bufferedAtEnd: 0 },
    latency: [{ name: 'inference request (handler)', count: 5, p50: 10, p95: 20, p99: 30, max: 31 }],
    queries: [{ engine: 'athena (DuckDB)', name: 'events per hour', sql: 'SELECT 1', rowCount: 1, rows: [{ hour: '00', events: 40 }] }],
    invariants: checkInvariants(healthy),
    outDir: '/tmp/x',
  };
}

describe('HTML report', () => {
  const html = renderHtml(report());

  it('is self-contained: no script, no external reference', () => {
    expect(html).not.toMatch(/<script|<link|<img|@import|url\(/i);
    expect(html.match(/(src|href)=/g)).toBeNull();
    expect(html).not.toMatch(/https?:\/\/(?!www\.w3\.org\/2000\/svg)/);
  });

  it('has the five charts as inline SVG', () => {
    for (const title of ['Curated events per event-time hour', 'Data-quality rate per batch', 'Quarantined records by error kind', 'Predictions answered per production variant', 'Latency percentiles (ms)']) {
      expect(html).toContain(`<svg xmlns="http://www.w3.org/2000/svg"`);
      expect(html).toContain(`aria-label="${title}"`);
    }
  });

  it('escapes record content', () => {
    expect(html).toContain('&lt;script&gt;');
    expect(html).not.toContain('"<script>"');
  });

  it('lists the faults a chaos run injected, per kind, in both renderings', () => {
    const chaos: LocalReport['chaos'] = {
      seed: 42,
      hangMode: 'reset',
      faults: [
        { kind: 's3-slow-down', description: 'S3 answers 503 SlowDown (request not applied)', injected: 3 },
        { kind: 'processor-crash-mid-batch', description: 'stream processor dies after writing part of its batch', injected: 2 },
      ],
      calls: { s3: 180, 'data-api': 170, sagemaker: 210, processor: 20 },
    };
    const withChaos = { ...report(), chaos };
    expect(renderText(withChaos)).toMatch(/Faults injected \(chaos seed 42, S3 hangs: reset; calls seen: s3 180, data-api 170, sagemaker 210, processor 20\)\n {2}s3-slow-down +3 {2}S3 answers 503 SlowDown/);
    expect(renderText(withChaos)).toMatch(/\n {2}processor-crash-mid-batch +2 {2}stream processor dies/);
    expect(renderHtml(withChaos)).toContain('<h2>Faults injected</h2><p>Chaos seed 42');
    expect(renderHtml(withChaos)).toContain('<td>processor-crash-mid-batch</td><td class="num">2</td>');
    expect(renderText(report())).not.toContain('Faults injected');
    expect(renderHtml(report())).not.toContain('Faults injected');
  });

  it('says when an invariant failed', () => {
    const bad = { ...report(), invariants: checkInvariants({ ...healthy, records: { ...healthy.records, lost: 1 } }) };
    expect(renderHtml(bad)).toContain('INVARIANT FAILED');
    expect(renderText(bad)).toMatch(/FAIL {2}nothing lost/);
  });
});
