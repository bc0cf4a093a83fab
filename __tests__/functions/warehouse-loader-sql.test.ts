import * as fc from 'fast-check';
import { redshiftColumns } from '../../functions/shared/contract';
import {
  alreadyLoadedQuery,
  copyManifest,
  LOAD_BATCH_INSERT_INDEX,
  loadBatch,
  LOADER_DB_USER,
  LOADER_GRANTS,
  type LoadRequest,
  manifestUriLiteral,
  quoteIdentifier,
  schemaStatements,
  WAREHOUSE_TABLES,
} from '../../functions/warehouse-loader/sql';

const REQUEST: LoadRequest = {
  table: 'curated',
  objectKey: 'curated/dt=2024-03-20/hour=10/part-0001.parquet',
  etag: '9b2cf535f27731c974343645a3985328',
  objectBytes: 12345,
  manifestBucket: 'daml-analytics-loader-manifests-123456789012-use1',
  manifestKey: `events/${'a'.repeat(64)}.manifest`,
};

/** Text outside single-quoted literals, so checks on identifiers are not fooled by the manifest URI. */
function outsideLiterals(sql: string): string {
  return sql.replace(/'[^']*'/g, "''");
}

describe('schema statements', () => {
  const statements = schemaStatements();
  const byName = Object.fromEntries(statements.map((s) => [s.name, s.sql]));

  it('creates the schema first, then the events, predictions and load-audit tables, each only if missing', () => {
    expect(statements.slice(0, 4).map((s) => s.name)).toEqual(['schema', 'table-events', 'table-predictions', 'table-load_audit']);
    for (const s of statements.slice(0, 4)) expect(s.sql).toMatch(/^CREATE (SCHEMA|TABLE) IF NOT EXISTS /);
  });

  it('lists every statement after the statements it must run after', () => {
    const seen = new Set<string>();
    for (const s of statements) {
      for (const dependency of s.after) expect(seen.has(dependency)).toBe(true);
      seen.add(s.name);
    }
    expect(statements.find((s) => s.name === 'table-events')!.after).toEqual(['schema']);
    expect(statements.find((s) => s.name === `grant-${LOADER_DB_USER}-events`)!.after).toEqual([`user-${LOADER_DB_USER}`, 'table-events']);
  });

  it('creates the loader user without a password, only if missing, through a re-runnable procedure', () => {
    const procedure = byName['procedure-ensure_user']!;
    expect(procedure).toMatch(/^CREATE OR REPLACE PROCEDURE "clickstream"."ensure_user"\(user_name VARCHAR\(128\)\) AS \$\$/);
    expect(procedure).toContain('IF NOT EXISTS (SELECT 1 FROM pg_user WHERE usename = user_name) THEN');
    expect(procedure).toContain("EXECUTE 'CREATE USER ' || quote_ident(user_name) || ' PASSWORD DISABLE';");
    expect(byName[`user-${LOADER_DB_USER}`]).toBe(`CALL "clickstream"."ensure_user"('${LOADER_DB_USER}')`);
  });

  it('grants the loader exactly what a load runs: no CREATE, ALTER, DROP, UPDATE or TRUNCATE, and the audit table append-only', () => {
    const grants = statements.filter((s) => s.name.startsWith('grant-')).map((s) => s.sql);
    expect(grants).toEqual([
      `GRANT USAGE ON SCHEMA "clickstream" TO "${LOADER_DB_USER}"`,
      `GRANT SELECT, INSERT, DELETE ON TABLE "clickstream"."events" TO "${LOADER_DB_USER}"`,
      `GRANT SELECT, INSERT, DELETE ON TABLE "clickstream"."predictions" TO "${LOADER_DB_USER}"`,
      `GRANT SELECT, INSERT ON TABLE "clickstream"."load_audit" TO "${LOADER_DB_USER}"`,
    ]);
    // Every table the load batch writes or reads is covered by a grant.
    const written = new Set(loadBatch(REQUEST).sqls.flatMap((sql) => [...sql.matchAll(/"clickstream"\."([a-z_]+)"/g)].map((m) => m[1])));
    for (const table of written) expect(LOADER_GRANTS.map((g) => g.table)).toContain(table);
  });

  it('generates the events table from the event contract, in contract order, with DISTKEY(user_id) and the event time sort key', () => {
    const sql = byName['table-events']!;
    const expected = redshiftColumns('curated').map((c) => `"${c.name}" ${c.type}${c.nullable ? '' : ' NOT NULL'}`);
    const declared = sql
      .split('\n')
      .slice(1, -1)
      .map((line) => line.trim().replace(/,$/, ''));
    expect(declared).toEqual([...expected, 'PRIMARY KEY ("event_id")']);
    expect(sql).toMatch(/DISTSTYLE KEY DISTKEY \("user_id"\) COMPOUND SORTKEY \("event_time"\)$/);
  });

  it('generates the predictions table from the contract, sorted by prediction time', () => {
    const sql = byName['table-predictions']!;
    for (const c of redshiftColumns('predictions')) expect(sql).toContain(`"${c.name}" ${c.type}`);
    expect(sql).toMatch(/DISTKEY \("user_id"\) COMPOUND SORTKEY \("predicted_at"\)$/);
  });

  it('keys the load-audit table by object key and ETag', () => {
    expect(byName['table-load_audit']).toContain('PRIMARY KEY ("object_key", "etag")');
  });

  it('quotes every identifier (the procedure, fixed PL/pgSQL text, is asserted above)', () => {
    for (const { sql } of statements.filter((s) => !s.name.startsWith('procedure-'))) {
      const bare = outsideLiterals(sql)
        .replace(/"[a-z0-9_$]+"/g, '')
        .match(/\b[a-z_][a-z0-9_]*\b/g);
      expect(bare ?? []).toEqual([]);
    }
  });
});

