jest.mock('hyparquet-writer', () => jest.requireActual('../functions/helpers/esm').requireEsm('hyparquet-writer'));

/**
 * `npm run query -- --local`: the saved queries and the catalog views, their SQL as deployed, on
 * DuckDB (local/standins/athena.ts) over Parquet objects the processor's encoder writes.
 */
import fc from 'fast-check';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { EVENT_TYPES, partitionPrefix, type CuratedRow, type EventType } from '../../functions/shared/contract';
import { FUNNEL_STAGE } from '../../functions/shared/features';
import { encodeParquet } from '../../functions/shared/parquet';
import { classify } from '../../functions/stream-processor/domain';
import { AthenaStandin } from '../../local/standins/athena';
import { namedQueries } from '../../stacks/athena-queries';
import { loadConfig } from '../../stacks/config/load';
import { PlatformNaming } from '../../stacks/naming';
import { main } from '../../scripts/query';
import { sequenceNumber } from '../functions/helpers/kinesis';

const ENV = { ENVIRONMENT: 'analytics' };
const DB = new PlatformNaming(loadConfig(ENV)).lakeDatabase();
const DAY = Date.UTC(2024, 2, 20);

interface Event {
  readonly session: number;
  readonly type: EventType;
  readonly hour: number;
  /** Sent twice: the views must count it once. */
  readonly resent: boolean;
}

function eventBytes(id: number, e: Event): string {
  const time = new Date(DAY + e.hour * 3_600_000 + id * 1000).toISOString();
  return Buffer.from(
    JSON.stringify({
      event_id: `e${id}`,
      timestamp: time,
      user_id: `u${e.session % 3}`,
      event_type: e.type,
      data: { page_url: '/', session_id: `s${e.session}`, device_type: 'mobile', location: { country: 'US' } },
    }),
  ).toString('base64');
}

/** Writes the events (a re-sent one twice, in another object) as curated Parquet objects under dir. */
function writeLake(dir: string, events: readonly Event[]): void {
  const copies = events.flatMap((e, id) =>
    e.resent
      ? [
          { e, id, object: 0 },
          { e, id, object: 1 },
        ]
      : [{ e, id, object: 0 }],
  );
  const byKey = new Map<string, CuratedRow[]>();
  copies.forEach((c, i) => {
    const classified = classify(
      { shardId: 'shardId-000000000000', sequenceNumber: sequenceNumber(i), data: eventBytes(c.id, c.e), arrivalMs: DAY + 23 * 3_600_000 + i },
      DAY + 24 * 3_600_000,
    );
    if (classified.table !== 'curated') throw new Error('test events are valid');
    const key = `${partitionPrefix('curated', classified.partitionMs)}object-${c.object}.parquet`;
    byKey.set(key, [...(byKey.get(key) ?? []), classified.row]);
  });
  for (const [key, rows] of byKey) {
    fs.mkdirSync(path.dirname(path.join(dir, key)), { recursive: true });
    fs.writeFileSync(path.join(dir, key), encodeParquet('curated', rows as unknown as Record<string, unknown>[]));
  }
}

async function query(argv: string[]) {
  let out = '';
  let err = '';
  const code = await main(argv, { env: ENV, out: (t) => void (out += t), err: (t) => void (err += t) });
  return { code, out, err };
}

const eventArb = fc.record({
  session: fc.integer({ min: 0, max: 5 }),
  type: fc.constantFrom(...EVENT_TYPES),
  hour: fc.integer({ min: 0, max: 3 }),
  resent: fc.boolean(),
});

describe('query --local (DuckDB over the local lake)', () => {
  it('sessions and hourly conversion count each event once, with the furthest funnel stage and purchases', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(eventArb, { minLength: 1, maxLength: 25 }), async (events) => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'daml-query-local-'));
        try {
          writeLake(dir, events);
          const funnel = await query(['session-funnel-day', '--local', '--lake', dir, '--param', 'day=2024-03-20', '--format', 'json']);
          expect(funnel.code).toBe(0);
          const sessions = new Map<number, Event[]>();
          for (const e of events) sessions.set(e.session, [...(sessions.get(e.session) ?? []), e]);
          const expected = new Map<number, { sessions: number; converted_sessions: number }>();
          for (const list of sessions.values()) {
            const stage = Math.max(...list.map((e) => FUNNEL_STAGE[e.type]));
            const row = expected.get(stage) ?? { sessions: 0, converted_sessions: 0 };
            expected.set(stage, { sessions: row.sessions + 1, converted_sessions: row.converted_sessions + (list.some((e) => e.type === 'purchase') ? 1 : 0) });
          }
          const rows = JSON.parse(funnel.out) as { funnel_stage: number; sessions: number; converted_sessions: number }[];
          expect(rows.map((r) => [r.funnel_stage, { sessions: Number(r.sessions), converted_sessions: Number(r.converted_sessions) }])).toEqual(
            [...expected].sort(([a], [b]) => a - b),
          );

          const hourly = JSON.parse(
            (await query(['hourly-conversion-day', '--local', '--lake', dir, '--param', 'day=2024-03-20', '--format', 'json'])).out,
          ) as Record<string, number | string>[];
          const hours = [...new Set(events.map((e) => e.hour))].sort((a, b) => a - b);
          expect(hourly.map((r) => r.hour)).toEqual(hours.map((h) => String(h).padStart(2, '0')));
          for (const r of hourly) {
            const inHour = events.filter((e) => String(e.hour).padStart(2, '0') === r.hour);
            const users = new Set(inHour.map((e) => e.session % 3));
            const buyers = new Set(inHour.filter((e) => e.type === 'purchase').map((e) => e.session % 3));
            expect(r).toMatchObject({ events: inHour.length, users: users.size, purchasing_users: buyers.size, conversion_rate: buyers.size / users.size });
          }
        } finally {
          fs.rmSync(dir, { recursive: true, force: true });
        }
      }),
      { numRuns: 8 },
    );
  });

  it('every saved query runs on DuckDB as saved, with its example parameters', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'daml-query-local-'));
    try {
      writeLake(dir, [
        { session: 1, type: 'page_view', hour: 1, resent: true },
        { session: 1, type: 'purchase', hour: 2, resent: false },
      ]);
      const standin = await AthenaStandin.open(dir, DB, ['curated', 'quarantine', 'predictions', 'aggregates']);
      try {
        for (const q of namedQueries(DB))
          await expect(
            standin.query(
              q.sql,
              (q.parameters ?? []).map((p) => p.example),
            ),
          ).resolves.toBeInstanceOf(Array);
      } finally {
        standin.close();
      }
      const table = await query(['quarantine-reasons', '--local', '--lake', dir]);
      expect(table).toMatchObject({ code: 0, out: 'error_kind | records | example_reason\n-----------+---------+---------------\n' });
      expect(table.err).toMatch(/0 rows; DuckDB, no bytes-scanned billing/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a query DuckDB cannot run is one line, exit 1', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'daml-query-local-'));
    try {
      const file = path.join(dir, 'bad.sql');
      fs.writeFileSync(file, 'SELECT nope FROM events');
      const r = await query([file, '--local', '--lake', dir]);
      expect(r.code).toBe(1);
      expect(r.err.trim().split('\n').pop()).toMatch(/^query: query local FAILED: .*nope/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
