jest.mock('hyparquet-writer', () => jest.requireActual('../functions/helpers/esm').requireEsm('hyparquet-writer'));

/**
 * The lake predictions data set's SQL (biPredictionsQuery), run in DuckDB (the Athena stand-in)
 * over Parquet objects of curated events and predictions: one row per prediction, with its
 * session's outcome, which the dashboard's A/B comparison sets against the score.
 */
import fc from 'fast-check';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { partitionPrefix, type CuratedRow, type EventType, type PredictionRow } from '../../functions/shared/contract';
import { encodeParquet } from '../../functions/shared/parquet';
import { classify } from '../../functions/stream-processor/domain';
import { AthenaStandin } from '../../local/standins/athena';
import { SESSION_CONVERTED_COLUMN, biPredictionsQuery } from '../../stacks/athena-queries';
import { sequenceNumber } from '../functions/helpers/kinesis';

const DATABASE = 'daml_test_lake';
const BASE = Date.UTC(2024, 2, 20, 12);
/** Days back to the test day, and one more. */
const DAYS = Math.ceil((Date.now() - BASE) / 86_400_000) + 1;

interface Session {
  readonly session: number;
  readonly events: readonly EventType[];
  readonly predictions: number;
}

function curatedRow(session: number, i: number, eventType: EventType): CuratedRow {
  const event = {
    event_id: `e${session}-${i}`,
    timestamp: '2024-03-20T12:00:00Z',
    user_id: `u${session}`,
    event_type: eventType,
    data: { page_url: '/', session_id: `s${session}`, device_type: 'mobile', location: { country: 'US' } },
  };
  const classified = classify(
    {
      shardId: 'shardId-000000000001',
      sequenceNumber: sequenceNumber(session * 100 + i),
      data: Buffer.from(JSON.stringify(event)).toString('base64'),
      arrivalMs: BASE,
    },
    BASE + 60_000,
  );
  if (classified.table !== 'curated') throw new Error(`test event ${event.event_id} is invalid`);
  return classified.row;
}

function predictionRow(session: number, i: number): PredictionRow {
  return {
    event_id: `p${session}-${i}`,
    user_id: `u${session}`,
    session_id: `s${session}`,
    event_type: 'page_view',
    event_time: new Date(BASE),
    predicted_at: new Date(BASE + i),
    score: 0.25,
    confidence: 0.5,
    variant: i % 2 === 0 ? 'champion' : 'challenger',
    model_version: 'v1',
    features: '0,1',
    latency_ms: 12,
  };
}

function write(dir: string, table: 'curated' | 'predictions', rows: readonly Record<string, unknown>[]): void {
  if (rows.length === 0) return;
  const file = path.join(dir, `${partitionPrefix(table, BASE)}object.parquet`);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, encodeParquet(table, rows));
}

async function withLake<T>(sessions: readonly Session[], fn: (athena: AthenaStandin) => Promise<T>): Promise<T> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'daml-bi-'));
  try {
    write(dir, 'curated', sessions.flatMap((s) => s.events.map((type, i) => curatedRow(s.session, i, type))) as unknown as Record<string, unknown>[]);
    write(
      dir,
      'predictions',
      sessions.flatMap((s) => Array.from({ length: s.predictions }, (_, i) => predictionRow(s.session, i))) as unknown as Record<string, unknown>[],
    );
    const athena = await AthenaStandin.open(dir, DATABASE, ['curated', 'predictions']);
    try {
      return await fn(athena);
    } finally {
      athena.close();
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

describe('the lake predictions data set (biPredictionsQuery)', () => {
  const query = biPredictionsQuery(DATABASE, DAYS);

  it('property: one row per prediction, its session marked converted exactly when the session has a purchase event', async () => {
    const sessionArb = fc.record({
      events: fc.array(fc.constantFrom<EventType>('page_view', 'add_to_cart', 'purchase'), { maxLength: 4 }),
      predictions: fc.integer({ min: 0, max: 3 }),
    });
    await fc.assert(
      fc.asyncProperty(fc.array(sessionArb, { minLength: 1, maxLength: 6 }), async (drawn) => {
        const sessions = drawn.map((s, session) => ({ ...s, session }));
        await withLake(sessions, async (athena) => {
          const rows = await athena.query(`SELECT * FROM (${query.sql}) ORDER BY event_id`);
          const expected = sessions
            .flatMap((s) =>
              Array.from({ length: s.predictions }, (_, i) => ({ event_id: `p${s.session}-${i}`, converted: s.events.includes('purchase') ? 1 : 0 })),
            )
            .sort((a, b) => a.event_id.localeCompare(b.event_id));
          expect(rows.map((r) => ({ event_id: r.event_id, converted: r[SESSION_CONVERTED_COLUMN.name] }))).toEqual(expected);
          if (rows.length > 0) expect(Object.keys(rows[0]!)).toEqual(query.columns.map((c) => c.name));
        });
      }),
      { numRuns: 15 },
    );
  });

  it('reads no prediction older than its days', async () => {
    await withLake([{ session: 1, events: ['purchase'], predictions: 2 }], async (athena) => {
      expect(await athena.query(biPredictionsQuery(DATABASE, 1).sql)).toEqual([]);
      expect(await athena.query(query.sql)).toHaveLength(2);
    });
  });
});