describe('load batch', () => {
  const batch = loadBatch(REQUEST);

  it('copies through the manifest into a staging table, merges on event_id and writes the audit row, in that order', () => {
    expect(batch.sqls.map((s) => s.split(' ').slice(0, 2).join(' '))).toEqual([
      'CREATE TEMP',
      'COPY "stage_events"',
      'DELETE FROM',
      'DELETE FROM',
      'INSERT INTO',
      'INSERT INTO',
    ]);
    expect(batch.sqls[1]).toBe(`COPY "stage_events" FROM 's3://${REQUEST.manifestBucket}/${REQUEST.manifestKey}' IAM_ROLE default FORMAT AS PARQUET MANIFEST`);
    expect(batch.sqls[3]).toBe('DELETE FROM "clickstream"."events" USING "stage_events" WHERE "clickstream"."events"."event_id" = "stage_events"."event_id"');
    expect(batch.sqls[LOAD_BATCH_INSERT_INDEX]).toMatch(
      /^INSERT INTO "clickstream"."events" .* ROW_NUMBER\(\) OVER \(PARTITION BY "event_id" ORDER BY "processed_at" DESC\)/,
    );
    expect(batch.sqls[5]).toMatch(/^INSERT INTO "clickstream"."load_audit" .* WHERE NOT EXISTS \(SELECT 1 FROM "clickstream"."load_audit" WHERE/);
  });

  it('stages exactly the contract columns, so Parquet columns map by position', () => {
    const columns = redshiftColumns('curated').map((c) => `"${c.name}" ${c.type}${c.nullable ? '' : ' NOT NULL'}`);
    expect(batch.sqls[0]).toBe(`CREATE TEMP TABLE "stage_events" (${columns.join(', ')})`);
  });

  it('passes key, ETag, table and size as Data API parameters, each referenced, and never writes them into SQL', () => {
    expect(batch.parameters).toEqual([
      { name: 'object_key', value: REQUEST.objectKey },
      { name: 'etag', value: REQUEST.etag },
      { name: 'target_table', value: 'clickstream.events' },
      { name: 'object_bytes', value: '12345' },
    ]);
    const text = batch.sqls.join('\n');
    for (const p of batch.parameters) expect(text).toContain(`:${p.name} AS`);
    expect(text).not.toContain(REQUEST.objectKey);
    expect(text).not.toContain(REQUEST.etag);
  });

  it('runs within the Data API batch limits (at most 40 statements, each under 100 KB)', () => {
    expect(batch.sqls.length).toBeLessThanOrEqual(40);
    for (const sql of batch.sqls) expect(Buffer.byteLength(sql)).toBeLessThan(100 * 1024);
  });

  it('targets the predictions table and its recency column for prediction objects', () => {
    const predictions = loadBatch({ ...REQUEST, table: 'predictions', manifestKey: `predictions/${'b'.repeat(64)}.manifest` });
    expect(predictions.sqls[3]).toContain('DELETE FROM "clickstream"."predictions" USING "stage_predictions"');
    expect(predictions.sqls[LOAD_BATCH_INSERT_INDEX]).toContain('ORDER BY "predicted_at" DESC');
    expect(predictions.parameters.find((p) => p.name === 'target_table')?.value).toBe('clickstream.predictions');
  });

  it('never lets an object key, however hostile, into the SQL text', () => {
    fc.assert(
      fc.property(
        fc.string({ minLength: 1, maxLength: 200 }),
        fc.stringMatching(/^[0-9a-f]{32}$/),
        fc.integer({ min: 1, max: 2 ** 40 }),
        (name, etag, bytes) => {
          const objectKey = `curated/dt=2024-03-20/hour=10/${name}.parquet`;
          const { sqls, parameters } = loadBatch({ ...REQUEST, objectKey, etag, objectBytes: bytes });
          // The only quote characters are those around the manifest URI literal.
          expect(sqls.join('\n').split("'").length - 1).toBe(2);
          expect(parameters.find((p) => p.name === 'object_key')?.value).toBe(objectKey);
        },
      ),
    );
  });
});

describe('identifier and literal guards', () => {
  it('quotes plain identifiers', () => {
    expect(quoteIdentifier('event_id')).toBe('"event_id"');
  });

  it.each(['Event', 'a"b', 'drop table x', '', '1abc', 'x'.repeat(128)])('refuses %j as an identifier', (name) => {
    expect(() => quoteIdentifier(name)).toThrow(/invalid SQL identifier .*allowed are lowercase letters/);
  });

  it.each([
    ['bucket with a quote', "lake'--", `events/${'a'.repeat(64)}.manifest`, /invalid manifest bucket/],
    ['key that is not a digest', 'lake-bucket', "events/x'; DROP TABLE y; --.manifest", /invalid manifest key/],
    ['key with a path', 'lake-bucket', `../events/${'a'.repeat(64)}.manifest`, /invalid manifest key/],
  ])('refuses a manifest URI with a %s', (_, bucket, key, message) => {
    expect(() => manifestUriLiteral(bucket, key)).toThrow(message);
  });

  it('looks up an object in the audit table by parameters only', () => {
    const query = alreadyLoadedQuery(REQUEST.objectKey, REQUEST.etag);
    expect(query.sql).toBe(
      'SELECT 1 FROM "clickstream"."load_audit" WHERE "object_key" = CAST(:object_key AS VARCHAR(1024)) AND "etag" = CAST(:etag AS VARCHAR(128)) LIMIT 1',
    );
    expect(query.parameters).toEqual([
      { name: 'object_key', value: REQUEST.objectKey },
      { name: 'etag', value: REQUEST.etag },
    ]);
  });

  it('writes a COPY manifest naming the one object with its size', () => {
    expect(JSON.parse(copyManifest('lake', 'curated/a b.parquet', 42))).toEqual({
      entries: [{ url: 's3://lake/curated/a b.parquet', mandatory: true, meta: { content_length: 42 } }],
    });
  });

  it('merges every loadable table on event_id', () => {
    expect(Object.values(WAREHOUSE_TABLES).map((t) => t.mergeKey)).toEqual(['event_id', 'event_id']);
  });
});
