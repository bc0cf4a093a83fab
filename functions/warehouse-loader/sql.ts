/**
 * Every SQL statement the warehouse runs, generated from the event contract (pure, no AWS calls).
 *
 * Two rules keep this injection-proof without relying on anyone's care:
 * - identifiers are always double-quoted by `quoteIdentifier`, and only ever come from the
 *   contract or from the constants below, never from an S3 event or a record;
 * - values that come from an S3 event (object key, ETag, size) travel as Data API `Parameters`
 *   (`:object_key`, ...). The only literal is the manifest URI in COPY (COPY takes no bind
 *   parameters); it is built from the configured bucket name and a hex digest, both checked
 *   here, so no byte of an object key ever reaches SQL text.
 */
import { redshiftColumns, TABLES, type TableId } from '../shared/contract';

/** Schema holding the warehouse tables. */
export const WAREHOUSE_SCHEMA = 'clickstream';
/** Table recording every object loaded (one row per object key + ETag). */
export const LOAD_AUDIT_TABLE = 'load_audit';

/** Lake tables the loader copies into the warehouse. */
export type LoadableTable = Extract<TableId, 'curated' | 'predictions'>;

export interface WarehouseTableSpec {
  readonly tableId: LoadableTable;
  /** Redshift table name (the same as the Glue table). */
  readonly name: string;
  /** Column rows are merged on: a re-loaded row replaces the earlier copy. */
  readonly mergeKey: string;
  /** Distribution key: events and predictions of one user land on one slice, so joins on user stay local. */
  readonly distKey: string;
  /** Sort key: the time column range-restricted queries filter on. */
  readonly sortKey: string;
  /** When two rows of one load share the merge key, the one with the latest value here wins. */
  readonly latestBy: string;
}

export const WAREHOUSE_TABLES: Readonly<Record<LoadableTable, WarehouseTableSpec>> = {
  curated: { tableId: 'curated', name: TABLES.curated.name, mergeKey: 'event_id', distKey: 'user_id', sortKey: 'event_time', latestBy: 'processed_at' },
  predictions: {
    tableId: 'predictions',
    name: TABLES.predictions.name,
    mergeKey: 'event_id',
    distKey: 'user_id',
    sortKey: 'predicted_at',
    latestBy: 'predicted_at',
  },
};

/** Load-audit columns. Fixed here (not part of the lake contract: the table exists only in Redshift). */
export const LOAD_AUDIT_COLUMNS: readonly { name: string; type: string; nullable: boolean }[] = [
  { name: 'object_key', type: 'VARCHAR(1024)', nullable: false },
  { name: 'etag', type: 'VARCHAR(128)', nullable: false },
  { name: 'target_table', type: 'VARCHAR(128)', nullable: false },
  { name: 'rows_loaded', type: 'BIGINT', nullable: false },
  { name: 'object_bytes', type: 'BIGINT', nullable: false },
  { name: 'loaded_at', type: 'TIMESTAMP', nullable: false },
];

const IDENTIFIER = /^[a-z_][a-z0-9_$]{0,126}$/;

/**
 * Double-quotes an identifier. Identifiers come from code, so anything outside Redshift's plain
 * lowercase identifier shape is a programming error and throws rather than being escaped.
 */
export function quoteIdentifier(name: string): string {
  if (!IDENTIFIER.test(name)) {
    throw new Error(
      `invalid SQL identifier ${JSON.stringify(name)}: allowed are lowercase letters, digits, _ and $, starting with a letter or _, at most 127 characters`,
    );
  }
  return `"${name}"`;
}

export function qualified(schema: string, table: string): string {
  return `${quoteIdentifier(schema)}.${quoteIdentifier(table)}`;
}

// S3 bucket naming rules (lowercase letters, digits, dots, hyphens) and the manifest key shape.
const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const MANIFEST_KEY = /^[a-z0-9_-]+\/[0-9a-f]{64}\.manifest$/;

/**
 * `s3://bucket/key` of a loader manifest as a SQL string literal. Both parts are checked against
 * patterns that exclude quotes and backslashes, so the literal needs no escaping to be safe.
 */
