/**
 * The loader's settings, read once from the environment at cold start. A bad environment fails
 * the init naming every missing variable at once (the WarehouseLoader construct sets them all).
 */
import { type Environment, integer, NON_EMPTY, POWERTOOLS_ENV, readEnvironment } from '../shared/env';
import { CANCEL_GRACE_MS } from './data-api';
import { WAREHOUSE_SCHEMA } from './sql';

/** Environment variable names, also the keys of the construct's environment map. */
export const ENV = {
  ...POWERTOOLS_ENV,
  clusterIdentifier: 'CLUSTER_IDENTIFIER',
  database: 'DATABASE_NAME',
  dbUser: 'DB_USER',
  lakeBucket: 'LAKE_BUCKET',
  manifestBucket: 'MANIFEST_BUCKET',
  schema: 'WAREHOUSE_SCHEMA',
  timeReserveMs: 'TIME_RESERVE_MS',
  minMillisPerMessage: 'MIN_MILLIS_PER_MESSAGE',
} as const;

/** Defaults of the time settings. */
export const LOADER_TIME_DEFAULTS = { timeReserveMs: 5_000, minMillisPerMessage: 60_000 } as const;

export interface LoaderConfig {
  readonly clusterIdentifier: string;
  readonly database: string;
  /** Database user the loader signs in as, with IAM temporary credentials. */
  readonly dbUser: string;
  readonly lakeBucket: string;
  readonly manifestBucket: string;
  /** @default WAREHOUSE_SCHEMA */
  readonly schema: string;
  /** TIME_RESERVE_MS (0-60000, default 5000): every AWS call ends this long before the function timeout, left for reporting the batch. */
  readonly timeReserveMs: number;
  /** MIN_MILLIS_PER_MESSAGE (0-900000, default 60000): a message is started only with this much time before the deadline. */
  readonly minMillisPerMessage: number;
}

export function readConfig(env: Environment): LoaderConfig {
  return readEnvironment(env, (vars) => ({
    clusterIdentifier: vars.required(ENV.clusterIdentifier, NON_EMPTY),
    database: vars.required(ENV.database, NON_EMPTY),
    dbUser: vars.required(ENV.dbUser, NON_EMPTY),
    lakeBucket: vars.required(ENV.lakeBucket, NON_EMPTY),
    manifestBucket: vars.required(ENV.manifestBucket, NON_EMPTY),
    schema: vars.withDefault(ENV.schema, NON_EMPTY, WAREHOUSE_SCHEMA),
    // At least the grace a statement still running at the deadline gets to be cancelled in.
    timeReserveMs: vars.withDefault(ENV.timeReserveMs, integer({ min: CANCEL_GRACE_MS, max: 60_000 }), LOADER_TIME_DEFAULTS.timeReserveMs),
    minMillisPerMessage: vars.withDefault(ENV.minMillisPerMessage, integer({ min: 0, max: 900_000 }), LOADER_TIME_DEFAULTS.minMillisPerMessage),
  }));
}
