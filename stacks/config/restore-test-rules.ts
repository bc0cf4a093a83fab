/**
 * Validation rules of the warehouse restore test (redshift.restoreTest). validate.ts applies them
 * with the others; each names the field, the value and what is allowed.
 */
import { PlatformNaming } from '../naming';
import { cronMinutesOfWeek } from './pause-schedule';
import { integerIn, numberIn, type Rule } from './rules';
import type { PlatformConfig } from './types';

export const RESTORE_TEST_SCHEDULE_ALLOWED =
  'an EventBridge Scheduler expression cron(<minute> <hour> ? * <days> *) in UTC, e.g. "cron(0 6 ? * SUN *)": minute 0-59, hour 0-23, days * or SUN-SAT (or 1-7) as names, ranges and lists';

/** Characters a run adds to the temporary cluster prefix: `-yyyymmddhhmmss`. */
export const RUN_SUFFIX_LENGTH = 15;
/** Redshift's cluster identifier limit. */
const MAX_CLUSTER_IDENTIFIER = 63;

/** The temporary clusters' identifier prefix in the DR region: what the function's IAM policy is scoped to. */
export function restoreTestClusterPrefix(config: Pick<PlatformConfig, 'projectName' | 'environment' | 'primaryRegion' | 'drRegion'>): string {
  return new PlatformNaming(config).regional('restore-test', config.drRegion);
}

function prefixOrEmpty(c: PlatformConfig): string {
  try {
    return restoreTestClusterPrefix(c);
  } catch {
    return '';
  }
}

export function restoreTestRules(c: PlatformConfig, nodeCounts: Readonly<Record<string, { min: number; max: number }>>): Rule[] {
  const t = c.redshift.restoreTest;
  const limits = Object.hasOwn(nodeCounts, t.nodeType) ? nodeCounts[t.nodeType] : undefined;
  // An unknown region is reported by its own rule; the prefix is only checked when it can be built.
  const prefix = prefixOrEmpty(c);
  return [
    {
      field: 'redshift.restoreTest.schedule',
      value: t.schedule,
      ok: cronMinutesOfWeek(t.schedule) !== undefined,
      allowed: `must be ${RESTORE_TEST_SCHEDULE_ALLOWED}`,
    },
    { field: 'redshift.restoreTest.nodeType', value: t.nodeType, ok: limits !== undefined, allowed: `must be one of ${Object.keys(nodeCounts).join(', ')}` },
    ...(limits ? [integerIn('redshift.restoreTest.numberOfNodes', t.numberOfNodes, limits.min, limits.max, ` for ${t.nodeType}`)] : []),
    integerIn('redshift.restoreTest.countWindowHours', t.countWindowHours, 1, 168),
    integerIn('redshift.restoreTest.settleMinutes', t.settleMinutes, 0, 1440),
    numberIn('redshift.restoreTest.rowCountTolerance', t.rowCountTolerance, 0, 1),
    integerIn('redshift.restoreTest.restoreTimeoutMinutes', t.restoreTimeoutMinutes, 30, 1440),
    {
      field: 'redshift.restoreTest.enabled',
      value: t.enabled,
      ok: !t.enabled || c.redshift.enabled,
      allowed: 'a restore test needs the warehouse and its snapshot copy: set redshift.enabled to true, or leave the restore test off',
    },
    {
      field: 'PROJECT_NAME + ENVIRONMENT',
      value: prefix,
      ok: !t.enabled || prefix.length + RUN_SUFFIX_LENGTH <= MAX_CLUSTER_IDENTIFIER,
      allowed: `with redshift.restoreTest.enabled, the temporary cluster prefix "<project>-<environment>-restore-test-<region code>" must be at most ${MAX_CLUSTER_IDENTIFIER - RUN_SUFFIX_LENGTH} characters (a run adds ${RUN_SUFFIX_LENGTH}; Redshift allows ${MAX_CLUSTER_IDENTIFIER})`,
    },
  ];
}
