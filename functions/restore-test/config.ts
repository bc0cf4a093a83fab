/**
 * The restore test's settings, read once from the environment at cold start. A bad environment
 * fails the init naming every problem at once (the WarehouseRestoreTest construct sets them all).
 */
import { type Environment, AWS_REGION_NAME, decimal, integer, matching, NON_EMPTY, POWERTOOLS_ENV, readEnvironment } from '../shared/env';
import { WAREHOUSE_SCHEMA } from '../warehouse-loader/sql';

/** Environment variable names, also the keys of the construct's environment map. */
export const ENV = {
  ...POWERTOOLS_ENV,
  sourceClusterIdentifier: 'SOURCE_CLUSTER_IDENTIFIER',
  sourceRegion: 'SOURCE_REGION',
  clusterPrefix: 'TEMP_CLUSTER_PREFIX',
  nodeType: 'NODE_TYPE',
  numberOfNodes: 'NUMBER_OF_NODES',
  subnetGroup: 'CLUSTER_SUBNET_GROUP',
  securityGroupId: 'SECURITY_GROUP_ID',
  parameterGroup: 'PARAMETER_GROUP',
  kmsKeyId: 'KMS_KEY_ID',
  database: 'DATABASE_NAME',
  dbUser: 'DB_USER',
  schema: 'WAREHOUSE_SCHEMA',
  workgroup: 'ATHENA_WORKGROUP',
  lakeDatabase: 'LAKE_DATABASE',
  windowHours: 'COUNT_WINDOW_HOURS',
  settleMinutes: 'SETTLE_MINUTES',
  tolerance: 'ROW_COUNT_TOLERANCE',
  restoreTimeoutMinutes: 'RESTORE_TIMEOUT_MINUTES',
  timeReserveMs: 'TIME_RESERVE_MS',
} as const;

export const RESTORE_TEST_DEFAULTS = { schema: WAREHOUSE_SCHEMA, timeReserveMs: 10_000 } as const;

/** Temporary cluster identifiers are `<prefix>-<yyyymmddhhmmss>` (63 characters at most). */
export const CLUSTER_PREFIX = matching(/^[a-z][a-z0-9-]{0,46}[a-z0-9]$/, 'a Redshift cluster identifier prefix of 2-48 lowercase letters, digits and hyphens');

export interface RestoreTestConfig {
  /** The primary cluster whose copied snapshots are restored. */
  readonly sourceClusterIdentifier: string;
  /** The region the snapshots were copied from (the primary). */
  readonly sourceRegion: string;
  readonly clusterPrefix: string;
  readonly nodeType: string;
  readonly numberOfNodes: number;
  readonly subnetGroup: string;
  readonly securityGroupId: string;
  readonly parameterGroup: string;
  readonly kmsKeyId: string;
  readonly database: string;
  /** Database user the count signs in as (IAM temporary credentials): the loader's, present in every snapshot. */
  readonly dbUser: string;
  readonly schema: string;
  readonly workgroup: string;
  readonly lakeDatabase: string;
  readonly windowHours: number;
  readonly settleMinutes: number;
  readonly tolerance: number;
  readonly restoreTimeoutMinutes: number;
  /** Every AWS call ends this long before the function timeout. */
  readonly timeReserveMs: number;
}

export function readConfig(env: Environment): RestoreTestConfig {
  return readEnvironment(env, (vars) => ({
    sourceClusterIdentifier: vars.required(ENV.sourceClusterIdentifier, NON_EMPTY),
    sourceRegion: vars.required(ENV.sourceRegion, AWS_REGION_NAME),
    clusterPrefix: vars.required(ENV.clusterPrefix, CLUSTER_PREFIX),
    nodeType: vars.required(ENV.nodeType, NON_EMPTY),
    numberOfNodes: vars.required(ENV.numberOfNodes, integer({ min: 1, max: 128 })),
    subnetGroup: vars.required(ENV.subnetGroup, NON_EMPTY),
    securityGroupId: vars.required(ENV.securityGroupId, matching(/^sg-[0-9a-f]+$/, 'a security group id such as sg-0123abcd')),
    parameterGroup: vars.required(ENV.parameterGroup, NON_EMPTY),
    kmsKeyId: vars.required(ENV.kmsKeyId, NON_EMPTY),
    database: vars.required(ENV.database, NON_EMPTY),
    dbUser: vars.required(ENV.dbUser, NON_EMPTY),
    schema: vars.withDefault(ENV.schema, NON_EMPTY, RESTORE_TEST_DEFAULTS.schema),
    workgroup: vars.required(ENV.workgroup, NON_EMPTY),
    lakeDatabase: vars.required(ENV.lakeDatabase, NON_EMPTY),
    windowHours: vars.required(ENV.windowHours, integer({ min: 1, max: 168 })),
    settleMinutes: vars.required(ENV.settleMinutes, integer({ min: 0, max: 1440 })),
    tolerance: vars.required(ENV.tolerance, decimal({ min: 0, max: 1 })),
    restoreTimeoutMinutes: vars.required(ENV.restoreTimeoutMinutes, integer({ min: 10, max: 1440 })),
    timeReserveMs: vars.withDefault(ENV.timeReserveMs, integer({ min: 1_000, max: 60_000 }), RESTORE_TEST_DEFAULTS.timeReserveMs),
  }));
}
