import * as fc from 'fast-check';
import { bindNamedParameters, DialectError, parseCopy, parseManifest, translateDdl, translateUsers } from '../../local/standins/redshift-dialect';
import { copyManifest, loadBatch, schemaStatements } from '../../functions/warehouse-loader/sql';

describe('translateDdl', () => {
  it('strips distribution, sort keys, encodings and the unenforced primary key, and nothing else', () => {
    const sql = `CREATE TABLE IF NOT EXISTS "s"."t" (\n  "id" VARCHAR(10) NOT NULL ENCODE zstd,\n  "at" TIMESTAMP,\n  PRIMARY KEY ("id")\n) DISTSTYLE KEY DISTKEY ("id") COMPOUND SORTKEY ("at", "id")`;
    expect(translateDdl(sql)).toBe(`CREATE TABLE IF NOT EXISTS "s"."t" (\n  "id" VARCHAR(10) NOT NULL,\n  "at" TIMESTAMP\n)`);
  });

  it('leaves text inside literals and quoted identifiers alone', () => {
    const sql = `CREATE TEMP TABLE "DISTKEY (x)" ("c" VARCHAR(5) DEFAULT 'SORTKEY (c)')`;
    expect(translateDdl(sql)).toBe(sql);
  });

  it('does not touch statements other than CREATE TABLE', () => {
    const sql = `SELECT 'DISTSTYLE ALL' AS x`;
    expect(translateDdl(sql)).toBe(sql);
  });

  it('keeps the primary key when asked to, and differs from the default by that constraint alone', () => {
    const identifier = fc.stringMatching(/^[a-z_][a-z0-9_]{0,10}$/);
    fc.assert(
      fc.property(fc.uniqueArray(identifier, { minLength: 1, maxLength: 5 }), fc.integer({ min: 1, max: 5 }), (columns, keyWidth) => {
        const key = columns
          .slice(0, keyWidth)
          .map((c) => `"${c}"`)
          .join(', ');
        const sql = `CREATE TABLE "t" (${columns.map((c) => `"${c}" VARCHAR(8)`).join(', ')}, PRIMARY KEY (${key})) DISTSTYLE ALL SORTKEY ("${columns[0]}")`;
        const kept = translateDdl(sql, { keepPrimaryKeys: true });
        expect(kept).toContain(`, PRIMARY KEY (${key}))`);
        expect(kept.replace(`, PRIMARY KEY (${key})`, '')).toBe(translateDdl(sql));
      }),
    );
  });

  it('turns every statement of the warehouse schema into PostgreSQL DDL without Redshift clauses', () => {
    for (const s of schemaStatements()) {
      const out = translateDdl(s.sql);
      expect(out).not.toMatch(/DISTSTYLE|DISTKEY|SORTKEY|PRIMARY KEY/);
      expect(out.startsWith(s.sql.slice(0, 20))).toBe(true);
    }
  });
});

describe('translateUsers', () => {
  it('drops PASSWORD DISABLE from CREATE USER, also inside a procedure body that builds the statement', () => {
    expect(translateUsers('CREATE USER "loader" PASSWORD DISABLE')).toBe('CREATE USER "loader"');
    const procedure = schemaStatements().find((s) => s.name.startsWith('procedure-'))!.sql;
    expect(translateUsers(procedure)).toContain("EXECUTE 'CREATE USER ' || quote_ident(user_name) || '';");
  });

  it('leaves every other statement alone, even one whose literal holds the words', () => {
    const insert = "INSERT INTO notes VALUES ('PASSWORD DISABLE')";
    expect(translateUsers(insert)).toBe(insert);
    expect(translateUsers('ALTER USER "loader" PASSWORD DISABLE')).toBe('ALTER USER "loader" PASSWORD DISABLE');
  });
});

describe('bindNamedParameters', () => {
  it('numbers parameters in first-use order and reuses the number of a repeated one', () => {
    expect(
      bindNamedParameters(`SELECT 1 WHERE a = :k AND b = :e OR c = :k`, [
        { name: 'k', value: 'K' },
        { name: 'e', value: 'E' },
      ]),
    ).toEqual({
      text: `SELECT 1 WHERE a = $1 AND b = $2 OR c = $1`,
      values: ['K', 'E'],
    });
  });

  it('ignores casts, literals, identifiers and comments', () => {
    const out = bindNamedParameters(`SELECT ':x', ":x", 1::int -- :x\n, :x`, [{ name: 'x', value: 'v' }]);
    expect(out.text).toBe(`SELECT ':x', ":x", 1::int -- :x\n, $1`);
  });

  it('rejects a parameter the statement uses but the caller did not supply', () => {
    expect(() => bindNamedParameters(`SELECT :missing`, [])).toThrow(/:missing.*not among the supplied parameters/);
  });

  it('binds every parameter of the loader transaction, so no value is spliced into SQL text', () => {
    const batch = loadBatch({
      table: 'curated',
      objectKey: "curated/dt=2024-03-20/hour=10/a'b.parquet",
      etag: 'f'.repeat(32),
      objectBytes: 987654321,
      manifestBucket: 'm-bucket',
      manifestKey: `events/${'a'.repeat(64)}.manifest`,
    });
    for (const sql of batch.sqls) {
      const { text, values } = bindNamedParameters(sql, batch.parameters);
      expect(text).not.toMatch(/:[a-z_]+\b(?!:)/);
      for (const v of values) expect(text).not.toContain(v);
    }
  });
});

describe('parseCopy', () => {
  it('reads the loader COPY (manifest, Parquet, default role)', () => {
    const sql = loadBatch({
      table: 'predictions',
      objectKey: 'k',
      etag: '0'.repeat(32),
      objectBytes: 1,
      manifestBucket: 'm-bucket',
      manifestKey: `predictions/${'b'.repeat(64)}.manifest`,
    }).sqls[1]!;
    expect(parseCopy(sql)).toEqual({ table: '"stage_predictions"', bucket: 'm-bucket', key: `predictions/${'b'.repeat(64)}.manifest`, manifest: true });
  });

  it('returns undefined for other statements and refuses formats the lake does not hold', () => {
    expect(parseCopy('SELECT 1')).toBeUndefined();
    expect(() => parseCopy(`COPY t FROM 's3://b/k' IAM_ROLE default FORMAT AS CSV`)).toThrow(DialectError);
    expect(() => parseCopy(`COPY t FROM 's3://b/k' FORMAT AS PARQUET GZIP`)).toThrow(/GZIP/);
  });

  it('parses the manifest the loader writes', () => {
    expect(parseManifest(copyManifest('lake', 'curated/x.parquet', 42))).toEqual([{ bucket: 'lake', key: 'curated/x.parquet', mandatory: true }]);
    expect(() => parseManifest('{"entries":[{"url":"http://x"}]}')).toThrow(/entries\[0\]\.url/);
  });

  it('reads content_length for a columnar format, and refuses an entry without a valid one', () => {
    expect(parseManifest(copyManifest('lake', 'curated/x.parquet', 42), { columnar: true })).toEqual([
      { bucket: 'lake', key: 'curated/x.parquet', mandatory: true, contentLength: 42 },
    ]);
    expect(() => parseManifest('{"entries":[{"url":"s3://b/k","mandatory":true}]}', { columnar: true })).toThrow(
      /entries\[0\]\.meta\.content_length undefined is invalid: .*integer >= 0/,
    );
    expect(() => parseManifest('{"entries":[{"url":"s3://b/k","meta":{"content_length":"12"}}]}', { columnar: true })).toThrow(/content_length "12"/);
  });
});
