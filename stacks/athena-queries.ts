/**
 * The platform's saved Athena queries and catalog views (Trino SQL), generated from the event
 * contract's table names and columns. The Athena construct saves the queries as named queries,
 * the catalog construct the views as Glue views; docs/data-flow.md shows them. Each saved query
 * filters on the dt partition so Athena reads only the days asked for.
 */
import { PARTITION_KEYS, TABLES, type ColumnSpec } from '../functions/shared/contract';

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
