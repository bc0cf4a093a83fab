/**
 * Runs one of the platform's saved Athena queries (stacks/athena-queries.ts), or a SQL file, in the
 * platform's workgroup, and prints the result with the bytes scanned and what they cost; `--local`
 * runs the same SQL on DuckDB over the lake `npm run local` left behind (local/standins/athena.ts).
 *
 *   npm run query -- <named-query | file.sql> [--param name=value ...] [--format table|csv|json] [--region R] [--local]
 *
 * Exit codes: 0 printed, 1 the query failed (Athena's reason and the query id on one line, the
 * workgroup's bytes-scanned cutoff told apart), 2 bad arguments, 3 a missing prerequisite (no
 * credentials, no workgroup in the region, no local lake).
 */
import { AthenaClient, GetWorkGroupCommand } from '@aws-sdk/client-athena';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { AthenaQueryError, formatBytes, runAthenaQuery, type QueryProgress } from '../functions/shared/athena-runner';
import { Deadline, clientConfig } from '../functions/shared/deadline';
import { TABLES, type TableId } from '../functions/shared/contract';
import { namedQueries, type NamedQuerySpec, type QueryParameterSpec } from '../stacks/athena-queries';
import { loadConfig } from '../stacks/config/load';
import { regionShortCode } from '../stacks/config/regions';
import { ConfigValidationError, formatProblem } from '../stacks/config/validate';
import { PlatformNaming } from '../stacks/naming';
import { UsageError, commandLineOrExit, integerOption, parseCommandLine } from './lib/cli-args';
import { OUTPUT_FORMATS, costLine, formatResult, type OutputFormat } from './query-output';

export const DEFAULT_LOCAL_LAKE = path.join('local-run', 'lake');

export const USAGE = `Usage: query <named-query | file.sql> [--param name=value ...] [--format table|csv|json]
             [--region <region>] [--timeout <seconds>] [--max-rows <n>] [--local [--lake <dir>]]

Runs a saved query of the platform (or the SQL in a file) in the platform's Athena workgroup and
prints the result, then the bytes scanned and their cost at Athena's list price. The workgroup's
bytes-scanned cutoff stops a query that reads too much.
  <named-query>        ${namedQueries('<database>')
    .map((q) => q.id)
    .join(', ')}
  <file.sql>           one SQL statement; unqualified table names resolve in the lake database,
                       its ? placeholders take --param 1=<value>, 2=<value>, ... (digits go as numbers)
  --param name=value   a value of the query's parameter (repeat for each)
  --format <f>         table (default), csv or json
  --region <region>    the stack's region (default: AWS_REGION, else the configuration's primary region)
  --timeout <seconds>  stop the query after this long (default 600)
  --max-rows <n>       print at most n rows (default 10000)
  --local              run on DuckDB over the lake of \`npm run local\` instead (no AWS call)
  --lake <dir>         that lake's directory (default ${DEFAULT_LOCAL_LAKE})
  -h, --help           this help

Exit codes: 0 printed, 1 the query failed, 2 bad arguments, 3 a missing prerequisite.`;

export interface QueryOptions {
  readonly target: string;
  readonly params: ReadonlyMap<string, string>;
  readonly format: OutputFormat;
  readonly region?: string;
  readonly timeoutSeconds: number;
  readonly maxRows: number;
  readonly local: boolean;
  readonly lake: string;
}

