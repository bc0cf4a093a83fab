/**
 * The one place where the local warehouse stand-in (PostgreSQL, as PGlite) and Redshift's SQL
 * differ. Everything here is pure and unit-tested (__tests__/local/redshift-dialect.test.ts).
 *
 * What is translated, and why it is safe to:
 * - table attributes DISTSTYLE / DISTKEY / [COMPOUND|INTERLEAVED] SORTKEY / BACKUP and column
 *   ENCODE: physical layout only; they change no query result;
 * - PRIMARY KEY table constraints are dropped unless the caller asks to keep them: Redshift does
 *   not enforce them (they are planner hints), so by default the stand-in does not either;
 * - GETDATE() exists in the stand-in as a SQL function (COMPAT_FUNCTIONS), not by rewriting text;
 * - Data API named parameters `:name` become PostgreSQL `$n` bind parameters; values still never
 *   enter SQL text;
 * - CREATE USER ... PASSWORD DISABLE (a user who signs in only with IAM temporary credentials)
 *   loses the clause: PostgreSQL has no such option, and its plain CREATE USER keeps the user
 *   listed in pg_user, as Redshift lists it. In CREATE USER and CREATE PROCEDURE statements
 *   only, and there also inside quoted text: the platform runs CREATE USER as dynamic SQL in a
 *   procedure body. PGlite has no authentication, so nothing is weakened by it;
 * - COPY ... FORMAT AS PARQUET is not PostgreSQL: it is parsed here and executed by the stand-in
 *   (read the object or manifest from the local S3, insert the rows by position with bind
 *   parameters), see redshift-on-postgres.ts.
 */

export class DialectError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DialectError';
  }
}

/** Functions Redshift has and PostgreSQL lacks, created once in the stand-in database. */
export const COMPAT_FUNCTIONS: readonly string[] = [
  // Redshift GETDATE(): the current UTC timestamp without time zone, at second precision.
  `CREATE OR REPLACE FUNCTION getdate() RETURNS timestamp LANGUAGE sql STABLE AS $$ SELECT date_trunc('second', now() AT TIME ZONE 'UTC') $$`,
];

interface Token {
  readonly kind: 'code' | 'quoted';
  readonly text: string;
}

/** Splits SQL into quoted parts ('...', "...", comments, $$...$$) and code, so rewrites only touch code. */
export function tokenize(sql: string): Token[] {
  const tokens: Token[] = [];
  let code = '';
  let i = 0;
  const flush = () => {
    if (code) tokens.push({ kind: 'code', text: code });
    code = '';
  };
  while (i < sql.length) {
    const c = sql[i]!;
    const two = sql.slice(i, i + 2);
    let end = -1;
    if (c === "'" || c === '"') {
      end = i + 1;
      for (;;) {
        const next = sql.indexOf(c, end);
        if (next < 0) throw new DialectError(`unterminated ${c === "'" ? 'string literal' : 'quoted identifier'} starting at offset ${i}`);
        if (sql[next + 1] === c) {
          end = next + 2;
          continue;
        }
        end = next + 1;
        break;
      }
    } else if (two === '--') {
      const nl = sql.indexOf('\n', i);
      end = nl < 0 ? sql.length : nl;
    } else if (two === '/*') {
      const close = sql.indexOf('*/', i + 2);
      if (close < 0) throw new DialectError(`unterminated comment starting at offset ${i}`);
      end = close + 2;
    } else if (two === '$$') {
      const close = sql.indexOf('$$', i + 2);
      if (close < 0) throw new DialectError(`unterminated $$ quote starting at offset ${i}`);
      end = close + 2;
    }
    if (end > 0) {
      flush();
      tokens.push({ kind: 'quoted', text: sql.slice(i, end) });
      i = end;
    } else {
      code += c;
      i++;
    }
  }
  flush();
  return tokens;
}

/**
 * Applies `fn` to the SQL with every quoted part replaced by a placeholder (\u0001<n>\u0001), so
 * patterns can span quoted identifiers (PLACEHOLDER matches one) but never match inside a literal.
 */
function mapCode(sql: string, fn: (code: string) => string): string {
  const quoted: string[] = [];
  const code = tokenize(sql)
    .map((t) => (t.kind === 'code' ? t.text : `\u0001${quoted.push(t.text) - 1}\u0001`))
    .join('');
  // \u0001 cannot occur in SQL text: it marks where each quoted token goes back.
  // eslint-disable-next-line no-control-regex
  return fn(code).replace(/\u0001(\d+)\u0001/g, (_m, i: string) => quoted[Number(i)]!);
}

