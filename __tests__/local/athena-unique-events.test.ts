jest.mock('hyparquet-writer', () => jest.requireActual('../functions/helpers/esm').requireEsm('hyparquet-writer'));

/**
 * The events_unique view's SQL, run for real: DuckDB (the Athena stand-in) over Parquet objects
 * the processor's encoder writes, with copies of events spread over objects and partitions.
 */
import fc from 'fast-check';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { TABLES, partitionPrefix, type CuratedRow } from '../../functions/shared/contract';
import { encodeParquet } from '../../functions/shared/parquet';
import { classify } from '../../functions/stream-processor/domain';
import { AthenaStandin } from '../../local/standins/athena';
import { ARRIVAL_ORDER, BI_OMITTED_COLUMNS, UNIQUE_EVENTS_VIEW, biEventsQuery, uniqueEventsView } from '../../stacks/athena-queries';
import { sequenceNumber } from '../functions/helpers/kinesis';

const DATABASE = 'daml_test_lake';
const BASE = Date.UTC(2024, 2, 20, 12);

function eventBytes(id: number, hour: number): string {
  return Buffer.from(
    JSON.stringify({
      event_id: `e${id}`,
      timestamp: `2024-03-20T${String(hour).padStart(2, '0')}:00:00Z`,
      user_id: `u${id}`,
      event_type: 'search',
      data: { page_url: '/', session_id: 's', device_type: 'mobile', location: { country: 'US' } },
    }),
  ).toString('base64');
}

interface Copy {
  readonly id: number;
  readonly hour: number;
  readonly object: number;
  readonly shard: number;
}

/** One curated row per copy, grouped into objects (one file per object, under its partition). */
function writeLake(dir: string, copies: readonly Copy[]): CuratedRow[] {
  const rows = copies.map((c, i) => {
    const classified = classify(
      { shardId: `shardId-00000000000${c.shard}`, sequenceNumber: sequenceNumber(i), data: eventBytes(c.id, c.hour), arrivalMs: BASE + i * 1000 },
      BASE + 60_000 + c.object,
    );
    if (classified.table !== 'curated') throw new Error('test events are valid');
    return { row: classified.row, key: `${partitionPrefix('curated', classified.partitionMs)}object-${c.object}.parquet` };
  });
  const byKey = new Map<string, CuratedRow[]>();
  for (const r of rows) byKey.set(r.key, [...(byKey.get(r.key) ?? []), r.row]);
  for (const [key, objectRows] of byKey) {
    const file = path.join(dir, key);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, encodeParquet('curated', objectRows as unknown as Record<string, unknown>[]));
  }
  return rows.map((r) => r.row);
}

