import {
  EVENT_FIELDS,
  EVENT_TYPES,
  PARTITION_PROJECTION_START_DATE,
  RAW_EVENTS_TABLE,
  gluePartitionKeys,
  toGlueColumns,
} from '../../functions/shared/contract';
import { HOURLY_CONVERSION_VIEW, SESSIONS_VIEW, UNIQUE_EVENTS_VIEW, catalogViews, hourlyConversionView, sessionsView } from '../../stacks/athena-queries';
import { FUNNEL_STAGE } from '../../functions/shared/features';
import { resourcesOf, ROLES, synthPlatform } from '../helpers/synth';

/** A view's definition as Athena reads it: the base64 JSON between the marker and the comment end. */
function decodeView(originalText: string): { originalSql: string; schema: string; columns: { name: string; type: string }[] } {
  const m = /^\/\* Presto View: ([A-Za-z0-9+/=]+) \*\/$/.exec(originalText);
  if (!m) throw new Error(`not an Athena view text: ${originalText.slice(0, 40)}`);
  return JSON.parse(Buffer.from(m[1]!, 'base64').toString('utf8'));
}

describe.each(ROLES)('%s stack: catalog views over events_unique, and the raw archive table', (role) => {
  const json = synthPlatform().stacks[role];
  const tables = resourcesOf(json, 'aws_glue_catalog_table').map(([id, t]): Record<string, any> => ({ ...t, id }));
  const database = resourcesOf(json, 'aws_glue_catalog_database')[0]![1].name as string;
  const byName = (name: string) => tables.find((t) => t.name === name)!;

  test.each([
    [SESSIONS_VIEW, sessionsView],
    [HOURLY_CONVERSION_VIEW, hourlyConversionView],
  ])('%s: a Glue view of this database, created after events_unique, SQL and columns from athena-queries.ts', (name, spec) => {
    const view = byName(name);
    const expected = spec(database);
    expect(view).toMatchObject({
      table_type: 'VIRTUAL_VIEW',
      parameters: { presto_view: 'true', comment: 'Presto View' },
      view_expanded_text: '/* Presto View */',
      description: expected.description,
    });
    expect(view.depends_on).toEqual([`aws_glue_catalog_table.${byName(UNIQUE_EVENTS_VIEW).id}`]);
    const decoded = decodeView(view.view_original_text);
    expect(decoded.schema).toBe(database);
    expect(decoded.originalSql).toBe(expected.sql);
    expect(decoded.originalSql).toContain(`FROM "${database}"."${UNIQUE_EVENTS_VIEW}"`);
    expect(decoded.columns.map((c) => c.name)).toEqual(expected.columns.map((c) => c.name));
    expect(view.storage_descriptor.columns).toEqual(toGlueColumns(expected.columns));
  });

  test('sessions: the funnel stage of every event type, and converted on a purchase', () => {
    const sql = sessionsView(database).sql;
    for (const type of EVENT_TYPES) expect(sql).toContain(`WHEN '${type}' THEN ${FUNNEL_STAGE[type]}`);
    expect(sql).toMatch(/bool_or\("event_type" = 'purchase'\) AS "converted"/);
    expect(sql).toMatch(/GROUP BY "user_id", "session_id"$/);
  });

  test('catalogViews lists each view after the ones it reads', () => {
    expect(catalogViews(database).map((v) => v.name)).toEqual([UNIQUE_EVENTS_VIEW, SESSIONS_VIEW, HOURLY_CONVERSION_VIEW]);
  });

  test('raw_events: gzip JSON lines under raw/, partition-projected by arrival hour, one column per top-level event key', () => {
    const raw = byName(RAW_EVENTS_TABLE.name);
    expect(raw.table_type).toBe('EXTERNAL_TABLE');
    expect(raw.storage_descriptor.location).toMatch(/^s3:\/\/\$\{aws_s3_bucket\.platform_data-lake_bucket_[^}]+\}\/raw\/$/);
    expect(raw.storage_descriptor.ser_de_info).toEqual({
      name: 'json',
      serialization_library: 'org.openx.data.jsonserde.JsonSerDe',
      parameters: { 'ignore.malformed.json': 'true' },
    });
    expect(raw.parameters).toMatchObject({
      classification: 'json',
      'projection.enabled': 'true',
      'projection.dt.range': `${PARTITION_PROJECTION_START_DATE},NOW`,
    });
    expect(raw.parameters['storage.location.template']).toMatch(/\/raw\/dt=\$\$\{dt\}\/hour=\$\$\{hour\}\/$/);
    expect(raw.partition_keys).toEqual(gluePartitionKeys());
    const topLevel = [...new Set(EVENT_FIELDS.map((f) => f.path[0]))];
    expect(raw.storage_descriptor.columns.map((c: { name: string }) => c.name)).toEqual(topLevel);
    const data = raw.storage_descriptor.columns.find((c: { name: string }) => c.name === 'data');
    expect(data.type).toMatch(/^struct<.*location:struct<country:string,city:string>.*>$/);
  });

  test('Firehose writes one record per line, so raw_events reads each record', () => {
    const [[, delivery]] = resourcesOf(json, 'aws_kinesis_firehose_delivery_stream');
    expect(delivery.extended_s3_configuration.processing_configuration).toEqual({ enabled: true, processors: [{ type: 'AppendDelimiterToRecord' }] });
  });
});

test('no raw_events table without the raw archive', () => {
  const { stacks } = synthPlatform({ kinesis: { rawArchiveEnabled: false } });
  for (const role of ROLES) expect(resourcesOf(stacks[role], 'aws_glue_catalog_table').map(([, t]) => t.name)).not.toContain(RAW_EVENTS_TABLE.name);
});
