import {
  AthenaClient,
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  GetWorkGroupCommand,
  StartQueryExecutionCommand,
  type QueryExecution,
} from '@aws-sdk/client-athena';
import { mockClient } from 'aws-sdk-client-mock';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadConfig } from '../../stacks/config/load';
import { PlatformNaming } from '../../stacks/naming';
import { main, parseQueryArgs, placeholderCount, resolveQuery } from '../../scripts/query';
import { formatResult } from '../../scripts/query-output';

const athena = mockClient(AthenaClient);
const ENV = { ENVIRONMENT: 'analytics' };
const naming = new PlatformNaming(loadConfig(ENV));
const DB = naming.lakeDatabase();

async function run(argv: string[], env: Record<string, string> = ENV) {
  let out = '';
  let err = '';
  const regions: string[] = [];
  const code = await main(argv, {
    env,
    out: (t) => void (out += t),
    err: (t) => void (err += t),
    athena: (region) => (regions.push(region), athena as unknown as AthenaClient),
    sleep: async () => undefined,
  });
  return { code, out, err, regions };
}

beforeEach(() => {
  athena.reset();
  athena.on(GetWorkGroupCommand).resolves({ WorkGroup: { Name: 'wg', State: 'ENABLED', Configuration: { BytesScannedCutoffPerQuery: 10 * 2 ** 30 } } });
  athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'q-42' });
});

const succeeded = {
  QueryExecution: {
    QueryExecutionId: 'q-42',
    StatementType: 'DML',
    Status: { State: 'SUCCEEDED' },
    Statistics: { DataScannedInBytes: 3 * 2 ** 30, TotalExecutionTimeInMillis: 4200 },
  } as QueryExecution,
};
const columns = [
  { Name: 'hour', Type: 'varchar' },
  { Name: 'events', Type: 'integer' },
  { Name: 'conversion_rate', Type: 'double' },
];

