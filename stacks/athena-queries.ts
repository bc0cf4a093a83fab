/**
 * The platform's saved Athena queries and catalog views (Trino SQL), generated from the event
 * contract's table names and columns. The Athena construct saves the queries as named queries,
 * the catalog construct the views as Glue views; docs/data-flow.md shows them. Each saved query
 * filters on the dt partition so Athena reads only the days asked for.
 */
import { PARTITION_KEYS, TABLES, type ColumnSpec } from '../functions/shared/contract';
import type { EventType } from '../functions/shared/contract';

export interface NamedQuerySpec {
  /** Stable id (also the resource id). */
  readonly id: string;
  readonly name: string;
  readonly description: string;
  readonly sql: string;
}

/** `dt >= <N days ago>` as Trino SQL on the yyyy-MM-dd partition string. */
function sinceDays(days: number): string {
  return `dt >= date_format(current_date - INTERVAL '${days}' DAY, '%Y-%m-%d')`;
}

export function namedQueries(database: string): NamedQuerySpec[] {
  const events = `"${database}"."${TABLES.curated.name}"`;
  const quarantine = `"${database}"."${TABLES.quarantine.name}"`;
  return [
    {
      id: 'events-per-hour',
      name: 'Events per hour (last 7 days)',
      description: 'Curated events and distinct users per event-time hour',
      sql: `SELECT dt, hour, count(*) AS events, count(DISTINCT user_id) AS users
FROM ${events}
WHERE ${sinceDays(7)}
GROUP BY dt, hour
ORDER BY dt, hour`,
    },
    {
      id: 'data-quality-rate',
      name: 'Data-quality rate per hour (last 7 days)',
      description: 'Valid vs quarantined records per hour (curated by event time, quarantine by arrival time)',
      sql: `WITH valid AS (
  SELECT dt, hour, count(*) AS n FROM ${events} WHERE ${sinceDays(7)} GROUP BY dt, hour
), quarantined AS (
  SELECT dt, hour, count(*) AS n FROM ${quarantine} WHERE ${sinceDays(7)} GROUP BY dt, hour
)
SELECT coalesce(v.dt, q.dt) AS dt, coalesce(v.hour, q.hour) AS hour,
       coalesce(v.n, 0) AS valid, coalesce(q.n, 0) AS quarantined,
       CAST(coalesce(v.n, 0) AS double) / (coalesce(v.n, 0) + coalesce(q.n, 0)) AS quality_rate
FROM valid v FULL OUTER JOIN quarantined q ON v.dt = q.dt AND v.hour = q.hour
ORDER BY dt, hour`,
    },
    {
      id: 'top-categories',
      name: 'Top categories (last 7 days)',
      description: 'Events, purchases and purchase share per category',
      sql: `SELECT coalesce(category, '(none)') AS category, count(*) AS events,
       sum(CASE WHEN event_type = 'purchase' THEN 1 ELSE 0 END) AS purchases,
       CAST(sum(CASE WHEN event_type = 'purchase' THEN 1 ELSE 0 END) AS double) / count(*) AS purchase_share
FROM ${events}
WHERE ${sinceDays(7)}
GROUP BY 1
ORDER BY events DESC
LIMIT 20`,
    },
    {
      id: 'quarantine-reasons',
      name: 'Quarantine reasons (last 24 hours)',
      description: 'Quarantined records by first problem, with an example reason each',
      sql: `SELECT error_kind, count(*) AS records, arbitrary(reason) AS example_reason
FROM ${quarantine}
WHERE ${sinceDays(1)}
GROUP BY error_kind
ORDER BY records DESC`,
    },
    {
      id: 'deduplicated-events',
      name: 'Deduplicated events (last day)',
      description: 'One row per event_id (the curated table is at-least-once: producers may re-send)',
      sql: `SELECT * FROM (
  SELECT e.*, row_number() OVER (PARTITION BY event_id ORDER BY ingested_at, source_sequence_number) AS copy
  FROM ${events} e
  WHERE ${sinceDays(1)}
) WHERE copy = 1`,
    },
  ];
}

/** An Athena view over the lake tables: its SQL and its output columns, in order. */
export interface CatalogViewSpec {
  readonly name: string;
  readonly description: string;
  /** Trino SQL reading the tables qualified with the database; DuckDB runs it unchanged. */
  readonly sql: string;
  readonly columns: readonly ColumnSpec[];
}

export const UNIQUE_EVENTS_VIEW = 'events_unique';

const quoted = (name: string) => `"${name.replace(/"/g, '""')}"`;

/**
 * `events_unique`: the curated table with one row per event_id, across every object and batch
 * (the table itself may hold an event twice: a producer re-send in another batch, a redelivery
 * after a partial failure). The row kept is the earliest copy to arrive (Kinesis arrival time,
 * then shard and numeric sequence position); copies of an event differ only in where and when
 * they were processed. Its columns are the table's, partition keys included, so a query can move
 * from `events` to the view unchanged. A filter on dt or hour is applied after the window (the
 * copy kept may sit in another partition when a producer reuses an id), so the view reads the
 * whole table: for a bounded day range, the saved *Deduplicated events* query filters first.
 */
export function uniqueEventsView(database: string): CatalogViewSpec {
  const columns: ColumnSpec[] = [...TABLES.curated.columns, ...PARTITION_KEYS.map((k): ColumnSpec => ({ name: k.name, type: k.type, nullable: false, description: k.comment }))];
  const list = columns.map((c) => quoted(c.name)).join(', ');
  return {
    name: UNIQUE_EVENTS_VIEW,
    description: `${TABLES.curated.description}: one row per event_id (the earliest copy to arrive)`,
    sql: `SELECT ${list}
FROM (
  SELECT ${list},
         row_number() OVER (PARTITION BY "event_id" ORDER BY "ingested_at", "source_shard_id", length("source_sequence_number"), "source_sequence_number", "processed_at") AS "copy_number"
  FROM ${quoted(database)}.${quoted(TABLES.curated.name)}
)
WHERE "copy_number" = 1`,
    columns,
  };
}

