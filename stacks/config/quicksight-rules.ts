import { type Rule, integerIn, oneOf } from './rules';
import type { PlatformConfig } from './types';

const PRINCIPAL_ARN = /^arn:aws:quicksight:[a-z0-9-]+:\d{12}:(user|group)\/.+$/;
const PRINCIPAL_ALLOWED = 'a QuickSight user or group ARN, arn:aws:quicksight:<region>:<account>:user/<namespace>/<name>';
const TIME_OF_DAY = /^([01]\d|2[0-3]):[0-5]\d$/;
export const QUICKSIGHT_IMPORT_MODES = ['SPICE', 'DIRECT_QUERY'] as const;
export const QUICKSIGHT_REFRESH_INTERVALS = ['HOURLY', 'DAILY'] as const;
/** Most days a lake data set may hold (SPICE sizing in docs/warehouse.md). */
export const MAX_LOOKBACK_DAYS = 90;

/**
 * The checks of `quicksight.*`. The principal is required only when QuickSight is on; the other
 * fields have defaults, so a wrong value is reported whether or not QuickSight is on (a typo must
 * not wait for the day the flag is turned on).
 */
export function quicksightRules(c: PlatformConfig): Rule[] {
  const q = c.quicksight;
  return [
    {
      field: 'quicksight.principalArn',
      value: q.principalArn,
      ok: !q.enabled || PRINCIPAL_ARN.test(q.principalArn),
      allowed: `required when quicksight.enabled is true: ${PRINCIPAL_ALLOWED}`,
    },
    ...q.dashboardViewerArns.map((arn, i) => ({
      field: `quicksight.dashboardViewerArns[${i}]`,
      value: arn,
      ok: typeof arn === 'string' && PRINCIPAL_ARN.test(arn),
      allowed: PRINCIPAL_ALLOWED,
    })),
    {
      field: 'quicksight.dashboardViewerArns',
      value: q.principalArn,
      ok: !q.dashboardViewerArns.includes(q.principalArn),
      allowed: 'must not list quicksight.principalArn, which owns the dashboard already (QuickSight takes one permission entry per principal)',
    },
    oneOf('quicksight.athenaImportMode', q.athenaImportMode, QUICKSIGHT_IMPORT_MODES),
    oneOf('quicksight.redshiftImportMode', q.redshiftImportMode, QUICKSIGHT_IMPORT_MODES),
    oneOf('quicksight.refreshInterval', q.refreshInterval, QUICKSIGHT_REFRESH_INTERVALS),
    { field: 'quicksight.refreshTimeOfDay', value: q.refreshTimeOfDay, ok: TIME_OF_DAY.test(q.refreshTimeOfDay), allowed: 'HH:MM in UTC, e.g. "02:00"' },
    integerIn('quicksight.lookbackDays', q.lookbackDays, 1, MAX_LOOKBACK_DAYS, ' (the rows each lake data set holds in SPICE grow with it)'),
  ];
}
