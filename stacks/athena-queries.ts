/**
 * The platform's saved Athena queries and catalog views (Trino SQL), generated from the event
 * contract's table names and columns. The Athena construct saves the queries as named queries,
 * the catalog construct the views as Glue views; docs/data-flow.md shows them. Each saved query
 * filters on dt: over a table, Athena then reads only the days asked for; over a view, the whole
 * table (deduplication and sessions span days), bounded by the workgroup's bytes-scanned cutoff.
 */
import { EVENT_TYPES, PARTITION_KEYS, TABLES, type ColumnSpec, type EventType } from '../functions/shared/contract';
import { FUNNEL_STAGE } from '../functions/shared/features';

/** A `?` placeholder of a saved query, in the order they appear in its SQL. */
export interface QueryParameterSpec {
  readonly name: string;
  /** 'string' values go to Athena as quoted literals, 'integer' ones as digits. */
  readonly type: 'string' | 'integer';
  readonly description: string;
  /** A value that runs, shown in the usage and the docs. */
  readonly example: string;
  /** What a value must look like (checked before the query starts). @default any text */
  readonly pattern?: RegExp;
}

export interface NamedQuerySpec {
  /** Stable id (also the resource id). */
  readonly id: string;
  readonly name: string;
  readonly description: string;
  readonly sql: string;
  /** Its `?` placeholders, in order. @default none */
  readonly parameters?: readonly QueryParameterSpec[];
}

/** A UTC day, the dt partition value. */
export const DAY_PARAMETER: QueryParameterSpec = {
  name: 'day',
  type: 'string',
  description: 'UTC day, YYYY-MM-DD',
  example: '2024-03-20',
  pattern: /^\d{4}-\d{2}-\d{2}$/,
};

/** `dt >= <N days ago>` as Trino SQL on the yyyy-MM-dd partition string. */
function sinceDays(days: number): string {
  return `dt >= date_format(current_date - INTERVAL '${days}' DAY, '%Y-%m-%d')`;
}

export function namedQueries(database: string): NamedQuerySpec[] {
  return [...tableQueries(database), ...viewQueries(database)];
}

