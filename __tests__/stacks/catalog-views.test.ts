import { TABLES, gluePartitionKeys, type ColumnType } from '../../functions/shared/contract';
import { UNIQUE_EVENTS_VIEW, uniqueEventsView } from '../../stacks/athena-queries';
import { resourcesOf, ROLES, synthPlatform } from '../helpers/synth';

interface PrestoView {
  originalSql: string;
  catalog: string;
  schema: string;
  columns: { name: string; type: string }[];
}

/** Reads a view's definition as Athena does: the base64 JSON between the marker and the comment end. */
function decodeView(originalText: string): PrestoView {
  const m = /^\/\* Presto View: ([A-Za-z0-9+/=]+) \*\/$/.exec(originalText);
  if (!m) throw new Error(`not an Athena view text: ${originalText.slice(0, 40)}`);
  return JSON.parse(Buffer.from(m[1]!, 'base64').toString('utf8')) as PrestoView;
}

const TRINO: Record<ColumnType, RegExp> = {
  string: /^varchar$/,
  timestamp: /^timestamp\(3\)$/,
  date: /^date$/,
  int: /^integer$/,
  double: /^double$/,
  boolean: /^boolean$/,
};

describe.each(ROLES)('%s stack: the events_unique Athena view', (role) => {
  const json = synthPlatform().stacks[role];
  const tables = resourcesOf(json, 'aws_glue_catalog_table').map(([id, t]): Record<string, any> => ({ ...t, id }));
  const view = tables.find((t) => t.name === UNIQUE_EVENTS_VIEW)!;
  const events = tables.find((t) => t.name === TABLES.curated.name)!;
  const database = resourcesOf(json, 'aws_glue_catalog_database')[0]![1].name as string;

  test('is a Glue view in the lake database, read after the curated table exists', () => {
    expect(view).toBeDefined();
    expect(view.table_type).toBe('VIRTUAL_VIEW');
    expect(view.parameters).toEqual({ presto_view: 'true', comment: 'Presto View' });
    expect(view.view_expanded_text).toBe('/* Presto View */');
    expect(view.database_name).toMatch(/^\$\{aws_glue_catalog_database\./);
    expect(view.depends_on).toEqual([`aws_glue_catalog_table.${events.id}`]);
  });

  test('its SQL decodes to the contract view over this database, reading one row per event_id', () => {
    const decoded = decodeView(view.view_original_text);
    expect(decoded.catalog).toBe('awsdatacatalog');
    expect(decoded.schema).toBe(database);
    expect(decoded.originalSql).toBe(uniqueEventsView(database).sql);
    expect(decoded.originalSql).toContain(`FROM "${database}"."${TABLES.curated.name}"`);
    expect(decoded.originalSql).toMatch(/row_number\(\) OVER \(PARTITION BY "event_id" ORDER BY "ingested_at"/);
    expect(decoded.originalSql).toMatch(/WHERE "copy_number" = 1$/);
  });

  test("its columns are the curated table's, partition keys included, in Glue and in the view definition", () => {
    const expected = [...events.storage_descriptor.columns, ...events.partition_keys];
    expect(view.storage_descriptor.columns).toEqual(expected);
    expect(events.partition_keys).toEqual(gluePartitionKeys());
    const decoded = decodeView(view.view_original_text);
    expect(decoded.columns.map((c) => c.name)).toEqual(expected.map((c: { name: string }) => c.name));
    const types = [...TABLES.curated.columns.map((c) => c.type), ...gluePartitionKeys().map(() => 'string' as const)];
    decoded.columns.forEach((c, i) => expect(c.type).toMatch(TRINO[types[i]!]));
  });
});
