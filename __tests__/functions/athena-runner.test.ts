import {
  AthenaClient,
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  StartQueryExecutionCommand,
  StopQueryExecutionCommand,
  type GetQueryExecutionCommandOutput,
  type QueryExecution,
  type QueryExecutionStatus,
} from '@aws-sdk/client-athena';
import { mockClient } from 'aws-sdk-client-mock';
import fc from 'fast-check';
import { ATHENA_PRICING, AthenaQueryError, billedBytes, queryCostUsd, runAthenaQuery, type QueryProgress } from '../../functions/shared/athena-runner';
import { Deadline } from '../../functions/shared/deadline';

const athena = mockClient(AthenaClient);
const QUERY = { sql: 'SELECT 1', workgroup: 'wg', database: 'db', executionParameters: ["'2024-03-20'"] };

/** A fake clock that sleeping advances. */
function fakeTime(start = 1_000_000) {
  let now = start;
  const waits: number[] = [];
  return { clock: () => now, sleep: async (ms: number) => void (waits.push(ms), (now += ms)), waits };
}

const execution = (State: string, extra: Partial<QueryExecution> = {}): GetQueryExecutionCommandOutput => ({
  $metadata: {},
  QueryExecution: {
    QueryExecutionId: 'q-1',
    StatementType: 'DML',
    Status: { State },
    Statistics: { DataScannedInBytes: 5 * 2 ** 20, TotalExecutionTimeInMillis: 1200 },
    ...extra,
  } as QueryExecution,
});

beforeEach(() => {
  athena.reset();
  athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'q-1' });
});

