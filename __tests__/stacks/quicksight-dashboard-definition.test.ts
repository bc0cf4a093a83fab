/**
 * The platform dashboard's definition, as synthesized: every column it names exists in the data
 * set it names it from, every calculated field reads columns of its own data set, and the visuals
 * the platform needs are there, each over the columns it charts.
 */
import { TABLES } from '../../functions/shared/contract';
import { BI_OMITTED_COLUMNS, SESSION_CONVERTED_COLUMN, uniqueEventsView } from '../../stacks/athena-queries';
import { catalogDatabaseName } from '../../stacks/constructs/catalog';
import { CALCULATED_FIELDS, DASHBOARD_DATA_SETS, type DashboardDataSet } from '../../stacks/constructs/quicksight/dashboard-definition';
import { dataSetSpecs, quicksightColumnType } from '../../stacks/constructs/quicksight/data-set-specs';
import { PlatformNaming } from '../../stacks/naming';
import { resourcesOf, synthPlatform } from '../helpers/synth';

const OWNER = 'arn:aws:quicksight:us-east-1:123456789012:group/default/analysts';
type Block = Record<string, any>;

interface ColumnRef {
  readonly identifier: string;
  readonly column: string;
  readonly path: string;
}

/** Every column identifier ({data_set_identifier, column_name}) anywhere in a definition, with where it is. */
function columnRefs(node: unknown, path = 'definition'): ColumnRef[] {
  if (Array.isArray(node)) return node.flatMap((item, i) => columnRefs(item, `${path}[${i}]`));
  if (node === null || typeof node !== 'object') return [];
  const block = node as Block;
  const own =
    typeof block.data_set_identifier === 'string' && typeof block.column_name === 'string'
      ? [{ identifier: block.data_set_identifier, column: block.column_name, path }]
      : [];
  return [...own, ...Object.entries(block).flatMap(([key, value]) => columnRefs(value, `${path}.${key}`))];
}

/** Every value of `key` anywhere in a definition. */
function valuesOf(node: unknown, key: string): unknown[] {
  if (Array.isArray(node)) return node.flatMap((item) => valuesOf(item, key));
  if (node === null || typeof node !== 'object') return [];
  return Object.entries(node as Block).flatMap(([k, v]) => [...(k === key ? [v] : []), ...valuesOf(v, key)]);
}

/** The columns a definition names that its data set does not have (columns of the data set, or calculated fields on it). */
function unknownColumns(definition: Block, columnsOf: Readonly<Record<string, readonly string[]>>): ColumnRef[] {
  const calculated = (definition.calculated_fields as Block[]).map((f) => `${f.data_set_identifier}/${f.name}`);
  return columnRefs(definition).filter((r) => !(columnsOf[r.identifier] ?? []).includes(r.column) && !calculated.includes(`${r.identifier}/${r.column}`));
}

/** The `{column}` names a calculated field's expression reads. */
const expressionColumns = (expression: string) => [...expression.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]!);

const { config, stacks } = synthPlatform({ quicksight: { enabled: true, principalArn: OWNER } });
const primary = stacks.primary;
const database = catalogDatabaseName({ naming: new PlatformNaming(config) } as never);
const specs = dataSetSpecs(database, config.quicksight.lookbackDays);
const identifiers = Object.keys(DASHBOARD_DATA_SETS) as DashboardDataSet[];
const columnsOf = Object.fromEntries(identifiers.map((id) => [id, specs.find((s) => s.key === DASHBOARD_DATA_SETS[id])!.columns.map((c) => c.name)])) as Record<
  DashboardDataSet,
  string[]
>;
const definitions: [string, Block][] = ['aws_quicksight_analysis', 'aws_quicksight_template', 'aws_quicksight_dashboard'].map((type) => {
  const all = resourcesOf(primary, type);
  expect(all).toHaveLength(1);
  return [type, all[0]![1].definition as Block];
});
const [, dashboard] = definitions.find(([type]) => type === 'aws_quicksight_dashboard')!;

describe.each(definitions)('%s definition', (_type, definition) => {
  it('names only columns its data sets have, or calculated fields on them', () => {
    const refs = columnRefs(definition);
    expect(refs.length).toBeGreaterThanOrEqual(10);
    expect(new Set(refs.map((r) => r.identifier))).toEqual(new Set(identifiers));
    expect(unknownColumns(definition, columnsOf)).toEqual([]);
  });

  it('has calculated fields that read columns of their own data set only', () => {
    for (const field of definition.calculated_fields as Block[]) {
      const read = expressionColumns(field.expression);
      expect(read.length).toBeGreaterThan(0);
      for (const name of read)
        expect({ field: field.name, name, known: columnsOf[field.data_set_identifier as DashboardDataSet].includes(name) }).toEqual({
          field: field.name,
          name,
          known: true,
        });
    }
  });

  it('gives every field and every visual its own id, and lays out every visual once', () => {
    const fieldIds = valuesOf(definition, 'field_id');
    expect(new Set(fieldIds).size).toBe(fieldIds.length);
    const [sheet] = definition.sheets as Block[];
    const visualIds = (sheet!.visuals as Block[]).map((v) => (Object.values(v)[0] as Block[])[0]!.visual_id);
    expect(new Set(visualIds).size).toBe(visualIds.length);
    expect(valuesOf(sheet!.layouts, 'element_id')).toEqual(visualIds);
  });
});