// QuickSight data sets (stacks/constructs/quicksight/data-set-specs.ts): the lake queries they read.

/** The order copies of an event arrived in, the first being the one kept: the ORDER BY of `events_unique`, which a test holds to the view's text. */
export const ARRIVAL_ORDER = '"ingested_at", "source_shard_id", length("source_sequence_number"), "source_sequence_number", "processed_at"';

/** The dt/hour partition keys as columns (strings, never null), as `events_unique` lists them. */
export function partitionColumns(): ColumnSpec[] {
  return PARTITION_KEYS.map((k): ColumnSpec => ({ name: k.name, type: k.type, nullable: false, description: k.comment }));
}

/** A query a QuickSight data set reads (Trino SQL, as a custom SQL table) and the columns it yields, in order. */
export interface DataSetQuerySpec {
  readonly sql: string;
  readonly columns: readonly ColumnSpec[];
}

/**
 * Contract columns the BI data sets leave out: the feature CSV (up to 1,024 characters a row) is
 * the model's input, not something to chart, and would be most of each row's SPICE size.
 */
export const BI_OMITTED_COLUMNS: readonly string[] = ['features'];

/** `columns` without BI_OMITTED_COLUMNS, in order. */
export const forBi = (columns: readonly ColumnSpec[]): ColumnSpec[] => columns.filter((c) => !BI_OMITTED_COLUMNS.includes(c.name));
const PURCHASE: EventType = 'purchase';

/**
 * Curated events of the last `days` days, one row per event_id, kept by the same rule as
 * `events_unique` (the earliest copy to arrive). The dt filter comes before the de-duplication,
 * so Athena reads only those days' partitions; the view, filtered on dt, reads the whole table.
 * Copies of a re-sent event share its event time and so its dt partition: only a producer
 * reusing an id for another event's time can leave a copy outside the days read.
 */
export function biEventsQuery(database: string, days: number): DataSetQuerySpec {
  const columns = forBi([...TABLES.curated.columns, ...partitionColumns()]);
  const list = columns.map((c) => quoted(c.name)).join(', ');
  return {
    sql: `SELECT ${list}
FROM (
  SELECT ${list},
         row_number() OVER (PARTITION BY "event_id" ORDER BY ${ARRIVAL_ORDER}) AS "copy_number"
  FROM ${quoted(database)}.${quoted(TABLES.curated.name)}
  WHERE ${sinceDays(days)}
)
WHERE "copy_number" = 1`,
    columns,
  };
}

/** The outcome column the predictions data set adds: what the A/B comparison sets against the score. */
export const SESSION_CONVERTED_COLUMN: ColumnSpec = {
  name: 'session_converted',
  type: 'int',
  nullable: false,
  description: `1 when the prediction's session has a ${PURCHASE} event in the days read, else 0 (a session still open may convert later)`,
};

/** Predictions of the last `days` days, each with whether its session went on to purchase. */
export function biPredictionsQuery(database: string, days: number): DataSetQuerySpec {
  const columns = [...forBi([...TABLES.predictions.columns, ...partitionColumns()]), SESSION_CONVERTED_COLUMN];
  const own = columns.filter((c) => c !== SESSION_CONVERTED_COLUMN).map((c) => `p.${quoted(c.name)}`);
  return {
    sql: `SELECT ${own.join(', ')},
       CASE WHEN s."session_id" IS NULL THEN 0 ELSE 1 END AS ${quoted(SESSION_CONVERTED_COLUMN.name)}
FROM ${quoted(database)}.${quoted(TABLES.predictions.name)} p
LEFT JOIN (
  SELECT DISTINCT "session_id" FROM ${quoted(database)}.${quoted(TABLES.curated.name)}
  WHERE "event_type" = '${PURCHASE}' AND ${sinceDays(days)}
) s ON p."session_id" = s."session_id"
WHERE p.${sinceDays(days)}`,
    columns,
  };
}

/** Windowed aggregates of the last `days` days, as the aggregator wrote them. */
export function biAggregatesQuery(database: string, days: number): DataSetQuerySpec {
  const columns = forBi([...TABLES.aggregates.columns, ...partitionColumns()]);
  return {
    sql: `SELECT ${columns.map((c) => quoted(c.name)).join(', ')}
FROM ${quoted(database)}.${quoted(TABLES.aggregates.name)}
WHERE ${sinceDays(days)}`,
    columns,
  };
}

/** What the saved *Data-quality rate per hour* query yields, in its order. */
export const DATA_QUALITY_RATE_COLUMNS: readonly ColumnSpec[] = [
  ...partitionColumns(),
  { name: 'valid', type: 'int', nullable: false, description: 'Curated records of the hour (by event time)' },
  { name: 'quarantined', type: 'int', nullable: false, description: 'Quarantined records of the hour (by arrival time)' },
  { name: 'quality_rate', type: 'double', nullable: false, description: 'valid / (valid + quarantined)' },
];

/** The saved data-quality query (last 7 days), unchanged, as a data set reads it. */
export function biDataQualityQuery(database: string): DataSetQuerySpec {
  const saved = namedQueries(database).find((q) => q.id === 'data-quality-rate');
  if (!saved) throw new Error('biDataQualityQuery: the saved query "data-quality-rate" is missing from namedQueries()');
  return { sql: saved.sql, columns: DATA_QUALITY_RATE_COLUMNS };
}
