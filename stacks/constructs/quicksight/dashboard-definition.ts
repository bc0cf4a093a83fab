/**
 * The platform dashboard's definition, in the provider's own block and attribute names (the
 * `definition` argument of aws_quicksight_analysis / _template / _dashboard is passed through as
 * written). One sheet: events per hour, conversion by category and country, the data-quality
 * rate against its alarm threshold, predictions per variant, the A/B comparison of predicted and
 * observed conversion, and the minutes since the newest event arrived.
 */
import type { ColumnSpec, EventType } from '../../../functions/shared/contract';
import { quicksightColumnType, type DataSetKey } from './data-set-specs';

/** The data sets the dashboard reads, by the identifier its definition names them with. */
export const DASHBOARD_DATA_SETS = {
  events: 'lakeEvents',
  predictions: 'lakePredictions',
  data_quality: 'lakeDataQuality',
} as const satisfies Record<string, DataSetKey>;
export type DashboardDataSet = keyof typeof DASHBOARD_DATA_SETS;

export interface DashboardDefinitionOptions {
  /** ARN of each data set the dashboard reads. */
  readonly dataSetArns: Readonly<Record<DashboardDataSet, string>>;
  /** Lowest acceptable valid share (config.observability.alarms.dataQualityRatio), drawn as a reference line. */
  readonly dataQualityThreshold: number;
}

type Block = Record<string, unknown>;

const PURCHASE: EventType = 'purchase';

export interface CalculatedField {
  readonly data_set_identifier: DashboardDataSet;
  readonly name: string;
  readonly expression: string;
}

/** Calculated fields: the dashboard's measures that no column holds. */
export const CALCULATED_FIELDS: readonly CalculatedField[] = [
  {
    data_set_identifier: 'events',
    name: 'conversion_rate',
    expression: `distinct_countIf({user_id}, {event_type} = "${PURCHASE}") / distinct_count({user_id})`,
  },
  // Per row (arrival time, not the producer's clock), so the freshness visual takes its minimum: QuickSight refuses an aggregate mixed with now().
  { data_set_identifier: 'events', name: 'minutes_since_arrival', expression: 'dateDiff({ingested_at}, now(), "MI")' },
  { data_set_identifier: 'data_quality', name: 'hour_start', expression: 'parseDate(concat({dt}, " ", {hour}), "yyyy-MM-dd HH")' },
  { data_set_identifier: 'data_quality', name: 'valid_share', expression: 'sum({valid}) / (sum({valid}) + sum({quarantined}))' },
  { data_set_identifier: 'predictions', name: 'observed_conversion', expression: 'sum({session_converted}) / count({event_id})' },
];

const column = (dataSet: DashboardDataSet, name: string): Block => ({ data_set_identifier: dataSet, column_name: name });
const title = (text: string): Block[] => [{ visibility: 'VISIBLE', format_text: [{ plain_text: text }] }];

/** Field builders: `id` is unique in the definition (QuickSight requires it). */
const dimension = {
  date: (id: string, dataSet: DashboardDataSet, name: string, granularity: string): Block => ({
    date_dimension_field: [{ field_id: id, column: [column(dataSet, name)], date_granularity: granularity }],
  }),
  category: (id: string, dataSet: DashboardDataSet, name: string): Block => ({
    categorical_dimension_field: [{ field_id: id, column: [column(dataSet, name)] }],
  }),
};
const measure = {
  count: (id: string, dataSet: DashboardDataSet, name: string): Block => ({
    categorical_measure_field: [{ field_id: id, column: [column(dataSet, name)], aggregation_function: 'COUNT' }],
  }),
  /** A numeric column (or per-row calculated field) aggregated by `aggregation` (AVERAGE, MIN, ...). */
  numeric: (id: string, dataSet: DashboardDataSet, name: string, aggregation: string): Block => ({
    numerical_measure_field: [{ field_id: id, column: [column(dataSet, name)], aggregation_function: [{ simple_numerical_aggregation: aggregation }] }],
  }),
  /** A calculated field that aggregates in its own expression. */
  calculated: (id: string, dataSet: DashboardDataSet, name: string): Block => ({
    numerical_measure_field: [{ field_id: id, column: [column(dataSet, name)] }],
  }),
};

function lineChart(id: string, text: string, category: Block, values: Block[], extra: Block = {}): Block {
  return {
    line_chart_visual: [
      {
        visual_id: id,
        title: title(text),
        chart_configuration: [{ field_wells: [{ line_chart_aggregated_field_wells: [{ category: [category], values }] }], ...extra }],
      },
    ],
  };
}

function barChart(id: string, text: string, category: Block, values: Block[]): Block {
  return {
    bar_chart_visual: [
      {
        visual_id: id,
        title: title(text),
        chart_configuration: [
          { orientation: 'VERTICAL', bars_arrangement: 'CLUSTERED', field_wells: [{ bar_chart_aggregated_field_wells: [{ category: [category], values }] }] },
        ],
      },
    ],
  };
}