export function manifestUriLiteral(bucket: string, manifestKey: string): string {
  if (!BUCKET_NAME.test(bucket))
    throw new Error(`invalid manifest bucket ${JSON.stringify(bucket)}: allowed is an S3 bucket name (lowercase letters, digits, . and -)`);
  if (!MANIFEST_KEY.test(manifestKey)) throw new Error(`invalid manifest key ${JSON.stringify(manifestKey)}: allowed is <table>/<64 hex digits>.manifest`);
  return `'s3://${bucket}/${manifestKey}'`;
}

function columnDefinition(c: { name: string; type: string; nullable: boolean }): string {
  return `${quoteIdentifier(c.name)} ${c.type}${c.nullable ? '' : ' NOT NULL'}`;
}

function columnsOf(table: LoadableTable) {
  return redshiftColumns(table);
}

// ---------------------------------------------------------------------------
// Schema (applied at deploy time; every statement is safe to re-run)
// ---------------------------------------------------------------------------

export interface SchemaStatement {
  /** Stable name, used for the Terraform resource id and the Data API statement name. */
  readonly name: string;
  readonly sql: string;
  /** Names of the statements that must have run first. */
  readonly after: readonly string[];
}

/**
 * Database user the warehouse loader runs as. It signs in with IAM temporary credentials (the
 * Data API's DbUser, through redshift:GetClusterCredentials on this user only), has no password,
 * and holds only the privileges its load transaction uses: it cannot create, alter or drop
 * anything, nor read or write outside the warehouse schema.
 */
export const LOADER_DB_USER = 'warehouse_loader';

/** Privileges of the loader: what `loadBatch` and `alreadyLoadedQuery` run, and nothing more. */
export const LOADER_GRANTS: readonly { readonly table: string; readonly privileges: readonly ('SELECT' | 'INSERT' | 'DELETE')[] }[] = [
  // DELETE ... USING staging (the merge) reads the target's merge key, hence SELECT.
  ...Object.values(WAREHOUSE_TABLES).map((spec) => ({ table: spec.name, privileges: ['SELECT', 'INSERT', 'DELETE'] as const })),
  // The audit table is append-only for the loader: an object's record is never rewritten.
  { table: LOAD_AUDIT_TABLE, privileges: ['SELECT', 'INSERT'] as const },
];

const ENSURE_USER_PROCEDURE = 'ensure_user';

/**
 * The deploy-time statements, each safe to re-run: CREATE ... IF NOT EXISTS for the schema and
 * tables, then the loader's user and grants. One statement each (ExecuteStatement runs one).
 */
export function schemaStatements(schema: string = WAREHOUSE_SCHEMA): SchemaStatement[] {
  const tables = Object.values(WAREHOUSE_TABLES).map((spec) => ({
    name: `table-${spec.name}`,
    sql: [
      `CREATE TABLE IF NOT EXISTS ${qualified(schema, spec.name)} (`,
      [...columnsOf(spec.tableId).map(columnDefinition), `PRIMARY KEY (${quoteIdentifier(spec.mergeKey)})`].map((line) => `  ${line}`).join(',\n'),
      `) DISTSTYLE KEY DISTKEY (${quoteIdentifier(spec.distKey)}) COMPOUND SORTKEY (${quoteIdentifier(spec.sortKey)})`,
    ].join('\n'),
  }));
  const audit = {
    name: `table-${LOAD_AUDIT_TABLE}`,
    sql: [
      `CREATE TABLE IF NOT EXISTS ${qualified(schema, LOAD_AUDIT_TABLE)} (`,
      [...LOAD_AUDIT_COLUMNS.map(columnDefinition), `PRIMARY KEY (${quoteIdentifier('object_key')}, ${quoteIdentifier('etag')})`]
        .map((line) => `  ${line}`)
        .join(',\n'),
      `) DISTSTYLE ALL COMPOUND SORTKEY (${quoteIdentifier('object_key')})`,
    ].join('\n'),
  };
  const tableStatements = [...tables, audit].map((t) => ({ ...t, after: ['schema'] }));
  return [{ name: 'schema', sql: `CREATE SCHEMA IF NOT EXISTS ${quoteIdentifier(schema)}`, after: [] }, ...tableStatements, ...loaderAccessStatements(schema)];
}

