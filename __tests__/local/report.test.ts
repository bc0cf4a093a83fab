import { checkInvariants, percentileOf, type InvariantInputs, type LocalReport } from '../../local/report/model';
import { healthy, report } from './helpers/report-fixture';
import { renderHtml } from '../../local/report/html';
import { renderText } from '../../local/report/text';

const failing = (i: InvariantInputs) =>
  checkInvariants(i)
    .filter((x) => !x.ok)
    .map((x) => x.name);

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
    expect(failing({ ...healthy, warehouse: { ...healthy.warehouse, events: 89, distinctEventIds: 89 } })).toEqual([
      'warehouse rows = curated records, no duplicates',
    ]);
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

describe('HTML report', () => {
  const html = renderHtml(report());

  it('is self-contained: no script, no external reference', () => {
    expect(html).not.toMatch(/<script|<link|<img|@import|url\(/i);
    expect(html.match(/(src|href)=/g)).toBeNull();
    expect(html).not.toMatch(/https?:\/\/(?!www\.w3\.org\/2000\/svg)/);
  });

  it('has the five charts as inline SVG', () => {
    for (const title of [
      'Curated events per event-time hour',
      'Data-quality rate per batch',
      'Quarantined records by error kind',
      'Predictions answered per production variant',
      'Latency percentiles (ms)',
    ]) {
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
    expect(renderText(withChaos)).toMatch(
      /Faults injected \(chaos seed 42, S3 hangs: reset; calls seen: s3 180, data-api 170, sagemaker 210, processor 20\)\n {2}s3-slow-down +3 {2}S3 answers 503 SlowDown/,
    );
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