/** The visuals, in layout order. */
function visuals(threshold: number): Block[] {
  return [
    lineChart('events-per-hour', 'Events per hour (one row per event)', dimension.date('events-per-hour-time', 'events', 'event_time', 'HOUR'), [
      measure.count('events-per-hour-count', 'events', 'event_id'),
    ]),
    {
      heat_map_visual: [
        {
          visual_id: 'conversion-by-category-country',
          title: title('Conversion by category and country (purchasing users / users)'),
          chart_configuration: [
            {
              field_wells: [
                {
                  heat_map_aggregated_field_wells: [
                    {
                      rows: [dimension.category('conversion-category', 'events', 'category')],
                      columns: [dimension.category('conversion-country', 'events', 'country_code')],
                      values: [measure.calculated('conversion-rate', 'events', 'conversion_rate')],
                    },
                  ],
                },
              ],
            },
          ],
        },
      ],
    },
    lineChart(
      'data-quality-rate',
      'Valid share of records per hour, against the alarm threshold',
      dimension.date('data-quality-hour', 'data_quality', 'hour_start', 'HOUR'),
      [measure.calculated('data-quality-share', 'data_quality', 'valid_share')],
      {
        reference_lines: [
          {
            status: 'ENABLED',
            data_configuration: [{ static_configuration: [{ value: threshold }] }],
            label_configuration: [{ custom_label_configuration: [{ custom_label: `alarm threshold ${threshold}` }] }],
            style_configuration: [{ pattern: 'DASHED' }],
          },
        ],
      },
    ),
    barChart('predictions-per-variant', 'Predictions per variant', dimension.category('predictions-variant', 'predictions', 'variant'), [
      measure.count('predictions-count', 'predictions', 'event_id'),
    ]),
    barChart('ab-predicted-vs-observed', 'A/B: predicted vs observed conversion per variant', dimension.category('ab-variant', 'predictions', 'variant'), [
      measure.numeric('ab-predicted', 'predictions', 'score', 'AVERAGE'),
      measure.calculated('ab-observed', 'predictions', 'observed_conversion'),
    ]),
    {
      kpi_visual: [
        {
          visual_id: 'freshness',
          title: title('Minutes since the newest event arrived (refresh lag included)'),
          chart_configuration: [{ field_wells: [{ values: [measure.numeric('freshness-minutes', 'events', 'minutes_since_arrival', 'MIN')] }] }],
        },
      ],
    },
  ];
}

/** The id of a visual block (`{ <kind>_visual: [{ visual_id }] }`). */
export function visualId(visual: Block): string {
  const [body] = Object.values(visual) as Block[][];
  return body![0]!.visual_id as string;
}

/** Two visuals side by side per row of the 36-column grid. */
function gridLayout(ids: readonly string[]): Block[] {
  return [{ configuration: [{ grid_layout: [{ elements: ids.map((id) => ({ element_id: id, element_type: 'VISUAL', column_span: 18, row_span: 9 })) }] }] }];
}

/** The sheet and calculated fields: what an analysis, a dashboard and a template share. */
function sharedDefinition(dataQualityThreshold: number): Block {
  const sheetVisuals = visuals(dataQualityThreshold);
  return {
    calculated_fields: CALCULATED_FIELDS.map((f) => ({ ...f })),
    sheets: [{ sheet_id: 'platform', name: 'Platform', visuals: sheetVisuals, layouts: gridLayout(sheetVisuals.map(visualId)) }],
  };
}

const identifiers = () => Object.keys(DASHBOARD_DATA_SETS) as DashboardDataSet[];

/** The definition of the analysis and the dashboard: each data set identifier bound to its data set. */
export function dashboardDefinition(options: DashboardDefinitionOptions): Block {
  return {
    data_set_identifiers_declarations: identifiers().map((identifier) => ({ identifier, data_set_arn: options.dataSetArns[identifier] })),
    ...sharedDefinition(options.dataQualityThreshold),
  };
}

export interface TemplateDefinitionOptions {
  /** Columns of each data set the dashboard reads: the schema a data set must have to fill the placeholder. */
  readonly dataSetColumns: Readonly<Record<DashboardDataSet, readonly ColumnSpec[]>>;
  readonly dataQualityThreshold: number;
}

/** The template's definition: the same sheet over placeholders (one per identifier), each with the columns it needs. */
export function templateDefinition(options: TemplateDefinitionOptions): Block {
  return {
    data_set_configuration: identifiers().map((identifier) => ({
      placeholder: identifier,
      data_set_schema: [{ column_schema_list: options.dataSetColumns[identifier].map((c) => ({ name: c.name, data_type: quicksightColumnType(c.type) })) }],
    })),
    ...sharedDefinition(options.dataQualityThreshold),
  };
}