describe('query CLI against Athena', () => {
  it('runs a saved query in the platform workgroup with its parameter, prints the rows and the cost of the bytes scanned', async () => {
    athena
      .on(GetQueryExecutionCommand)
      .resolvesOnce({ QueryExecution: { ...succeeded.QueryExecution, Status: { State: 'RUNNING' } } })
      .resolves(succeeded);
    athena.on(GetQueryResultsCommand).resolves({
      ResultSet: {
        ResultSetMetadata: { ColumnInfo: columns },
        Rows: [{ Data: columns.map((c) => ({ VarCharValue: c.Name })) }, { Data: [{ VarCharValue: '10' }, { VarCharValue: '120' }, { VarCharValue: '0.05' }] }],
      },
    });
    const r = await run(['hourly-conversion-day', '--param', 'day=2024-03-20', '--region', 'us-west-2', '--format', 'json']);
    expect(r.code).toBe(0);
    expect(r.regions).toEqual(['us-west-2']);
    expect(athena.commandCalls(GetWorkGroupCommand)[0]!.args[0].input).toEqual({ WorkGroup: naming.regional('analytics', 'us-west-2') });
    const start = athena.commandCalls(StartQueryExecutionCommand)[0]!.args[0].input;
    expect(start).toMatchObject({
      WorkGroup: naming.regional('analytics', 'us-west-2'),
      QueryExecutionContext: { Database: DB },
      ExecutionParameters: ["'2024-03-20'"],
    });
    expect(start.QueryString).toContain(`FROM "${DB}"."hourly_conversion"`);
    expect(JSON.parse(r.out)).toEqual([{ hour: '10', events: 120, conversion_rate: 0.05 }]);
    expect(r.err).toContain('query q-42: RUNNING');
    expect(r.err).toContain('1 row; scanned 3.0 GB (billed 3.0 GB) in 4.2 s: $0.014648 at $5 per TB (query q-42)');
  });

  it("uses AWS_REGION, else the configuration's primary region", async () => {
    athena.on(GetQueryExecutionCommand).resolves(succeeded);
    athena.on(GetQueryResultsCommand).resolves({ ResultSet: { ResultSetMetadata: { ColumnInfo: columns }, Rows: [] } });
    expect((await run(['events-per-hour'], { ...ENV, AWS_REGION: 'eu-west-1' })).regions).toEqual(['eu-west-1']);
    expect((await run(['events-per-hour'])).regions).toEqual([loadConfig(ENV).primaryRegion]);
  });

  it('prints a table by default, numbers (and NULL, spelled out) right-aligned', async () => {
    athena.on(GetQueryExecutionCommand).resolves(succeeded);
    athena
      .on(GetQueryResultsCommand)
      .resolves({ ResultSet: { ResultSetMetadata: { ColumnInfo: columns }, Rows: [{ Data: [{ VarCharValue: '09' }, { VarCharValue: '7' }, {}] }] } });
    const r = await run(['events-per-hour']);
    expect(r.out).toBe('hour | events | conversion_rate\n-----+--------+----------------\n09   |      7 |            NULL\n');
  });

  it('stops at the workgroup cutoff with one line saying so, exit 1', async () => {
    athena.on(GetQueryExecutionCommand).resolves({
      QueryExecution: {
        QueryExecutionId: 'q-42',
        Status: { State: 'CANCELLED', StateChangeReason: 'Bytes scanned limit was exceeded' },
        Statistics: { DataScannedInBytes: 10 * 2 ** 30 },
      },
    });
    const r = await run(['deduplicated-events']);
    expect(r.code).toBe(1);
    expect(r.err.trim().split('\n').pop()).toMatch(/^query: query q-42 stopped at the workgroup's bytes-scanned cutoff after scanning 10\.0 GB .*narrow it/);
    expect(r.out).toBe('');
  });

  it('a failed query is one line with its id and reason, exit 1', async () => {
    athena.on(GetQueryExecutionCommand).resolves({
      QueryExecution: { QueryExecutionId: 'q-42', Status: { State: 'FAILED', StateChangeReason: 'TABLE_NOT_FOUND: line 1:15: Table does not exist' } },
    });
    const r = await run(['top-categories']);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/query: query q-42 FAILED: TABLE_NOT_FOUND: line 1:15: Table does not exist\n$/);
  });

  it('a region without the workgroup is a missing prerequisite, exit 3', async () => {
    athena
      .on(GetWorkGroupCommand)
      .rejects(Object.assign(new Error('WorkGroup daml-analytics-analytics-euw1 is not found.'), { name: 'InvalidRequestException' }));
    const r = await run(['top-categories', '--region', 'eu-west-1']);
    expect(r.code).toBe(3);
    expect(r.err).toBe(`query: no Athena workgroup ${naming.regional('analytics', 'eu-west-1')} in eu-west-1: deploy the platform there, or pass --region\n`);
    expect(athena.commandCalls(StartQueryExecutionCommand)).toHaveLength(0);
  });

  it('no credentials is a missing prerequisite, exit 3', async () => {
    athena.on(GetWorkGroupCommand).rejects(Object.assign(new Error('Could not load credentials from any providers'), { name: 'CredentialsProviderError' }));
    const r = await run(['top-categories']);
    expect(r.code).toBe(3);
    expect(r.err).toMatch(/^query: no AWS credentials for /);
  });

  it('runs a SQL file with its placeholders bound in order, digits as numbers', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'daml-query-'));
    const file = path.join(dir, 'q.sql');
    fs.writeFileSync(file, "-- is it? \nSELECT count(*) FROM events WHERE dt = ? AND event_hour >= ? AND city <> 'why?';\n");
    athena.on(GetQueryExecutionCommand).resolves(succeeded);
    athena.on(GetQueryResultsCommand).resolves({ ResultSet: { ResultSetMetadata: { ColumnInfo: [{ Name: '_col0', Type: 'bigint' }] }, Rows: [] } });
    const r = await run([file, '--param', '1=2024-03-20', '--param', '2=10', '--format', 'csv']);
    expect(r.code).toBe(0);
    const start = athena.commandCalls(StartQueryExecutionCommand)[0]!.args[0].input;
    expect(start.ExecutionParameters).toEqual(["'2024-03-20'", '10']);
    expect(start.QueryString).toBe("-- is it? \nSELECT count(*) FROM events WHERE dt = ? AND event_hour >= ? AND city <> 'why?'");
    expect(r.out).toBe('_col0\r\n');
  });
});

