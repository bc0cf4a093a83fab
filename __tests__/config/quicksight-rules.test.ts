import { ConfigValidationError, formatProblem, validateConfig } from '../../stacks/config/validate';

const OWNER = 'arn:aws:quicksight:us-east-1:123456789012:group/default/analysts';
const VIEWER = 'arn:aws:quicksight:us-east-1:123456789012:user/default/alice';

function problemsOf(quicksight: Record<string, unknown>): string[] {
  try {
    validateConfig({ env: {}, file: { quicksight } });
  } catch (error) {
    if (error instanceof ConfigValidationError) return error.problems.map(formatProblem);
    throw error;
  }
  return [];
}

describe('quicksight.* validation', () => {
  test('QuickSight on with a principal, viewers and every tunable set is valid', () => {
    expect(
      problemsOf({
        enabled: true,
        principalArn: OWNER,
        dashboardViewerArns: [VIEWER],
        athenaImportMode: 'DIRECT_QUERY',
        redshiftImportMode: 'SPICE',
        refreshInterval: 'DAILY',
        refreshTimeOfDay: '23:59',
        lookbackDays: 90,
      }),
    ).toEqual([]);
  });

  test.each([
    [
      'on without a principal',
      { enabled: true },
      /^config error: quicksight\.principalArn = "": required when quicksight\.enabled is true: a QuickSight user or group ARN/,
    ],
    [
      'on with an IAM role as principal',
      { enabled: true, principalArn: 'arn:aws:iam::123456789012:role/analyst' },
      /^config error: quicksight\.principalArn = "arn:aws:iam::123456789012:role\/analyst": required when quicksight\.enabled is true/,
    ],
    [
      'a viewer that is not a QuickSight principal',
      { enabled: true, principalArn: OWNER, dashboardViewerArns: [VIEWER, 'alice'] },
      /^config error: quicksight\.dashboardViewerArns\[1\] = "alice": a QuickSight user or group ARN/,
    ],
    [
      'the owner listed as a viewer',
      { enabled: true, principalArn: OWNER, dashboardViewerArns: [OWNER] },
      /^config error: quicksight\.dashboardViewerArns = ".*analysts": must not list quicksight\.principalArn/,
    ],
    [
      'an unknown import mode',
      { athenaImportMode: 'CACHED' },
      /^config error: quicksight\.athenaImportMode = "CACHED": must be one of "SPICE", "DIRECT_QUERY"$/,
    ],
    [
      'an unknown Redshift import mode',
      { redshiftImportMode: 'spice' },
      /^config error: quicksight\.redshiftImportMode = "spice": must be one of "SPICE", "DIRECT_QUERY"$/,
    ],
    ['a weekly refresh', { refreshInterval: 'WEEKLY' }, /^config error: quicksight\.refreshInterval = "WEEKLY": must be one of "HOURLY", "DAILY"$/],
    ['a refresh at 24:00', { refreshTimeOfDay: '24:00' }, /^config error: quicksight\.refreshTimeOfDay = "24:00": HH:MM in UTC/],
    ['a refresh time without leading zero', { refreshTimeOfDay: '2:00' }, /^config error: quicksight\.refreshTimeOfDay = "2:00": HH:MM in UTC/],
    [
      'no days of data',
      { lookbackDays: 0 },
      /^config error: quicksight\.lookbackDays = 0: must be an integer from 1 to 90 \(the rows each lake data set holds in SPICE grow with it\)$/,
    ],
    ['more days than the sizing covers', { lookbackDays: 91 }, /^config error: quicksight\.lookbackDays = 91: must be an integer from 1 to 90/],
    ['a fractional day count', { lookbackDays: 1.5 }, /^config error: quicksight\.lookbackDays = 1\.5: must be an integer from 1 to 90/],
  ])('%s is reported with field, value and what is allowed', (_name, quicksight, expected) => {
    expect(problemsOf(quicksight)).toEqual([expect.stringMatching(expected)]);
  });

  test('a wrong tunable is reported while QuickSight is off too, the missing principal only when it is on', () => {
    expect(problemsOf({ enabled: false, refreshInterval: 'WEEKLY' })).toEqual([expect.stringMatching(/^config error: quicksight\.refreshInterval = "WEEKLY"/)]);
    expect(problemsOf({ enabled: false })).toEqual([]);
  });

  test('a viewer list of the wrong type is a type error naming the field', () => {
    expect(problemsOf({ dashboardViewerArns: VIEWER })).toEqual([
      expect.stringMatching(/^config error: quicksight\.dashboardViewerArns = ".*alice": must be an? /),
    ]);
  });
});