/** Reads the command line (pure); throws UsageError naming a bad argument. */
export function parseQueryArgs(argv: readonly string[]): QueryOptions | { help: true } {
  const { values, positionals } = parseCommandLine(
    argv,
    {
      param: { type: 'string', multiple: true },
      format: { type: 'string' },
      region: { type: 'string' },
      timeout: { type: 'string' },
      'max-rows': { type: 'string' },
      local: { type: 'boolean' },
      lake: { type: 'string' },
    },
    { positionals: true },
  );
  if (values.help) return { help: true };
  if (positionals.length !== 1)
    throw new UsageError(
      positionals.length === 0 ? 'name a saved query or a .sql file' : `one query at a time, got ${positionals.map((p) => `"${p}"`).join(' ')}`,
    );
  const format = values.format ?? 'table';
  if (!(OUTPUT_FORMATS as readonly string[]).includes(format)) throw new UsageError(`--format must be one of ${OUTPUT_FORMATS.join(', ')}, got "${format}"`);
  if (values.lake !== undefined && !values.local) throw new UsageError('--lake needs --local');
  if (values.region !== undefined && values.local) throw new UsageError('--region names an AWS region; --local reads the local lake only');
  const params = new Map<string, string>();
  for (const p of values.param ?? []) {
    const eq = p.indexOf('=');
    if (eq <= 0) throw new UsageError(`--param must be name=value, got "${p}"`);
    const name = p.slice(0, eq);
    if (params.has(name)) throw new UsageError(`--param ${name} is given twice`);
    params.set(name, p.slice(eq + 1));
  }
  return {
    target: positionals[0]!,
    params,
    format: format as OutputFormat,
    ...(values.region !== undefined ? { region: values.region } : {}),
    timeoutSeconds: integerOption(values.timeout, 'timeout', 600, 1, 86_400),
    maxRows: integerOption(values['max-rows'], 'max-rows', 10_000, 1, 1_000_000),
    local: values.local ?? false,
    lake: values.lake ?? DEFAULT_LOCAL_LAKE,
  };
}

/** A parameter's value, checked, as Athena's ExecutionParameters want it (a SQL literal) and as DuckDB binds it. */
export interface BoundParameter {
  readonly name: string;
  readonly literal: string;
  readonly value: string | number;
}

export interface ResolvedQuery {
  readonly label: string;
  readonly sql: string;
  readonly parameters: readonly BoundParameter[];
}

type ParameterSpec = Pick<QueryParameterSpec, 'name' | 'type' | 'description' | 'pattern'> & { readonly example?: string };

function bind(spec: ParameterSpec, value: string): BoundParameter {
  const integer = spec.type === 'integer';
  if (integer ? !/^-?\d{1,15}$/.test(value) : spec.pattern !== undefined && !spec.pattern.test(value)) {
    throw new UsageError(`--param ${spec.name}="${value}" is not a valid ${spec.description}`);
  }
  return integer ? { name: spec.name, literal: value, value: Number(value) } : { name: spec.name, literal: `'${value.replace(/'/g, "''")}'`, value };
}

/** How many `?` placeholders the SQL holds, outside string literals, quoted names and comments. */
export function placeholderCount(sql: string): number {
  return sql.replace(/'(?:[^']|'')*'|"(?:[^"]|"")*"|--[^\n]*|\/\*[\s\S]*?\*\//g, '').split('?').length - 1;
}