describe('runAthenaQuery', () => {
  it('starts in the workgroup with the parameters, polls with a growing wait, and reads every page without the header row', async () => {
    athena
      .on(GetQueryExecutionCommand)
      .resolvesOnce(execution('QUEUED'))
      .resolvesOnce(execution('RUNNING'))
      .resolvesOnce(execution('RUNNING'))
      .resolves(execution('SUCCEEDED'));
    const columns = [
      { Name: 'dt', Type: 'varchar' },
      { Name: 'n', Type: 'bigint' },
    ];
    athena
      .on(GetQueryResultsCommand)
      .resolvesOnce({
        ResultSet: {
          ResultSetMetadata: { ColumnInfo: columns },
          Rows: [{ Data: [{ VarCharValue: 'dt' }, { VarCharValue: 'n' }] }, { Data: [{ VarCharValue: '2024-03-20' }, { VarCharValue: '3' }] }],
        },
        NextToken: 't2',
      })
      .resolvesOnce({ ResultSet: { ResultSetMetadata: { ColumnInfo: columns }, Rows: [{ Data: [{ VarCharValue: '2024-03-21' }, {}] }] } });
    const time = fakeTime();
    const progress: QueryProgress[] = [];
    const result = await runAthenaQuery(athena as unknown as AthenaClient, QUERY, {
      deadline: Deadline.at(time.clock() + 60_000, time.clock),
      ...time,
      onProgress: (p) => progress.push(p),
    });

    expect(athena.commandCalls(StartQueryExecutionCommand)[0]!.args[0].input).toEqual({
      QueryString: 'SELECT 1',
      WorkGroup: 'wg',
      QueryExecutionContext: { Database: 'db' },
      ExecutionParameters: ["'2024-03-20'"],
    });
    expect(time.waits).toEqual([250, 375, 563]);
    expect(progress.map((p) => p.state)).toEqual(['QUEUED', 'RUNNING', 'RUNNING', 'SUCCEEDED']);
    expect(result.columns).toEqual([
      { name: 'dt', type: 'varchar' },
      { name: 'n', type: 'bigint' },
    ]);
    expect(result.rows).toEqual([
      ['2024-03-20', '3'],
      ['2024-03-21', null],
    ]);
    expect(athena.commandCalls(GetQueryResultsCommand)[1]!.args[0].input.NextToken).toBe('t2');
    expect(result).toMatchObject({ queryId: 'q-1', truncated: false, bytesScanned: 5 * 2 ** 20, engineMs: 1200 });
  });

  it('stops reading at maxRows and says so', async () => {
    athena.on(GetQueryExecutionCommand).resolves(execution('SUCCEEDED', { StatementType: 'DDL' as QueryExecution['StatementType'] }));
    athena.on(GetQueryResultsCommand).resolves({
      ResultSet: {
        ResultSetMetadata: { ColumnInfo: [{ Name: 'x', Type: 'integer' }] },
        Rows: [1, 2, 3].map((n) => ({ Data: [{ VarCharValue: String(n) }] })),
      },
      NextToken: 'more',
    });
    const time = fakeTime();
    const result = await runAthenaQuery(athena as unknown as AthenaClient, QUERY, {
      deadline: Deadline.at(time.clock() + 60_000, time.clock),
      ...time,
      maxRows: 2,
    });
    expect(result.rows).toEqual([['1'], ['2']]);
    expect(result.truncated).toBe(true);
  });

  it("fails with the query id and Athena's reason", async () => {
    athena.on(GetQueryExecutionCommand).resolves(
      execution('FAILED', {
        Status: { State: 'FAILED', StateChangeReason: "line 1:8: Column 'nope' cannot be resolved", AthenaError: { ErrorCategory: 2, ErrorType: 1006 } },
      }),
    );
    const time = fakeTime();
    const error = await runAthenaQuery(athena as unknown as AthenaClient, QUERY, { deadline: Deadline.at(time.clock() + 60_000, time.clock), ...time }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(AthenaQueryError);
    expect(error).toMatchObject({ kind: 'failed', queryId: 'q-1', state: 'FAILED' });
    expect((error as Error).message).toBe("query q-1 FAILED: line 1:8: Column 'nope' cannot be resolved; error type 1006, category 2");
  });

  it.each<[string, QueryExecutionStatus, number | undefined]>([
    ['by its wording', { State: 'CANCELLED', StateChangeReason: 'Bytes scanned limit was exceeded' }, undefined],
    ['by the bytes scanned reaching the known cutoff', { State: 'CANCELLED' }, 5 * 2 ** 20],
  ])('tells the workgroup cutoff apart %s', async (_label, status, cutoff) => {
    athena.on(GetQueryExecutionCommand).resolves(execution('CANCELLED', { Status: status }));
    const time = fakeTime();
    const error = await runAthenaQuery(athena as unknown as AthenaClient, QUERY, {
      deadline: Deadline.at(time.clock() + 60_000, time.clock),
      ...time,
      ...(cutoff ? { bytesScannedCutoff: cutoff } : {}),
    }).catch((e: unknown) => e);
    expect(error).toMatchObject({ kind: 'scan-cutoff', queryId: 'q-1' });
    expect((error as Error).message).toMatch(/^query q-1 stopped at the workgroup's bytes-scanned cutoff after scanning 5\.0 MB .*narrow it/);
  });

  it('a cancellation below the cutoff is a plain cancellation', async () => {
    athena
      .on(GetQueryExecutionCommand)
      .resolves(execution('CANCELLED', { Status: { State: 'CANCELLED', StateChangeReason: 'Query was cancelled by the user' } }));
    const time = fakeTime();
    const error = await runAthenaQuery(athena as unknown as AthenaClient, QUERY, {
      deadline: Deadline.at(time.clock() + 60_000, time.clock),
      ...time,
      bytesScannedCutoff: 10 * 2 ** 30,
    }).catch((e: unknown) => e);
    expect(error).toMatchObject({ kind: 'cancelled', reason: 'Query was cancelled by the user' });
  });

  it('stops the query when the deadline comes before it ends', async () => {
    athena.on(GetQueryExecutionCommand).resolves(execution('RUNNING'));
    athena.on(StopQueryExecutionCommand).resolves({});
    const time = fakeTime();
    const error = await runAthenaQuery(athena as unknown as AthenaClient, QUERY, {
      deadline: Deadline.at(time.clock() + 10_000, time.clock, time.clock() + 20_000),
      ...time,
      maxPollMs: 2000,
    }).catch((e: unknown) => e);
    expect(error).toMatchObject({ kind: 'timeout', queryId: 'q-1', state: 'RUNNING' });
    expect(athena.commandCalls(StopQueryExecutionCommand).map((c) => c.args[0].input)).toEqual([{ QueryExecutionId: 'q-1' }]);
    expect(time.waits.reduce((a, b) => a + b, 0)).toBeLessThan(10_000);
    expect(Math.max(...time.waits)).toBeLessThanOrEqual(2000);
  });
});

describe('Athena list price', () => {
  it('bills whole MiB, at least 10 MiB per query that scanned anything, at $5 per TiB', () => {
    expect(billedBytes(0)).toBe(0);
    expect(queryCostUsd(0)).toBe(0);
    expect(billedBytes(1)).toBe(10 * 2 ** 20);
    expect(queryCostUsd(2 ** 40)).toBe(5);
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2 ** 50 }), fc.integer({ min: 0, max: 2 ** 30 }), (bytes, more) => {
        const billed = billedBytes(bytes);
        expect(billed).toBeGreaterThanOrEqual(Math.max(bytes, ATHENA_PRICING.minimumBilledBytes));
        expect(billed % ATHENA_PRICING.roundingBytes).toBe(0);
        expect(billed - Math.max(bytes, ATHENA_PRICING.minimumBilledBytes)).toBeLessThan(ATHENA_PRICING.roundingBytes);
        expect(queryCostUsd(bytes + more)).toBeGreaterThanOrEqual(queryCostUsd(bytes));
      }),
    );
  });
});