async function withLake<T>(copies: readonly Copy[], fn: (athena: AthenaStandin, rows: CuratedRow[]) => Promise<T>): Promise<T> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'daml-unique-'));
  try {
    const rows = writeLake(dir, copies);
    const athena = await AthenaStandin.open(dir, DATABASE, ['curated']);
    try {
      return await fn(athena, rows);
    } finally {
      athena.close();
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

describe(`the ${UNIQUE_EVENTS_VIEW} view`, () => {
  it('reads one row per event_id from copies in two objects, keeping the first to arrive, with the columns of the table', async () => {
    const copies: Copy[] = [
      { id: 1, hour: 10, object: 0, shard: 1 },
      { id: 2, hour: 10, object: 0, shard: 1 },
      { id: 1, hour: 10, object: 1, shard: 1 },
      { id: 3, hour: 11, object: 1, shard: 1 },
      { id: 2, hour: 10, object: 1, shard: 2 },
    ];
    await withLake(copies, async (athena, rows) => {
      const [table] = await athena.query(`SELECT count(*) AS n FROM "${TABLES.curated.name}"`);
      expect(table!.n).toBe(5);
      const unique = await athena.query(`SELECT * FROM "${UNIQUE_EVENTS_VIEW}" ORDER BY event_id`);
      expect(unique.map((r) => r.event_id)).toEqual(['e1', 'e2', 'e3']);
      expect(unique.map((r) => r.source_sequence_number)).toEqual([
        rows[0]!.source_sequence_number,
        rows[1]!.source_sequence_number,
        rows[3]!.source_sequence_number,
      ]);
      expect(Object.keys(unique[0]!)).toEqual(uniqueEventsView(DATABASE).columns.map((c) => c.name));
      expect(Object.keys(unique[0]!)).toEqual([...TABLES.curated.columns.map((c) => c.name), 'dt', 'hour']);
      expect(unique.map((r) => [r.dt, r.hour])).toEqual([
        ['2024-03-20', '10'],
        ['2024-03-20', '10'],
        ['2024-03-20', '11'],
      ]);
    });
  });

  it('property: for any spread of copies over objects, partitions and shards, one row per event_id, the earliest arrival', async () => {
    const copyArb = fc.record({
      id: fc.integer({ min: 0, max: 5 }),
      hour: fc.integer({ min: 9, max: 11 }),
      object: fc.integer({ min: 0, max: 3 }),
      shard: fc.integer({ min: 1, max: 2 }),
    });
    await fc.assert(
      fc.asyncProperty(fc.array(copyArb, { minLength: 1, maxLength: 25 }), async (copies) =>
        withLake(copies, async (athena, rows) => {
          const unique = await athena.query(`SELECT event_id, source_sequence_number FROM "${UNIQUE_EVENTS_VIEW}"`);
          const earliest = new Map<string, string>();
          // Arrival time grows with the copy's index, so the earliest copy of an id is its first in `rows`.
          for (const r of rows) if (!earliest.has(r.event_id)) earliest.set(r.event_id, r.source_sequence_number);
          expect(new Map(unique.map((r) => [String(r.event_id), String(r.source_sequence_number)]))).toEqual(earliest);
          expect(unique).toHaveLength(earliest.size);
        }),
      ),
      { numRuns: 25 },
    );
  });
});

describe('the lake events data set (biEventsQuery)', () => {
  /** Days back to the test events' day, and one more: the query's dt filter keeps them all. */
  const days = Math.ceil((Date.now() - BASE) / 86_400_000) + 1;

  it("keeps copies by the view's own order", () => {
    expect(uniqueEventsView(DATABASE).sql).toContain(`ORDER BY ${ARRIVAL_ORDER})`);
    expect(biEventsQuery(DATABASE, days).sql).toContain(`ORDER BY ${ARRIVAL_ORDER})`);
  });

  it('property: for the days it reads, the rows of the events_unique view, without the feature CSV', async () => {
    const copyArb = fc.record({
      id: fc.integer({ min: 0, max: 5 }),
      hour: fc.integer({ min: 9, max: 11 }),
      object: fc.integer({ min: 0, max: 3 }),
      shard: fc.integer({ min: 1, max: 2 }),
    });
    const query = biEventsQuery(DATABASE, days);
    const columns = query.columns.map((c) => `"${c.name}"`).join(', ');
    await fc.assert(
      fc.asyncProperty(fc.array(copyArb, { minLength: 1, maxLength: 25 }), async (copies) =>
        withLake(copies, async (athena) => {
          const dataSet = await athena.query(`SELECT * FROM (${query.sql}) ORDER BY event_id`);
          const view = await athena.query(`SELECT ${columns} FROM "${UNIQUE_EVENTS_VIEW}" ORDER BY event_id`);
          expect(dataSet).toEqual(view);
          expect(Object.keys(dataSet[0]!)).toEqual(query.columns.map((c) => c.name));
          expect(Object.keys(dataSet[0]!).filter((k) => BI_OMITTED_COLUMNS.includes(k))).toEqual([]);
        }),
      ),
      { numRuns: 20 },
    );
  });

  it('reads nothing older than its days', async () => {
    await withLake([{ id: 1, hour: 10, object: 0, shard: 1 }], async (athena) => {
      expect(await athena.query(biEventsQuery(DATABASE, 1).sql)).toEqual([]);
      expect(await athena.query(biEventsQuery(DATABASE, days).sql)).toHaveLength(1);
    });
  });
});
