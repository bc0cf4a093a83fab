import { TABLES } from '../../functions/shared/contract';
import { WAREHOUSE_SCHEMA } from '../../functions/warehouse-loader/sql';
import { catalogDatabaseName } from '../../stacks/constructs/catalog';
import {
  ANALYSIS_OWNER_ACTIONS,
  DASHBOARD_OWNER_ACTIONS,
  DASHBOARD_VIEWER_ACTIONS,
  TEMPLATE_OWNER_ACTIONS,
} from '../../stacks/constructs/quicksight/dashboard';
import { DASHBOARD_DATA_SETS } from '../../stacks/constructs/quicksight/dashboard-definition';
import { dataSetSpecs, inputColumns } from '../../stacks/constructs/quicksight/data-set-specs';
import { DATA_SET_OWNER_ACTIONS } from '../../stacks/constructs/quicksight/data-sets';
import { PlatformNaming } from '../../stacks/naming';
import { resourcesOf, synthPlatform, type TerraformJson } from '../helpers/synth';

const OWNER = 'arn:aws:quicksight:us-east-1:123456789012:group/default/analysts';
const VIEWER = 'arn:aws:quicksight:us-east-1:123456789012:group/default/viewers';
const BI_TYPES = [
  'aws_quicksight_data_set',
  'aws_quicksight_refresh_schedule',
  'aws_quicksight_analysis',
  'aws_quicksight_template',
  'aws_quicksight_dashboard',
];

const ref = (type: string, id: string, attribute: string) => `\${${type}.${id}.${attribute}}`;

function only(stack: TerraformJson, type: string): [string, Record<string, any>] {
  const all = resourcesOf(stack, type);
  expect(all).toHaveLength(1);
  return all[0]!;
}

/** The data sets by data_set_id. */
function dataSetsById(stack: TerraformJson): Map<string, [string, Record<string, any>]> {
  return new Map(resourcesOf(stack, 'aws_quicksight_data_set').map(([id, d]) => [d.data_set_id as string, [id, d]]));
}

describe('QuickSight BI resources are created only with quicksight.enabled', () => {
  it.each([
    ['defaults', {}],
    ['a tuned but disabled QuickSight', { quicksight: { refreshInterval: 'DAILY', redshiftImportMode: 'SPICE' } }],
  ])('%s: no data set, schedule, analysis, template or dashboard in either stack', (_name, file) => {
    const { stacks } = synthPlatform(file);
    for (const stack of [stacks.primary, stacks.dr]) for (const type of BI_TYPES) expect(resourcesOf(stack, type)).toEqual([]);
  });
});