/**
 * The loader's database user and its grants. Redshift has no CREATE USER IF NOT EXISTS, so a
 * small procedure creates the user only when pg_user lacks it: re-running is harmless, as for
 * the tables. GRANT is idempotent. COPY's IAM_ROLE default needs the ASSUMEROLE privilege, which
 * Redshift grants to PUBLIC unless an administrator revoked it (docs/warehouse.md).
 */
function loaderAccessStatements(schema: string): SchemaStatement[] {
  const user = quoteIdentifier(LOADER_DB_USER);
  const procedure = qualified(schema, ENSURE_USER_PROCEDURE);
  return [
    {
      name: `procedure-${ENSURE_USER_PROCEDURE}`,
      after: ['schema'],
      sql: [
        `CREATE OR REPLACE PROCEDURE ${procedure}(user_name VARCHAR(128)) AS $$`,
        'BEGIN',
        '  IF NOT EXISTS (SELECT 1 FROM pg_user WHERE usename = user_name) THEN',
        "    EXECUTE 'CREATE USER ' || quote_ident(user_name) || ' PASSWORD DISABLE';",
        '  END IF;',
        'END;',
        '$$ LANGUAGE plpgsql',
      ].join('\n'),
    },
    // The name is a checked identifier (quoteIdentifier above), so the literal needs no escaping.
    { name: `user-${LOADER_DB_USER}`, after: [`procedure-${ENSURE_USER_PROCEDURE}`], sql: `CALL ${procedure}('${LOADER_DB_USER}')` },
    { name: `grant-${LOADER_DB_USER}-schema`, after: [`user-${LOADER_DB_USER}`], sql: `GRANT USAGE ON SCHEMA ${quoteIdentifier(schema)} TO ${user}` },
    ...LOADER_GRANTS.map((g) => ({
      name: `grant-${LOADER_DB_USER}-${g.table}`,
      after: [`user-${LOADER_DB_USER}`, `table-${g.table}`],
      sql: `GRANT ${g.privileges.join(', ')} ON TABLE ${qualified(schema, g.table)} TO ${user}`,
    })),
  ];
}

// ---------------------------------------------------------------------------
// Loading one object (one transaction)
// ---------------------------------------------------------------------------

/** Data API parameters every load passes; the SQL below refers to each at least once. */
export interface LoadParameters {
  readonly object_key: string;
  readonly etag: string;
  readonly target_table: string;
  readonly object_bytes: string;
}

export interface LoadBatch {
  /** Statements for BatchExecuteStatement, run in order as one transaction. */
  readonly sqls: string[];
  readonly parameters: { name: keyof LoadParameters; value: string }[];
}

export interface LoadRequest {
  readonly table: LoadableTable;
  readonly objectKey: string;
  readonly etag: string;
  readonly objectBytes: number;
  readonly manifestBucket: string;
  readonly manifestKey: string;
  readonly schema?: string;
}

const STAGING_PREFIX = 'stage_';

/**
 * A Data API parameter reference, cast to its audit column's type: explicit types keep one
 * parameter used in several places from being inferred differently in each.
 */
function parameter(name: keyof LoadParameters): string {
  // Every load parameter is stored in the audit column of the same name.
  const column = LOAD_AUDIT_COLUMNS.find((c) => c.name === name)!;
  return `CAST(:${name} AS ${column.type})`;
}

function auditLookup(audit: string): string {
  return `SELECT 1 FROM ${audit} WHERE ${quoteIdentifier('object_key')} = ${parameter('object_key')} AND ${quoteIdentifier('etag')} = ${parameter('etag')}`;
}