const PLACEHOLDER = '\\u0001\\d+\\u0001';

export interface SqlParameter {
  readonly name: string;
  readonly value: string;
}

/**
 * Replaces Data API named parameters (`:name`, not `::type` casts) with `$1..$n`. Like the Data
 * API, a parameter used but not supplied is an error; values are passed as text and PostgreSQL
 * casts them from context, as Redshift does.
 */
export function bindNamedParameters(sql: string, parameters: readonly SqlParameter[] = []): { text: string; values: string[] } {
  const supplied = new Map<string, string>();
  for (const p of parameters) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(p.name))
      throw new DialectError(`parameter name ${JSON.stringify(p.name)} is invalid: allowed letters, digits and _, not starting with a digit`);
    if (supplied.has(p.name)) throw new DialectError(`parameter ${p.name} is supplied twice`);
    supplied.set(p.name, p.value);
  }
  const order: string[] = [];
  const text = mapCode(sql, (code) =>
    code.replace(/(::?)([A-Za-z_][A-Za-z0-9_]*)/g, (match, colons: string, name: string, offset: number, whole: string) => {
      if (colons === '::' || whole[offset - 1] === ':') return match;
      if (!supplied.has(name))
        throw new DialectError(`SQL refers to parameter :${name}, which is not among the supplied parameters (${[...supplied.keys()].join(', ') || 'none'})`);
      let index = order.indexOf(name);
      if (index < 0) index = order.push(name) - 1;
      return `$${index + 1}`;
    }),
  );
  return { text, values: order.map((n) => supplied.get(n)!) };
}

/** Names of the `:name` parameters a statement refers to (outside literals, identifiers and comments). */
export function referencedParameters(sql: string): Set<string> {
  const names = new Set<string>();
  mapCode(sql, (code) => {
    for (const m of code.matchAll(/(?<!:):([A-Za-z_][A-Za-z0-9_]*)/g)) names.add(m[1]!);
    return code;
  });
  return names;
}

const IDENT = `(?:${PLACEHOLDER}|[A-Za-z_][A-Za-z0-9_$]*)`;
const CREATE_TABLE = /^\s*CREATE\s+(?:(?:LOCAL\s+)?(?:TEMP|TEMPORARY)\s+)?TABLE\b/i;

export interface DdlOptions {
  /**
   * Keep PRIMARY KEY constraints, so PostgreSQL enforces them (a duplicate fails the statement
   * that makes it). Redshift only records them as planner hints.
   * @default false
   */
  readonly keepPrimaryKeys?: boolean;
}

/** Strips Redshift-only physical-layout clauses, and the PRIMARY KEY constraints Redshift does not enforce, from CREATE TABLE. */
export function translateDdl(sql: string, options: DdlOptions = {}): string {
  if (!CREATE_TABLE.test(sql)) return sql;
  const primaryKey = new RegExp(`,\\s*PRIMARY\\s+KEY\\s*\\(\\s*${IDENT}(?:\\s*,\\s*${IDENT})*\\s*\\)`, 'gi');
  return mapCode(sql, (code) => {
    const layoutFree = code
      .replace(new RegExp(`\\s+DISTSTYLE\\s+(?:EVEN|KEY|ALL|AUTO)\\b`, 'gi'), '')
      .replace(new RegExp(`\\s+DISTKEY\\s*\\(\\s*${IDENT}\\s*\\)`, 'gi'), '')
      .replace(new RegExp(`\\s+(?:COMPOUND\\s+|INTERLEAVED\\s+)?SORTKEY\\s*\\(\\s*${IDENT}(?:\\s*,\\s*${IDENT})*\\s*\\)`, 'gi'), '')
      .replace(/\s+SORTKEY\s+AUTO\b/gi, '')
      .replace(/\s+BACKUP\s+(?:YES|NO)\b/gi, '')
      .replace(/\s+ENCODE\s+[A-Za-z0-9_]+/gi, '')
      .replace(/\s+(?:DISTKEY|SORTKEY)\b(?=\s*[,)])/gi, '');
    return options.keepPrimaryKeys ? layoutFree : layoutFree.replace(primaryKey, '');
  });
}