describe('QuickSight BI at the defaults (lake data sets in SPICE, warehouse data sets in direct query)', () => {
  const { config, stacks } = synthPlatform({ quicksight: { enabled: true, principalArn: OWNER } });
  const primary = stacks.primary;
  const naming = new PlatformNaming(config);
  const specs = dataSetSpecs(catalogDatabaseName({ naming } as never), config.quicksight.lookbackDays);
  const byId = dataSetsById(primary);
  const [athenaId] = resourcesOf(primary, 'aws_quicksight_data_source').find(([, d]) => d.type === 'ATHENA')!;
  const [redshiftId] = resourcesOf(primary, 'aws_quicksight_data_source').find(([, d]) => d.type === 'REDSHIFT')!;

  it('creates nothing of it in the DR stack', () => {
    for (const type of BI_TYPES) expect(resourcesOf(stacks.dr, type)).toEqual([]);
  });

  it('creates one data set per spec, named and identified from the naming scheme, in the configured import mode', () => {
    expect([...byId.keys()].sort()).toEqual(specs.map((s) => naming.regional(s.id, config.primaryRegion)).sort());
    for (const spec of specs) {
      const [, dataSet] = byId.get(naming.regional(spec.id, config.primaryRegion))!;
      expect(dataSet.name).toBe(`${naming.prefix} ${spec.name}`);
      expect(dataSet.import_mode).toBe(spec.source === 'athena' ? 'SPICE' : 'DIRECT_QUERY');
      expect(dataSet.permissions).toEqual([{ principal: OWNER, actions: [...DATA_SET_OWNER_ACTIONS] }]);
    }
  });

  it('reads the lake through its Athena data source with the contract queries, after the Glue tables exist', () => {
    // The contract's tables (raw_events, over the Firehose archive, is no data set's source).
    const contractNames = new Set(Object.values(TABLES).map((t) => t.name));
    const glueTables = resourcesOf(primary, 'aws_glue_catalog_table')
      .filter(([, t]) => t.table_type === 'EXTERNAL_TABLE' && contractNames.has(t.name))
      .map(([id]) => `aws_glue_catalog_table.${id}`);
    expect(glueTables).toHaveLength(Object.keys(TABLES).length);
    for (const spec of specs.filter((s) => s.source === 'athena')) {
      const [, dataSet] = byId.get(naming.regional(spec.id, config.primaryRegion))!;
      const [table] = dataSet.physical_table_map;
      expect(table.physical_table_map_id).toBe(spec.id);
      expect(table.custom_sql).toEqual({
        data_source_arn: ref('aws_quicksight_data_source', athenaId, 'arn'),
        name: spec.id,
        sql_query: (spec.table as { sql: string }).sql,
        columns: inputColumns(spec.columns),
      });
      expect([...dataSet.depends_on].sort()).toEqual([...glueTables].sort());
    }
  });

  it('reads the warehouse events and predictions tables through the Redshift data source, every contract column but the feature CSV', () => {
    const statements = resourcesOf(primary, 'aws_redshiftdata_statement').map(([id]) => `aws_redshiftdata_statement.${id}`);
    const tables = specs
      .filter((s) => s.source === 'redshift')
      .map((spec) => {
        const [, dataSet] = byId.get(naming.regional(spec.id, config.primaryRegion))!;
        const { relational_table: table } = dataSet.physical_table_map[0];
        expect(table.data_source_arn).toBe(ref('aws_quicksight_data_source', redshiftId, 'arn'));
        expect(table.schema).toBe(WAREHOUSE_SCHEMA);
        expect([...dataSet.depends_on].sort()).toEqual([...statements].sort());
        return table;
      });
    expect(tables.map((t) => t.name)).toEqual([TABLES.curated.name, TABLES.predictions.name]);
    const curated = TABLES.curated.columns.filter((c) => c.name !== 'features');
    expect(tables[0].input_columns.map((c: { name: string }) => c.name)).toEqual(curated.map((c) => c.name));
    expect(tables[0].input_columns.find((c: { name: string }) => c.name === 'event_time')).toEqual({ name: 'event_time', type: 'DATETIME' });
    expect(tables[1].input_columns.find((c: { name: string }) => c.name === 'score')).toEqual({ name: 'score', type: 'DECIMAL' });
  });

  it('refreshes each SPICE data set fully every hour (UTC), and no direct-query one', () => {
    const schedules = resourcesOf(primary, 'aws_quicksight_refresh_schedule').map(([, s]) => s);
    const spice = [...byId.values()].filter(([, d]) => d.import_mode === 'SPICE').map(([id]) => ref('aws_quicksight_data_set', id, 'data_set_id'));
    expect(schedules.map((s) => s.data_set_id).sort()).toEqual(spice.sort());
    expect(spice).toHaveLength(4);
    for (const s of schedules) {
      expect(s.schedule).toEqual([{ refresh_type: 'FULL_REFRESH', schedule_frequency: [{ interval: 'HOURLY', timezone: 'UTC' }] }]);
    }
  });

  it('builds one analysis, one template and one dashboard over the lake data sets, owned by the principal', () => {
    const [, analysis] = only(primary, 'aws_quicksight_analysis');
    const [, template] = only(primary, 'aws_quicksight_template');
    const [, dashboard] = only(primary, 'aws_quicksight_dashboard');
    const expectedDeclarations = Object.entries(DASHBOARD_DATA_SETS).map(([identifier, key]) => {
      const spec = specs.find((s) => s.key === key)!;
      return { identifier, data_set_arn: ref('aws_quicksight_data_set', byId.get(naming.regional(spec.id, config.primaryRegion))![0], 'arn') };
    });
    for (const resource of [analysis, dashboard]) expect(resource.definition.data_set_identifiers_declarations).toEqual(expectedDeclarations);
    expect(template.definition.data_set_configuration.map((c: { placeholder: string }) => c.placeholder)).toEqual(Object.keys(DASHBOARD_DATA_SETS));
    expect(template.definition.sheets).toEqual(dashboard.definition.sheets);
    expect(analysis.definition.sheets).toEqual(dashboard.definition.sheets);
    expect(analysis.permissions).toEqual([{ principal: OWNER, actions: [...ANALYSIS_OWNER_ACTIONS] }]);
    expect(template.permissions).toEqual([{ principal: OWNER, actions: [...TEMPLATE_OWNER_ACTIONS] }]);
    expect(dashboard.permissions).toEqual([{ principal: OWNER, actions: [...DASHBOARD_OWNER_ACTIONS] }]);
  });

  it('reads the last 7 days of the lake by default, the data-quality set the saved query unchanged', () => {
    const sql = (id: string) =>
      [...byId.values()].find(([, d]) => d.physical_table_map[0].physical_table_map_id === id)![1].physical_table_map[0].custom_sql.sql_query as string;
    for (const id of ['lake-events', 'lake-predictions', 'lake-aggregates']) expect(sql(id)).toContain("current_date - INTERVAL '7' DAY");
    const saved = resourcesOf(primary, 'aws_athena_named_query').find(([, q]) => q.name.startsWith('Data-quality rate per hour'))![1];
    expect(sql('lake-data-quality')).toBe(saved.query);
  });

  it('publishes the dashboard with a version description, ad-hoc filtering and CSV export', () => {
    const [, dashboard] = only(primary, 'aws_quicksight_dashboard');
    expect(dashboard.version_description).toMatch(/dashboard-definition\.ts/);
    expect(dashboard.dashboard_publish_options).toEqual({
      ad_hoc_filtering_option: { availability_status: 'ENABLED' },
      export_to_csv_option: { availability_status: 'ENABLED' },
    });
    expect(only(primary, 'aws_quicksight_template')[1].version_description).toMatch(/dashboard-definition\.ts/);
  });

  it('draws the data-quality alarm threshold from the configuration', () => {
    const [, dashboard] = only(primary, 'aws_quicksight_dashboard');
    expect(JSON.stringify(dashboard.definition)).toContain(`"static_configuration":[{"value":${config.observability.alarms.dataQualityRatio}}]`);
  });
});

