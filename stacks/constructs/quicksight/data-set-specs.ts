/**
 * The QuickSight data sets of the platform, as data: what each reads (a query of
 * stacks/athena-queries.ts over the lake, or a warehouse table) and its columns, all from the
 * event contract. The construct (data-sets.ts) creates them; the dashboard definition names
 * their columns, and a test checks every name it uses against these lists.
 */
import { TABLES, type ColumnSpec, type ColumnType } from '../../../functions/shared/contract';
import { WAREHOUSE_SCHEMA, WAREHOUSE_TABLES } from '../../../functions/warehouse-loader/sql';
import { biAggregatesQuery, biDataQualityQuery, biEventsQuery, biPredictionsQuery, forBi, type DataSetQuerySpec } from '../../athena-queries';

/** QuickSight input column type of each contract column type. */
const QUICKSIGHT_COLUMN_TYPES: Readonly<Record<ColumnType, string>> = {
  string: 'STRING',
  timestamp: 'DATETIME',
  date: 'DATETIME',
  int: 'INTEGER',
  double: 'DECIMAL',
  boolean: 'BIT',
};

export function quicksightColumnType(type: ColumnType): string {
  return QUICKSIGHT_COLUMN_TYPES[type];
}

/** Input columns of a custom SQL or relational table, in order. */
export function inputColumns(columns: readonly ColumnSpec[]): { name: string; type: string }[] {
  return columns.map((c) => ({ name: c.name, type: quicksightColumnType(c.type) }));
}

export type DataSetKey = 'lakeEvents' | 'lakePredictions' | 'lakeAggregates' | 'lakeDataQuality' | 'warehouseEvents' | 'warehousePredictions';
export type DataSetSource = 'athena' | 'redshift';

export interface DataSetSpec {
  readonly key: DataSetKey;
  /** Resource id, physical table id and the purpose in the data set id (letters, digits, hyphens). */
  readonly id: string;
  readonly name: string;
  readonly source: DataSetSource;
  readonly columns: readonly ColumnSpec[];
  /** A custom SQL query, or a table of the warehouse. */
  readonly table: { readonly sql: string } | { readonly schema: string; readonly name: string };
}

function lake(key: DataSetKey, id: string, name: string, query: DataSetQuerySpec): DataSetSpec {
  return { key, id, name, source: 'athena', columns: query.columns, table: { sql: query.sql } };
}

function warehouse(key: DataSetKey, id: string, name: string, table: keyof typeof WAREHOUSE_TABLES): DataSetSpec {
  const spec = WAREHOUSE_TABLES[table];
  return { key, id, name, source: 'redshift', columns: forBi(TABLES[spec.tableId].columns), table: { schema: WAREHOUSE_SCHEMA, name: spec.name } };
}

/**
 * Every data set: four over the lake database `database` (holding `lookbackDays` days each, the
 * data-quality set the saved query's 7 days), two over the warehouse tables.
 */
export function dataSetSpecs(database: string, lookbackDays: number): DataSetSpec[] {
  return [
    lake('lakeEvents', 'lake-events', 'events (lake, one row per event)', biEventsQuery(database, lookbackDays)),
    lake('lakePredictions', 'lake-predictions', 'predictions with session outcome (lake)', biPredictionsQuery(database, lookbackDays)),
    lake('lakeAggregates', 'lake-aggregates', 'windowed aggregates (lake)', biAggregatesQuery(database, lookbackDays)),
    lake('lakeDataQuality', 'lake-data-quality', 'data quality per hour (lake)', biDataQualityQuery(database)),
    warehouse('warehouseEvents', 'warehouse-events', 'events (warehouse)', 'curated'),
    warehouse('warehousePredictions', 'warehouse-predictions', 'predictions (warehouse)', 'predictions'),
  ];
}