/** Drops Redshift's PASSWORD DISABLE from CREATE USER, also where a procedure builds the statement as text. */
export function translateUsers(sql: string): string {
  if (!/^\s*CREATE\s+(?:USER|(?:OR\s+REPLACE\s+)?PROCEDURE)\b/i.test(sql)) return sql;
  return sql.replace(/\s+PASSWORD\s+DISABLE\b/gi, '');
}

export interface CopyCommand {
  /** Target table as written (quoted identifiers kept). */
  readonly table: string;
  readonly bucket: string;
  readonly key: string;
  readonly manifest: boolean;
}

/** Parses the COPY forms the platform issues: `COPY <table> FROM 's3://b/k' IAM_ROLE ... FORMAT AS PARQUET [MANIFEST]`. */
export function parseCopy(sql: string): CopyCommand | undefined {
  if (!/^\s*COPY\b/i.test(sql)) return undefined;
  const head = new RegExp(
    `^\\s*COPY\\s+((?:"(?:[^"]|"")+"|[A-Za-z_][A-Za-z0-9_$]*)(?:\\.(?:"(?:[^"]|"")+"|[A-Za-z_][A-Za-z0-9_$]*))?)\\s+FROM\\s+'s3://([^/']+)/([^']+)'\\s*(.*?)\\s*;?\\s*$`,
    'is',
  ).exec(sql);
  if (!head) throw new DialectError("the stand-in understands COPY <table> FROM 's3://bucket/key' ... only");
  const options = head[4]!;
  const rest = options
    .replace(/\bIAM_ROLE\s+(?:default|'[^']*')/i, '')
    .replace(/\bFORMAT\s+(?:AS\s+)?PARQUET\b/i, '')
    .replace(/\bMANIFEST\b/i, '')
    .trim();
  if (!/\bFORMAT\s+(?:AS\s+)?PARQUET\b/i.test(options)) throw new DialectError('the stand-in runs COPY ... FORMAT AS PARQUET only (the format the lake holds)');
  if (rest !== '') throw new DialectError(`COPY option(s) not supported by the stand-in: ${rest}`);
  return { table: head[1]!, bucket: head[2]!, key: head[3]!, manifest: /\bMANIFEST\b/i.test(options) };
}

export interface ManifestEntry {
  readonly bucket: string;
  readonly key: string;
  readonly mandatory: boolean;
}

export interface ColumnarManifestEntry extends ManifestEntry {
  /** `meta.content_length`: the object's size in bytes, which COPY checks against the object. */
  readonly contentLength: number;
}

/**
 * The entries of a COPY manifest ({"entries":[{"url":"s3://...","mandatory":true}]}). For a
 * columnar format (Parquet, ORC) Redshift also requires each entry's `meta.content_length`.
 */
export function parseManifest(text: string): ManifestEntry[];
export function parseManifest(text: string, format: { readonly columnar: true }): ColumnarManifestEntry[];
export function parseManifest(text: string, format: { readonly columnar?: boolean } = {}): ManifestEntry[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new DialectError(`COPY manifest is not JSON: ${(e as Error).message}`);
  }
  const entries = (parsed as { entries?: unknown })?.entries;
  if (!Array.isArray(entries)) throw new DialectError('COPY manifest has no "entries" array');
  return entries.map((entry, i) => {
    const url = (entry as { url?: unknown })?.url;
    const m = typeof url === 'string' ? /^s3:\/\/([^/]+)\/(.+)$/.exec(url) : null;
    if (!m) throw new DialectError(`COPY manifest entries[${i}].url ${JSON.stringify(url)} is not an s3://bucket/key URL`);
    const parsedEntry = { bucket: m[1]!, key: m[2]!, mandatory: (entry as { mandatory?: unknown }).mandatory === true };
    if (!format.columnar) return parsedEntry;
    const contentLength = (entry as { meta?: { content_length?: unknown } }).meta?.content_length;
    if (typeof contentLength !== 'number' || !Number.isInteger(contentLength) || contentLength < 0) {
      throw new DialectError(
        `COPY manifest entries[${i}].meta.content_length ${JSON.stringify(contentLength)} is invalid: a columnar format needs the object size in bytes (an integer >= 0)`,
      );
    }
    return { ...parsedEntry, contentLength };
  });
}

/** Splits a statement's leading keyword for status reporting (SELECT, INSERT, COPY...). */
export function statementKind(sql: string): string {
  return /^\s*([A-Za-z]+)/.exec(sql)?.[1]?.toUpperCase() ?? '';
}