describe('QuickSight BI, tuned', () => {
  const file = {
    quicksight: {
      enabled: true,
      principalArn: OWNER,
      dashboardViewerArns: [VIEWER],
      refreshInterval: 'DAILY',
      refreshTimeOfDay: '03:30',
      redshiftImportMode: 'SPICE',
      lookbackDays: 14,
    },
    observability: { alarms: { dataQualityRatio: 0.9 } },
  };
  const { stacks } = synthPlatform(file);
  const primary = stacks.primary;

  it('refreshes every data set, the warehouse ones too, daily at the configured time', () => {
    const schedules = resourcesOf(primary, 'aws_quicksight_refresh_schedule').map(([, s]) => s);
    expect(schedules).toHaveLength(6);
    for (const s of schedules) expect(s.schedule[0].schedule_frequency).toEqual([{ interval: 'DAILY', time_of_the_day: '03:30', timezone: 'UTC' }]);
  });

  it('reads the configured number of days from the lake', () => {
    const events = [...dataSetsById(primary).values()].find(([, d]) => d.physical_table_map[0].physical_table_map_id === 'lake-events')![1];
    expect(events.physical_table_map[0].custom_sql.sql_query).toContain("INTERVAL '14' DAY");
  });

  it('lets the viewers open the dashboard, and only that', () => {
    const [, dashboard] = only(primary, 'aws_quicksight_dashboard');
    expect(dashboard.permissions).toEqual([
      { principal: OWNER, actions: [...DASHBOARD_OWNER_ACTIONS] },
      { principal: VIEWER, actions: [...DASHBOARD_VIEWER_ACTIONS] },
    ]);
    for (const type of ['aws_quicksight_analysis', 'aws_quicksight_template', 'aws_quicksight_data_set']) {
      for (const [, r] of resourcesOf(primary, type)) expect(JSON.stringify(r.permissions)).not.toContain(VIEWER);
    }
  });

  it('draws the configured threshold', () => {
    expect(JSON.stringify(only(primary, 'aws_quicksight_dashboard')[1].definition)).toContain('"static_configuration":[{"value":0.9}]');
  });
});

describe('QuickSight BI without the warehouse, lake in direct query', () => {
  const { stacks } = synthPlatform({ redshift: { enabled: false }, quicksight: { enabled: true, principalArn: OWNER, athenaImportMode: 'DIRECT_QUERY' } });
  const primary = stacks.primary;

  it('has the lake data sets and the dashboard, no warehouse data set and no refresh schedule', () => {
    const ids = resourcesOf(primary, 'aws_quicksight_data_set')
      .map(([, d]) => d.physical_table_map[0].physical_table_map_id)
      .sort();
    expect(ids).toEqual(['lake-aggregates', 'lake-data-quality', 'lake-events', 'lake-predictions']);
    for (const [, d] of resourcesOf(primary, 'aws_quicksight_data_set')) expect(d.import_mode).toBe('DIRECT_QUERY');
    expect(resourcesOf(primary, 'aws_quicksight_refresh_schedule')).toEqual([]);
    only(primary, 'aws_quicksight_dashboard');
  });
});