/**
 * The statements that load one object exactly once in effect:
 * 1. COPY the object (through its manifest) into a session-local staging table;
 * 2. empty the staging table if the audit table already lists this key + ETag (repeated delivery);
 * 3. delete target rows whose merge key is being loaded, then insert the staged rows (one per
 *    key: the latest), so re-loading an object, or the same event in two objects, never duplicates;
 * 4. record the object in the audit table (unless already there).
 * BatchExecuteStatement runs them as one transaction: all of it commits, or none of it.
 */
export function loadBatch(request: LoadRequest): LoadBatch {
  const spec = WAREHOUSE_TABLES[request.table];
  const schema = request.schema ?? WAREHOUSE_SCHEMA;
  const target = qualified(schema, spec.name);
  const audit = qualified(schema, LOAD_AUDIT_TABLE);
  const staging = quoteIdentifier(`${STAGING_PREFIX}${spec.name}`);
  const columns = columnsOf(spec.tableId);
  const columnList = columns.map((c) => quoteIdentifier(c.name)).join(', ');
  const mergeKey = quoteIdentifier(spec.mergeKey);
  const alreadyLoaded = auditLookup(audit);

  const sqls = [
    `CREATE TEMP TABLE ${staging} (${columns.map(columnDefinition).join(', ')})`,
    `COPY ${staging} FROM ${manifestUriLiteral(request.manifestBucket, request.manifestKey)} IAM_ROLE default FORMAT AS PARQUET MANIFEST`,
    `DELETE FROM ${staging} WHERE EXISTS (${alreadyLoaded})`,
    `DELETE FROM ${target} USING ${staging} WHERE ${target}.${mergeKey} = ${staging}.${mergeKey}`,
    `INSERT INTO ${target} (${columnList}) SELECT ${columnList} FROM (SELECT *, ROW_NUMBER() OVER (PARTITION BY ${mergeKey} ORDER BY ${quoteIdentifier(spec.latestBy)} DESC) AS ${quoteIdentifier('load_rank')} FROM ${staging}) AS ${quoteIdentifier('ranked')} WHERE ${quoteIdentifier('load_rank')} = 1`,
    `INSERT INTO ${audit} (${LOAD_AUDIT_COLUMNS.map((c) => quoteIdentifier(c.name)).join(', ')}) SELECT ${parameter('object_key')}, ${parameter('etag')}, ${parameter('target_table')}, ${quoteIdentifier('staged_rows')}, ${parameter('object_bytes')}, GETDATE() FROM (SELECT COUNT(*) AS ${quoteIdentifier('staged_rows')} FROM ${staging}) AS ${quoteIdentifier('staged')} WHERE NOT EXISTS (${alreadyLoaded})`,
  ];
  const parameters: LoadParameters = {
    object_key: request.objectKey,
    etag: request.etag,
    target_table: `${schema}.${spec.name}`,
    object_bytes: String(request.objectBytes),
  };
  return { sqls, parameters: (Object.keys(parameters) as (keyof LoadParameters)[]).map((name) => ({ name, value: parameters[name] })) };
}

/** Index of the INSERT into the target table in `loadBatch().sqls` (its ResultRows is the rows merged). */
export const LOAD_BATCH_INSERT_INDEX = 4;

/** Cheap check before a load: does the audit table already list this key + ETag? */
export function alreadyLoadedQuery(
  objectKey: string,
  etag: string,
  schema: string = WAREHOUSE_SCHEMA,
): { sql: string; parameters: { name: string; value: string }[] } {
  return {
    sql: `${auditLookup(qualified(schema, LOAD_AUDIT_TABLE))} LIMIT 1`,
    parameters: [
      { name: 'object_key', value: objectKey },
      { name: 'etag', value: etag },
    ],
  };
}

/** The COPY manifest for one Parquet object (COPY needs content_length for columnar formats). */
export function copyManifest(lakeBucket: string, objectKey: string, objectBytes: number): string {
  return JSON.stringify({ entries: [{ url: `s3://${lakeBucket}/${objectKey}`, mandatory: true, meta: { content_length: objectBytes } }] });
}