describe('query CLI: bad input is one line and exit 2, before any AWS call', () => {
  it.each([
    [['nope'], /^query: unknown query "nope": allowed are events-per-hour, .*, or a path to a \.sql file \(see --help\)\n$/],
    [['session-funnel-day'], /^query: Session funnel for a day needs --param day=<UTC day, YYYY-MM-DD> \(e\.g\. 2024-03-20\)/],
    [['session-funnel-day', '--param', 'day=yesterday'], /^query: --param day="yesterday" is not a valid UTC day, YYYY-MM-DD/],
    [['events-per-hour', '--param', 'day=2024-03-20'], /^query: --param day: Events per hour \(last 7 days\) takes no parameters/],
    [['events-per-hour', '--param', 'day'], /^query: --param must be name=value, got "day"/],
    [['events-per-hour', '--format', 'xml'], /^query: --format must be one of table, csv, json, got "xml"/],
    [['events-per-hour', '--region', 'moon'], /^query: --region "moon" is not a region name such as us-east-1/],
    [['events-per-hour', '--lake', 'x'], /^query: --lake needs --local/],
    [['events-per-hour', 'top-categories'], /^query: one query at a time/],
    [[], /^query: name a saved query or a \.sql file/],
    [['events-per-hour', '--bogus'], /^query: unknown option --bogus: allowed are /],
    [['/nonexistent/q.sql'], /^query: cannot read "\/nonexistent\/q\.sql": ENOENT/],
  ])('%j', async (argv, message) => {
    const r = await run(argv);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(message);
    expect(r.err.trim().split('\n')).toHaveLength(1);
    expect(athena.calls()).toHaveLength(0);
  });

  it('--local without a lake is a missing prerequisite, exit 3', async () => {
    const r = await run(['events-per-hour', '--local', '--lake', '/nonexistent/lake']);
    expect(r).toMatchObject({ code: 3, err: 'query: no local lake at /nonexistent/lake: run `npm run local` first, or pass --lake <dir>\n' });
  });

  it('prints the usage on --help', async () => {
    const r = await run(['--help']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^Usage: query <named-query \| file\.sql>/);
    expect(parseQueryArgs(['-h'])).toEqual({ help: true });
  });
});

describe('placeholders and parameters', () => {
  it('counts ? outside literals, quoted names and comments', () => {
    expect(placeholderCount(`SELECT '?', "a?" FROM t /* ? */ WHERE a = ? -- ?\n AND b = ?`)).toBe(2);
  });

  it("binds a saved query's day as a quoted literal for Athena and as text for DuckDB", () => {
    expect(resolveQuery('session-funnel-day', new Map([['day', '2024-03-20']]), 'db').parameters).toEqual([
      { name: 'day', literal: "'2024-03-20'", value: '2024-03-20' },
    ]);
  });

  it("quotes a file parameter's single quotes", () => {
    const q = resolveQuery('x.sql', new Map([['1', "O'Brien"]]), 'db', () => 'SELECT * FROM t WHERE name = ?');
    expect(q.parameters[0]!.literal).toBe("'O''Brien'");
  });
});

describe('output', () => {
  it('right-aligns untyped columns holding only numbers (DuckDB results), quotes CSV cells that need it', () => {
    const result = {
      columns: [{ name: 'stage' }, { name: 'label' }],
      rows: [
        [0, 'a, "b"'],
        [12, null],
      ],
    };
    expect(formatResult(result, 'table')).toBe('stage | label\n------+-------\n    0 | a, "b"\n   12 | NULL\n');
    expect(formatResult(result, 'csv')).toBe('stage,label\r\n0,"a, ""b"""\r\n12,\r\n');
    expect(JSON.parse(formatResult(result, 'json'))).toEqual([
      { stage: 0, label: 'a, "b"' },
      { stage: 12, label: null },
    ]);
  });
});
