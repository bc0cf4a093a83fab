/**
 * Adding a column is one row: a field appended to EVENT_FIELDS, or a column appended to a
 * table's list, reaches the curated columns, the validator and every mapping without any
 * other edit. The mappings are built here from extended lists, exactly as the contract builds
 * them from its own.
 */
import fc from 'fast-check';
import { SAMPLE_EVENT } from '../../helpers/sample-event';
import {
  ENRICHMENT_COLUMNS,
  EVENT_FIELDS,
  TABLES,
  compileEventValidator,
  curatedColumns,
  parseIsoTimestamp,
  toGlueColumns,
  toParquetSchema,
  toRedshiftColumns,
  type ColumnSpec,
  type ColumnType,
  type EventFieldSpec,
} from '../../../functions/shared/contract';

const NOW = Date.UTC(2024, 2, 21);
const COLUMN_TYPES: readonly ColumnType[] = ['string', 'timestamp', 'date', 'int', 'double', 'boolean'];
const TABLE_IDS = Object.keys(TABLES) as (keyof typeof TABLES)[];

const newColumn: fc.Arbitrary<ColumnSpec> = fc.record({
  name: fc.constantFrom('referrer', 'campaign_id', 'ab_bucket', 'consent_given'),
  type: fc.constantFrom(...COLUMN_TYPES),
  maxLength: fc.option(fc.integer({ min: 1, max: 20_000 }), { nil: undefined }),
  nullable: fc.boolean(),
  description: fc.string({ minLength: 1, maxLength: 300 }),
});

/** Checks that `column` is the last column of every mapping built from `columns`. */
function expectMappedLast(columns: readonly ColumnSpec[], column: ColumnSpec): void {
  const glue = toGlueColumns(columns);
  const redshift = toRedshiftColumns(columns);
  const parquet = toParquetSchema(columns);
  expect(glue.map((c) => c.name)).toEqual(columns.map((c) => c.name));
  expect(redshift.map((c) => c.name)).toEqual(columns.map((c) => c.name));
  expect(parquet.slice(1).map((c) => c.name)).toEqual(columns.map((c) => c.name));
  expect(parquet[0]).toEqual({ name: 'root', num_children: columns.length });
  expect(glue.at(-1)).toEqual({ name: column.name, type: column.type, comment: column.description.slice(0, 255) });
  expect(redshift.at(-1)!.nullable).toBe(column.nullable);
  expect(parquet.at(-1)!.repetition_type).toBe(column.nullable ? 'OPTIONAL' : 'REQUIRED');
}

describe('adding a column to a table', () => {
  it('property: a column appended to any table list appears, last, in the Glue, Redshift and Parquet mappings', () => {
    fc.assert(
      fc.property(fc.constantFrom(...TABLE_IDS), newColumn, (table, column) => {
        expectMappedLast([...TABLES[table].columns, column], column);
      }),
    );
  });

  it('property: a column appended to the enrichment columns becomes the last curated column', () => {
    fc.assert(
      fc.property(newColumn, (column) => {
        const curated = curatedColumns(EVENT_FIELDS, [...ENRICHMENT_COLUMNS, column]);
        expect(curated.at(-1)).toEqual(column);
        expectMappedLast(curated, column);
      }),
    );
  });
});

interface NewField {
  readonly spec: EventFieldSpec;
  /** A raw value the field accepts, and what the validator turns it into. */
  readonly good: string;
  readonly validated: unknown;
}

const newField: fc.Arbitrary<NewField> = fc
  .record({
    column: fc.constantFrom('referrer', 'campaign_id', 'ab_bucket'),
    // Top level, inside an existing container, or inside a container no field used before.
    parents: fc.constantFrom<string[]>([], ['data'], ['data', 'location'], ['data', 'marketing']),
    kind: fc.constantFrom('string', 'enum', 'timestamp'),
    required: fc.boolean(),
  })
  .map(({ column, parents, kind, required }): NewField => {
    const base = { column, path: [...parents, column], required, description: `The ${column}` };
    switch (kind) {
      case 'string':
        return {
          spec: { ...base, kind, maxLength: 40, pattern: /^[a-z_]+$/, patternAllowed: 'lower-case letters and _' },
          good: 'summer_sale',
          validated: 'summer_sale',
        };
      case 'enum':
        return { spec: { ...base, kind, allowed: ['newsletter', 'ads'] }, good: 'ads', validated: 'ads' };
      default:
        return { spec: { ...base, kind: 'timestamp', maxLength: 40 }, good: SAMPLE_EVENT.timestamp, validated: parseIsoTimestamp(SAMPLE_EVENT.timestamp) };
    }
  });

/** The sample event with `path` set to `value` (containers created), or the leaf removed when value is undefined. */
function sampleWith(path: readonly string[], value: unknown): Record<string, unknown> {
  const event = structuredClone(SAMPLE_EVENT) as Record<string, unknown>;
  let node = event;
  for (const p of path.slice(0, -1)) node = (node[p] ??= {}) as Record<string, unknown>;
  if (value === undefined) delete node[path.at(-1)!];
  else node[path.at(-1)!] = value;
  return event;
}

describe('adding a field to the event', () => {
  it('property: a field appended to EVENT_FIELDS becomes a curated column right after the existing fields, in every mapping', () => {
    fc.assert(
      fc.property(newField, ({ spec }) => {
        const curated = curatedColumns([...EVENT_FIELDS, spec], ENRICHMENT_COLUMNS);
        const column = curated[EVENT_FIELDS.length]!;
        expect(column).toMatchObject({ name: spec.column, nullable: !spec.required, type: spec.kind === 'timestamp' ? 'timestamp' : 'string' });
        expect(curated.map((c) => c.name)).toEqual([...EVENT_FIELDS.map((f) => f.column), spec.column, ...ENRICHMENT_COLUMNS.map((c) => c.name)]);
        expect(toGlueColumns(curated)[EVENT_FIELDS.length]!.name).toBe(spec.column);
        expect(toRedshiftColumns(curated)[EVENT_FIELDS.length]).toMatchObject({ name: spec.column, nullable: !spec.required });
        expect(toParquetSchema(curated)[EVENT_FIELDS.length + 1]!.name).toBe(spec.column);
      }),
    );
  });

  it('property: the validator built from the extended fields checks the new field and returns its value', () => {
    fc.assert(
      fc.property(newField, ({ spec, good, validated }) => {
        const validate = compileEventValidator([...EVENT_FIELDS, spec]);
        const field = spec.path.join('.');

        const ok = validate(sampleWith(spec.path, good), { now: NOW });
        expect(ok.ok && ok.event[spec.column]).toBe(validated);

        const mistyped = validate(sampleWith(spec.path, 123), { now: NOW });
        expect(!mistyped.ok && mistyped.problems).toEqual([expect.objectContaining({ field, code: 'type', value: '123' })]);

        const absent = validate(sampleWith(spec.path, undefined), { now: NOW });
        if (spec.required) expect(!absent.ok && absent.problems).toEqual([expect.objectContaining({ field, code: 'missing' })]);
        else expect(absent.ok && absent.event[spec.column]).toBeNull();
      }),
    );
  });
});