describe('the column check', () => {
  /** A copy of the dashboard's definition with the first reference to `column` of `identifier` changed. */
  function changed(identifier: string, column: string, to: { identifier: string; column: string }): Block {
    const copy = JSON.parse(JSON.stringify(dashboard)) as Block;
    const visit = (node: unknown): boolean => {
      if (Array.isArray(node)) return node.some(visit);
      if (node === null || typeof node !== 'object') return false;
      const block = node as Block;
      if (block.data_set_identifier === identifier && block.column_name === column) {
        block.data_set_identifier = to.identifier;
        block.column_name = to.column;
        return true;
      }
      return Object.values(block).some(visit);
    };
    expect(visit(copy)).toBe(true);
    return copy;
  }

  it('reports a column the data set lacks, and one named from the wrong data set', () => {
    const misspelt = changed('events', 'country_code', { identifier: 'events', column: 'country_name' });
    const crossed = changed('predictions', 'variant', { identifier: 'events', column: 'variant' });
    expect(unknownColumns(misspelt, columnsOf).map((r) => [r.identifier, r.column])).toEqual([['events', 'country_name']]);
    expect(unknownColumns(crossed, columnsOf).map((r) => [r.identifier, r.column])).toEqual([['events', 'variant']]);
  });
});

describe('the dashboard', () => {
  const visuals = (dashboard.sheets[0].visuals as Block[]).map((v): [string, Block] => [Object.keys(v)[0]!, (Object.values(v)[0] as Block[])[0]!]);
  const visual = (id: string) => {
    const found = visuals.find(([, body]) => body.visual_id === id);
    expect(found).toBeDefined();
    return {
      kind: found![0],
      columns: columnRefs(found![1])
        .map((r) => `${r.identifier}.${r.column}`)
        .sort(),
    };
  };

  it.each([
    ['events-per-hour', 'line_chart_visual', ['events.event_time', 'events.event_id']],
    ['conversion-by-category-country', 'heat_map_visual', ['events.category', 'events.country_code', 'events.conversion_rate']],
    ['data-quality-rate', 'line_chart_visual', ['data_quality.hour_start', 'data_quality.valid_share']],
    ['predictions-per-variant', 'bar_chart_visual', ['predictions.variant', 'predictions.event_id']],
    ['ab-predicted-vs-observed', 'bar_chart_visual', ['predictions.variant', 'predictions.score', 'predictions.observed_conversion']],
    ['freshness', 'kpi_visual', ['events.minutes_since_arrival']],
  ])('%s is a %s over %j', (id, kind, columns) => {
    expect(visual(id)).toEqual({ kind, columns: [...columns].sort() });
  });

  it('charts events per hour by the hour of event time, and observed conversion from the session outcome column', () => {
    expect(valuesOf(visuals.find(([, b]) => b.visual_id === 'events-per-hour')![1], 'date_granularity')).toEqual(['HOUR']);
    const observed = CALCULATED_FIELDS.find((f) => f.name === 'observed_conversion')!;
    expect(expressionColumns(observed.expression)).toContain(SESSION_CONVERTED_COLUMN.name);
  });

  it('draws the configured data-quality threshold on the valid-share chart only', () => {
    const lines = visuals.flatMap(([, body]) => valuesOf(body, 'reference_lines').map((l) => [body.visual_id, l]));
    expect(lines).toEqual([
      [
        'data-quality-rate',
        [expect.objectContaining({ data_configuration: [{ static_configuration: [{ value: config.observability.alarms.dataQualityRatio }] }] })],
      ],
    ]);
  });
});

describe('the data sets the dashboard reads', () => {
  it("hold the events_unique view's columns (the feature CSV left out), the predictions with their session outcome", () => {
    expect(columnsOf.events).toEqual(
      uniqueEventsView(database)
        .columns.map((c) => c.name)
        .filter((n) => !BI_OMITTED_COLUMNS.includes(n)),
    );
    expect(columnsOf.predictions).toEqual([
      ...TABLES.predictions.columns.map((c) => c.name).filter((n) => !BI_OMITTED_COLUMNS.includes(n)),
      'dt',
      'hour',
      SESSION_CONVERTED_COLUMN.name,
    ]);
    expect(columnsOf.data_quality).toEqual(['dt', 'hour', 'valid', 'quarantined', 'quality_rate']);
  });

  it("are the template's placeholders, each with the columns and types of its data set", () => {
    const [, template] = definitions.find(([type]) => type === 'aws_quicksight_template')!;
    expect(template.data_set_configuration).toEqual(
      identifiers.map((id) => ({
        placeholder: id,
        data_set_schema: [
          {
            column_schema_list: specs
              .find((s) => s.key === DASHBOARD_DATA_SETS[id])!
              .columns.map((c) => ({ name: c.name, data_type: quicksightColumnType(c.type) })),
          },
        ],
      })),
    );
  });
});