/** The saved queries over the lake tables (their SQL is deployed: never edit it, add a query instead). */
function tableQueries(database: string): NamedQuerySpec[] {
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
  const columns: ColumnSpec[] = [
    ...TABLES.curated.columns,
    ...PARTITION_KEYS.map((k): ColumnSpec => ({ name: k.name, type: k.type, nullable: false, description: k.comment })),
  ];
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

export const SESSIONS_VIEW = 'sessions';
export const HOURLY_CONVERSION_VIEW = 'hourly_conversion';

const column = (name: string, type: ColumnSpec['type'], description: string, nullable = false): ColumnSpec => ({ name, type, nullable, description });

/**
 * `sessions`: one row per (user_id, session_id) of `events_unique`, so a re-sent event counts once.
 * The funnel stage is the furthest step the session reached (features.ts FUNNEL_STAGE, the model's
 * funnel_stage feature times 4), and a session converted when it holds a purchase.
 */
export function sessionsView(database: string): CatalogViewSpec {
  const stage = EVENT_TYPES.map((t) => `WHEN '${t}' THEN ${FUNNEL_STAGE[t]}`).join(' ');
  return {
    name: SESSIONS_VIEW,
    description: 'One row per browsing session (deduplicated events): first and last event time, furthest funnel stage, converted',
    sql: `SELECT "user_id", "session_id", min("dt") AS "dt",
       min("event_time") AS "first_event_time", max("event_time") AS "last_event_time",
       CAST(count(*) AS integer) AS "events",
       CAST(max(CASE "event_type" ${stage} END) AS integer) AS "funnel_stage",
       bool_or("event_type" = '${PURCHASE}') AS "converted"
FROM ${quoted(database)}.${quoted(UNIQUE_EVENTS_VIEW)}
GROUP BY "user_id", "session_id"`,
    columns: [
      column('user_id', 'string', 'User of the session'),
      column('session_id', 'string', 'Browsing session id'),
      column('dt', 'string', "UTC date (YYYY-MM-DD) of the session's first event"),
      column('first_event_time', 'timestamp', "event_time of the session's first event"),
      column('last_event_time', 'timestamp', "event_time of the session's last event"),
      column('events', 'int', 'Distinct events in the session'),
      column(
        'funnel_stage',
        'int',
        `Furthest funnel stage reached: ${Object.entries(FUNNEL_STAGE)
          .map(([t, n]) => `${t} ${n}`)
          .join(', ')}`,
      ),
      column('converted', 'boolean', 'True when the session holds a purchase'),
    ],
  };
}

/**
 * `hourly_conversion`: per event-time hour, events, sessions and users of `events_unique`, and the
 * share of users who purchased (the stream aggregator's conversion_rate, exact instead of a sketch).
 */
export function hourlyConversionView(database: string): CatalogViewSpec {
  const purchaser = (key: string) => `count(DISTINCT CASE WHEN "event_type" = '${PURCHASE}' THEN ${key} END)`;
  return {
    name: HOURLY_CONVERSION_VIEW,
    description: 'Per event-time hour (deduplicated events): events, sessions, users, purchasing users and conversion rate',
    sql: `SELECT "dt", "hour", CAST(count(*) AS integer) AS "events",
       CAST(count(DISTINCT "session_id") AS integer) AS "sessions",
       CAST(${purchaser('"session_id"')} AS integer) AS "converting_sessions",
       CAST(count(DISTINCT "user_id") AS integer) AS "users",
       CAST(${purchaser('"user_id"')} AS integer) AS "purchasing_users",
       CAST(${purchaser('"user_id"')} AS double) / count(DISTINCT "user_id") AS "conversion_rate"
FROM ${quoted(database)}.${quoted(UNIQUE_EVENTS_VIEW)}
GROUP BY "dt", "hour"`,
    columns: [
      column('dt', 'string', PARTITION_KEYS[0].comment.replace('partitioning time', 'event time')),
      column('hour', 'string', PARTITION_KEYS[1].comment.replace('partitioning time', 'event time')),
      column('events', 'int', 'Distinct events in the hour'),
      column('sessions', 'int', 'Sessions with an event in the hour'),
      column('converting_sessions', 'int', 'Sessions with a purchase in the hour'),
      column('users', 'int', 'Distinct users with an event in the hour'),
      column('purchasing_users', 'int', 'Distinct users with a purchase in the hour'),
      column('conversion_rate', 'double', 'purchasing_users / users'),
    ],
  };
}

/** Every catalog view, each after the views it reads (the order the catalog and DuckDB create them in). */
export function catalogViews(database: string): CatalogViewSpec[] {
  return [uniqueEventsView(database), sessionsView(database), hourlyConversionView(database)];
}

/**
 * The saved queries over the catalog views. The views read the whole curated table (deduplication
 * and sessions span partitions), so these scan it all, whatever day they ask for.
 */
function viewQueries(database: string): NamedQuerySpec[] {
  const sessions = `${quoted(database)}.${quoted(SESSIONS_VIEW)}`;
  const hourly = `${quoted(database)}.${quoted(HOURLY_CONVERSION_VIEW)}`;
  return [
    {
      id: 'session-funnel-day',
      name: 'Session funnel for a day',
      description: 'Sessions starting on a UTC day by furthest funnel stage, with conversions (parameter: day, YYYY-MM-DD)',
      parameters: [DAY_PARAMETER],
      sql: `SELECT funnel_stage, count(*) AS sessions,
       sum(CASE WHEN converted THEN 1 ELSE 0 END) AS converted_sessions,
       avg(events) AS mean_events,
       avg(date_diff('second', first_event_time, last_event_time)) AS mean_duration_seconds
FROM ${sessions}
WHERE dt = ?
GROUP BY funnel_stage
ORDER BY funnel_stage`,
    },
    {
      id: 'hourly-conversion-day',
      name: 'Hourly conversion for a day',
      description: 'Events, sessions, users and conversion rate per event-time hour of a UTC day (parameter: day, YYYY-MM-DD)',
      parameters: [DAY_PARAMETER],
      sql: `SELECT hour, events, sessions, converting_sessions, users, purchasing_users, conversion_rate
FROM ${hourly}
WHERE dt = ?
ORDER BY hour`,
    },
    {
      id: 'session-conversion-7d',
      name: 'Session conversion per day (last 7 days)',
      description: 'Sessions, converted sessions and their share per UTC day of the first event',
      sql: `SELECT dt, count(*) AS sessions,
       sum(CASE WHEN converted THEN 1 ELSE 0 END) AS converted_sessions,
       CAST(sum(CASE WHEN converted THEN 1 ELSE 0 END) AS double) / count(*) AS session_conversion_rate
FROM ${sessions}
WHERE ${sinceDays(7)}
GROUP BY dt
ORDER BY dt`,
    },
  ];
}