/** The saved query or SQL file `target` names, its parameters bound from `params`; throws UsageError. */
export function resolveQuery(
  target: string,
  params: ReadonlyMap<string, string>,
  database: string,
  readFile: (file: string) => string = (f) => fs.readFileSync(f, 'utf8'),
): ResolvedQuery {
  let specs: readonly ParameterSpec[];
  let query: Pick<NamedQuerySpec, 'name' | 'sql'>;
  if (target.endsWith('.sql')) {
    let sql: string;
    try {
      sql = readFile(target).trim().replace(/;\s*$/, '');
    } catch (e) {
      throw new UsageError(`cannot read "${target}": ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
    if (sql === '') throw new UsageError(`"${target}" holds no SQL`);
    query = { name: target, sql };
    specs = Array.from({ length: placeholderCount(sql) }, (_, i) => ({
      name: String(i + 1),
      type: 'string' as const,
      description: `value for placeholder ${i + 1}`,
    }));
  } else {
    const all = namedQueries(database);
    const found = all.find((q) => q.id === target);
    if (!found) throw new UsageError(`unknown query "${target}": allowed are ${all.map((q) => q.id).join(', ')}, or a path to a .sql file`);
    query = found;
    specs = found.parameters ?? [];
  }
  const known = new Set(specs.map((s) => s.name));
  const unknown = [...params.keys()].filter((k) => !known.has(k));
  if (unknown.length > 0)
    throw new UsageError(`--param ${unknown[0]}: ${query.name} takes ${specs.length === 0 ? 'no parameters' : `only ${specs.map((s) => s.name).join(', ')}`}`);
  const missing = specs.filter((s) => !params.has(s.name));
  if (missing.length > 0)
    throw new UsageError(
      `${query.name} needs ${missing.map((s) => `--param ${s.name}=<${s.description}>${s.example !== undefined ? ` (e.g. ${s.example})` : ''}`).join(', ')}`,
    );
  const parameters = specs.map((s) => {
    const value = params.get(s.name)!;
    return target.endsWith('.sql') && /^-?\d{1,15}$/.test(value) ? bind({ ...s, type: 'integer' }, value) : bind(s, value);
  });
  return { label: query.name, sql: query.sql, parameters };
}

/** A problem the user fixes outside the command line (credentials, a deployment, a local run): exit 3. */
export class MissingPrerequisite extends Error {}

export interface QueryIo {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
  /** Whether stderr is a terminal (progress redraws one line). @default false */
  readonly progressTty?: boolean;
  /** The Athena client for a region. @default a new AthenaClient */
  readonly athena?: (region: string) => AthenaClient;
  readonly clock?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
}

const LOCAL_TABLES: readonly TableId[] = Object.keys(TABLES) as TableId[];

async function runLocally(options: QueryOptions, query: ResolvedQuery, database: string, io: QueryIo): Promise<void> {
  if (!fs.existsSync(options.lake)) throw new MissingPrerequisite(`no local lake at ${options.lake}: run \`npm run local\` first, or pass --lake <dir>`);
  const { AthenaStandin } = await import('../local/standins/athena');
  const standin = await AthenaStandin.open(options.lake, database, LOCAL_TABLES);
  try {
    io.err(`running ${query.label} on DuckDB over ${options.lake}\n`);
    let result;
    try {
      result = await standin.select(
        query.sql,
        query.parameters.map((p) => p.value),
      );
    } catch (e) {
      throw new AthenaQueryError('failed', 'local', 'FAILED', (e as Error).message.split('\n')[0]!, 0);
    }
    const rows = result.rows.slice(0, options.maxRows).map((r) => result.columns.map((c) => r[c]));
    io.out(formatResult({ columns: result.columns.map((name) => ({ name })), rows }, options.format));
    io.err(
      `${rows.length} row${rows.length === 1 ? '' : 's'}${result.rows.length > rows.length ? ` of ${result.rows.length} (raise --max-rows)` : ''}; DuckDB, no bytes-scanned billing\n`,
    );
  } finally {
    standin.close();
  }
}

function progressPrinter(io: QueryIo): { update: (p: QueryProgress) => void; end: () => void } {
  let lastState: string | undefined;
  return {
    update: (p) => {
      const text = `query ${p.queryId}: ${p.state} ${(p.elapsedMs / 1000).toFixed(1)} s, ${formatBytes(p.bytesScanned)} scanned`;
      if (io.progressTty) io.err(`\r\x1b[2K${text}`);
      else if (p.state !== lastState) io.err(`${text}\n`);
      lastState = p.state;
    },
    end: () => {
      if (io.progressTty && lastState !== undefined) io.err('\n');
    },
  };
}

async function runInAthena(options: QueryOptions, query: ResolvedQuery, naming: PlatformNaming, region: string, io: QueryIo): Promise<void> {
  const workgroup = naming.regional('analytics', region);
  const client = io.athena
    ? io.athena(region)
    : new AthenaClient({ region, ...clientConfig({ connectionTimeoutMs: 5_000, requestTimeoutMs: 30_000, maxAttempts: 3 }) });
  const clock = io.clock ?? Date.now;
  const deadline = Deadline.at(clock() + options.timeoutSeconds * 1000, clock);
  let cutoff: number | undefined;
  try {
    const wg = await client.send(new GetWorkGroupCommand({ WorkGroup: workgroup }), deadline.sendOptions());
    if (wg.WorkGroup?.State === 'DISABLED') throw new MissingPrerequisite(`workgroup ${workgroup} in ${region} is disabled`);
    cutoff = wg.WorkGroup?.Configuration?.BytesScannedCutoffPerQuery;
  } catch (e) {
    const error = e as Error;
    if (error instanceof MissingPrerequisite) throw error;
    if (error.name === 'CredentialsProviderError') throw new MissingPrerequisite(`no AWS credentials for ${region}: ${error.message.split('\n')[0]}`);
    if (error.name === 'InvalidRequestException' && /not found|does not exist/i.test(error.message)) {
      throw new MissingPrerequisite(`no Athena workgroup ${workgroup} in ${region}: deploy the platform there, or pass --region`);
    }
    throw error;
  }
  io.err(`running ${query.label} in workgroup ${workgroup} (${region})${cutoff ? `, cutoff ${formatBytes(cutoff)} scanned per query` : ''}\n`);
  const progress = progressPrinter(io);
  try {
    const result = await runAthenaQuery(
      client,
      { sql: query.sql, workgroup, database: naming.lakeDatabase(), executionParameters: query.parameters.map((p) => p.literal) },
      {
        deadline,
        onProgress: progress.update,
        maxRows: options.maxRows,
        ...(cutoff ? { bytesScannedCutoff: cutoff } : {}),
        clock,
        ...(io.sleep ? { sleep: io.sleep } : {}),
      },
    );
    progress.end();
    io.out(formatResult(result, options.format));
    io.err(`${costLine(result.rows.length, result.truncated, result.bytesScanned, result.engineMs)} (query ${result.queryId})\n`);
  } catch (e) {
    progress.end();
    throw e;
  } finally {
    deadline.dispose();
  }
}

/** The command; returns its exit code. */
export async function main(argv: readonly string[], io: QueryIo): Promise<number> {
  const fail = (code: number, message: string) => {
    io.err(`query: ${message}\n`);
    return code;
  };
  try {
    const parsed = parseQueryArgs(argv);
    if ('help' in parsed) {
      io.out(`${USAGE}\n`);
      return 0;
    }
    const config = loadConfig(io.env);
    const naming = new PlatformNaming(config);
    const query = resolveQuery(parsed.target, parsed.params, naming.lakeDatabase());
    if (parsed.local) await runLocally(parsed, query, naming.lakeDatabase(), io);
    else {
      const region = parsed.region ?? (io.env.AWS_REGION || config.primaryRegion);
      try {
        regionShortCode(region);
      } catch {
        throw new UsageError(`--region "${region}" is not a region name such as us-east-1`);
      }
      await runInAthena(parsed, query, naming, region, io);
    }
    return 0;
  } catch (e) {
    if (e instanceof UsageError) return fail(2, `${e.message} (see --help)`);
    if (e instanceof ConfigValidationError) return fail(2, `configuration: ${e.problems.map(formatProblem).join('; ')}`);
    if (e instanceof MissingPrerequisite) return fail(3, e.message);
    if (e instanceof AthenaQueryError) return fail(1, e.message);
    return fail(1, `${(e as Error).name}: ${(e as Error).message.split('\n')[0]}`);
  }
}

if (require.main === module) {
  // --help and bad flags the usual way (cli-args); everything else through main.
  commandLineOrExit('query', USAGE, () => parseQueryArgs(process.argv.slice(2)));
  main(process.argv.slice(2), {
    env: process.env,
    out: (t) => process.stdout.write(t),
    err: (t) => process.stderr.write(t),
    progressTty: process.stderr.isTTY === true,
  }).then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      // main turns every failure into an exit code; this is a fault in main itself.
      process.stderr.write(`query: ${(e as Error)?.stack ?? String(e)}\n`);
      process.exitCode = 1;
    },
  );
}
