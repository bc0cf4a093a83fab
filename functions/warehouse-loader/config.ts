/**
 * The loader's settings, read once from the environment at cold start. A bad environment fails
 * the init naming every missing variable at once (the WarehouseLoader construct sets them all).
 */
import { type Environment, NON_EMPTY, POWERTOOLS_ENV, readEnvironment } from '../shared/env';
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
} as const;

export interface LoaderConfig {
  readonly clusterIdentifier: string;
  readonly database: string;
  /** Database user the loader signs in as, with IAM temporary credentials. */
  readonly dbUser: string;
  readonly lakeBucket: string;
  readonly manifestBucket: string;
  /** @default WAREHOUSE_SCHEMA */
  readonly schema: string;
}

export function readConfig(env: Environment): LoaderConfig {
  return readEnvironment(env, (vars) => ({
    clusterIdentifier: vars.required(ENV.clusterIdentifier, NON_EMPTY),
    database: vars.required(ENV.database, NON_EMPTY),
    dbUser: vars.required(ENV.dbUser, NON_EMPTY),
    lakeBucket: vars.required(ENV.lakeBucket, NON_EMPTY),
    manifestBucket: vars.required(ENV.manifestBucket, NON_EMPTY),
    schema: vars.withDefault(ENV.schema, NON_EMPTY, WAREHOUSE_SCHEMA),
  }));
}
