import {
  CURATED_COLUMNS,
  EVENT_FIELDS,
  EVENT_TYPES,
  PARTITION_KEYS,
  TABLES,
  glueColumns,
  parquetSchema,
  partitionProjectionParameters,
  redshiftColumns,
} from '../../../functions/shared/contract';

describe('derived schemas', () => {
  it('curated columns are the event fields followed by the enrichment columns, each once', () => {
    const names = CURATED_COLUMNS.map((c) => c.name);
    expect(new Set(names).size).toBe(names.length);
    expect(names.slice(0, EVENT_FIELDS.length)).toEqual(EVENT_FIELDS.map((f) => f.column));
    expect(names).not.toEqual(expect.arrayContaining(PARTITION_KEYS.map((k) => k.name)));
  });

  it.each(['curated', 'quarantine', 'predictions'] as const)('%s: Glue, Redshift and Parquet schemas list the same columns in the same order', (table) => {
    const names = TABLES[table].columns.map((c) => c.name);
    expect(glueColumns(table).map((c) => c.name)).toEqual(names);
    expect(redshiftColumns(table).map((c) => c.name)).toEqual(names);
    const schema = parquetSchema(table);
    expect(schema[0]).toEqual({ name: 'root', num_children: names.length });
    expect(schema.slice(1).map((s) => s.name)).toEqual(names);
    for (const c of glueColumns(table)) {
      expect(['string', 'timestamp', 'date', 'int', 'double', 'boolean']).toContain(c.type);
      expect(c.comment.length).toBeLessThanOrEqual(255);
    }
    for (const c of redshiftColumns(table)) {
      const m = /^VARCHAR\((\d+)\)$/.exec(c.type);
      if (m) expect(Number(m[1])).toBeLessThanOrEqual(65535);
    }
  });

  it('types map consistently: timestamps, dates and ints', () => {
    const glue = Object.fromEntries(glueColumns('curated').map((c) => [c.name, c.type]));
    const rs = Object.fromEntries(redshiftColumns('curated').map((c) => [c.name, c.type]));
    expect([glue.event_time, glue.event_date, glue.event_hour, glue.event_type]).toEqual(['timestamp', 'date', 'int', 'string']);
    expect([rs.event_time, rs.event_date, rs.event_hour]).toEqual(['TIMESTAMP', 'DATE', 'INTEGER']);
    // event_type's VARCHAR fits the longest allowed value in 4-byte characters.
    expect(rs.event_type).toBe(`VARCHAR(${Math.max(...EVENT_TYPES.map((t) => t.length)) * 4})`);
    expect(redshiftColumns('curated').find((c) => c.name === 'event_id')!.nullable).toBe(false);
    expect(redshiftColumns('curated').find((c) => c.name === 'city')!.nullable).toBe(true);
  });

  it('partition projection covers dt and hour with a location template', () => {
    const p = partitionProjectionParameters('s3://lake/curated/');
    expect(p['projection.enabled']).toBe('true');
    expect(p['projection.hour.range']).toBe('0,23');
    expect(p['storage.location.template']).toBe('s3://lake/curated/dt=${dt}/hour=${hour}/');
  });
});
