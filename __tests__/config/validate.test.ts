import * as fc from 'fast-check';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { loadConfig } from '../../stacks/config/load';
import { TUNABLE_DEFAULTS } from '../../stacks/config/defaults';
import { type ConfigProblem, ConfigValidationError, formatProblem, validateConfig } from '../../stacks/config/validate';

function isSection(value: unknown): boolean {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && Object.keys(value).length > 0;
}

function mentionsNull(value: unknown): boolean {
  if (value === null) return true;
  if (typeof value === 'string') return value.includes('null');
  if (typeof value === 'object') return Object.entries(value as object).some(([k, v]) => k.includes('null') || mentionsNull(v));
  return false;
}

/** The problems of one validation (or of `run`), [] when it succeeds. */
function problems(file: unknown, env: Record<string, string>, run: () => unknown = () => validateConfig({ env, file })): ConfigProblem[] {
  try {
    run();
  } catch (error) {
    if (error instanceof ConfigValidationError) return [...error.problems];
    throw error;
  }
  return [];
}

function problemsOf(file: unknown, env: Record<string, string> = {}): string[] {
  try {
    validateConfig({ env, file });
  } catch (error) {
    if (error instanceof ConfigValidationError) return error.problems.map(formatProblem);
    throw error;
  }
  return [];
}

describe('configuration defaults', () => {
  test('no file and no environment gives the documented defaults', () => {
    const config = validateConfig({ env: {}, file: undefined });
    expect(config).toMatchObject({
      projectName: 'data-analytics-ml',
      environment: 'analytics',
      primaryRegion: 'us-east-1',
      drRegion: 'us-west-2',
      drMode: 'pilot-light',
      kinesis: { capacityMode: 'provisioned', shardCount: 2, retentionHours: 168 },
      redshift: { nodeType: 'ra3.large' },
    });
    expect(config.sagemaker.variants.map((v) => v.name)).toEqual(['champion', 'challenger']);
  });

  test('environment variables set project, environment and regions', () => {
    const config = validateConfig({
      env: { PROJECT_NAME: 'clickstream', ENVIRONMENT: 'prod', AWS_REGION: 'eu-west-1', SECONDARY_REGION: 'eu-central-1' },
      file: {},
    });
    expect(config).toMatchObject({ projectName: 'clickstream', environment: 'prod', primaryRegion: 'eu-west-1', drRegion: 'eu-central-1' });
  });

  test('a file overrides only what it names', () => {
    const config = validateConfig({ env: {}, file: { kinesis: { shardCount: 8 } } });
    expect(config.kinesis).toEqual({ capacityMode: 'provisioned', shardCount: 8, retentionHours: 168, rawArchiveEnabled: true, rawArchiveBufferSeconds: 300 });
  });
});

describe('each class of bad input is reported with field, value and what is allowed', () => {
  const cases: [string, unknown, Record<string, string>, RegExp][] = [
    ['unknown region', {}, { AWS_REGION: 'us-middle-1' }, /^config error: AWS_REGION = "us-middle-1": must be one of "us-east-1"/],
    [
      'equal primary and DR regions',
      {},
      { AWS_REGION: 'eu-west-1', SECONDARY_REGION: 'eu-west-1' },
      /^config error: SECONDARY_REGION = "eu-west-1": must differ from AWS_REGION/,
    ],
    ['shard count 0', { kinesis: { shardCount: 0 } }, {}, /^config error: kinesis\.shardCount = 0: must be an integer from 1 to 500$/],
    ['project name breaking S3 naming', {}, { PROJECT_NAME: 'Data_Analytics' }, /^config error: PROJECT_NAME = "Data_Analytics": lowercase letters/],
    [
      'project name too long for bucket names',
      {},
      { PROJECT_NAME: 'a-very-long-project-name-for-buckets' },
      /^config error: PROJECT_NAME \+ ENVIRONMENT = ".*": "<project>-<environment>" must be at most \d+ characters/,
    ],
    [
      'malformed e-mail',
      { observability: { alertEmails: ['oncall@example'] } },
      {},
      /^config error: observability\.alertEmails\[0\] = "oncall@example": an e-mail address/,
    ],
    [
      'weights summing to zero',
      { sagemaker: { variants: [{ name: 'a', modelVersion: 'v1', instanceType: 'ml.m5.large', initialInstanceCount: 1, initialWeight: 0 }] } },
      {},
      /^config error: sagemaker\.variants\[\*\]\.initialWeight = \[0\]: weights must sum to a positive number$/,
    ],
    [
      'retired Redshift node type',
      { redshift: { nodeType: 'dc2.large' } },
      {},
      /^config error: redshift\.nodeType = "dc2.large": DC1, DC2 and DS2 node types are retired .*ra3\.large replaces dc2\.large/,
    ],
    [
      "node count outside the type's range",
      { redshift: { nodeType: 'ra3.4xlarge', numberOfNodes: 1 } },
      {},
      /^config error: redshift\.numberOfNodes = 1: must be an integer from 2 to 32 for ra3\.4xlarge$/,
    ],
    [
      'more nodes than CreateCluster allows',
      { redshift: { nodeType: 'ra3.xlplus', numberOfNodes: 17 } },
      {},
      /^config error: redshift\.numberOfNodes = 17: must be an integer from 1 to 16 for ra3\.xlplus$/,
    ],
    [
      'retry forever on the event source mapping',
      { streamProcessor: { maximumRetryAttempts: -1 } },
      {},
      /^config error: streamProcessor\.maximumRetryAttempts = -1: .*poison record/,
    ],
    [
      'aggregator retrying forever',
      { aggregates: { maximumRetryAttempts: -1 } },
      {},
      /^config error: aggregates\.maximumRetryAttempts = -1: must be an integer from 0 to 10000 \(-1, retry forever/,
    ],
    [
      'aggregator concurrency below the shard count',
      { kinesis: { shardCount: 4 }, aggregates: { reservedConcurrency: 3 } },
      {},
      /^config error: aggregates\.reservedConcurrency = 3: must be at least kinesis\.shardCount \(4\)/,
    ],
    [
      'aggregate rule volume floor of 0',
      { aggregates: { ruleMinEvents: 0 } },
      {},
      /^config error: aggregates\.ruleMinEvents = 0: must be an integer from 1 to 1000000000$/,
    ],
    [
      'unknown field (typo)',
      { kinesis: { shardCont: 4 } },
      {},
      /^config error: kinesis\.shardCont = 4: unknown field; allowed fields here: capacityMode, shardCount, retentionHours, rawArchiveEnabled, rawArchiveBufferSeconds$/,
    ],
    ['wrong type', { kinesis: { shardCount: '4' } }, {}, /^config error: kinesis\.shardCount = "4": must be a number, got string$/],
    [
      'retention outside 24-8760 hours',
      { kinesis: { retentionHours: 12 } },
      {},
      /^config error: kinesis\.retentionHours = 12: must be an integer from 24 to 8760$/,
    ],
    ['overlapping VPC CIDRs', { network: { drVpcCidr: '10.10.0.0/16' } }, {}, /^config error: network\.drVpcCidr = "10.10.0.0\/16": must not overlap/],
    ['public VPC CIDR', { network: { primaryVpcCidr: '8.8.0.0/16' } }, {}, /^config error: network\.primaryVpcCidr = "8.8.0.0\/16": an IPv4 CIDR block/],
    [
      'DR mode outside the allowed set',
      { drMode: 'active-active' },
      {},
      /^config error: drMode = "active-active": must be one of "pilot-light", "warm-standby"$/,
    ],
    [
      'QuickSight on without a principal',
      { quicksight: { enabled: true } },
      {},
      /^config error: quicksight\.principalArn = "": required when quicksight\.enabled is true/,
    ],
    [
      'log retention CloudWatch does not accept',
      { observability: { logRetentionDays: 100 } },
      {},
      /^config error: observability\.logRetentionDays = 100: must be one of 1, 3, 5/,
    ],
    [
      'API timeout beyond the HTTP API limit',
      { inferenceApi: { timeoutSeconds: 30 } },
      {},
      /^config error: inferenceApi\.timeoutSeconds = 30: must be an integer from 3 to 29 \(the HTTP API integration times out at 30 s\)$/,
    ],
    ['non-object file', [1, 2], {}, /^config error: config file = \[1,2\]: must hold a JSON object, got array$/],
    [
      'duplicate variant names',
      {
        sagemaker: {
          variants: [
            { name: 'a', modelVersion: 'v1', instanceType: 'ml.m5.large', initialInstanceCount: 1, initialWeight: 1 },
            { name: 'a', modelVersion: 'v2', instanceType: 'ml.m5.large', initialInstanceCount: 1, initialWeight: 1 },
          ],
        },
      },
      {},
      /variant names must be unique/,
    ],
    [
      'glacier before infrequent access',
      { dataLake: { rawInfrequentAccessDays: 60, rawGlacierDays: 70 } },
      {},
      /^config error: dataLake\.rawGlacierDays = 70: must be an integer at least 30 days after/,
    ],
    [
      'raw archive freshness within its own buffer',
      { kinesis: { rawArchiveBufferSeconds: 600 }, observability: { alarms: { rawArchiveFreshnessSeconds: 620 } } },
      {},
      /^config error: observability\.alarms\.rawArchiveFreshnessSeconds = 620: must be an integer from 660 to 86400 \(at least a minute above kinesis\.rawArchiveBufferSeconds, 600 s/,
    ],
    [
      'unknown Security Hub severity',
      { observability: { alarms: { securityHubMinSeverity: 'SEVERE' } } },
      {},
      /^config error: observability\.alarms\.securityHubMinSeverity = "SEVERE": must be one of "LOW", "MEDIUM", "HIGH", "CRITICAL"$/,
    ],
    [
      'duration alarm above the timeout',
      { observability: { alarms: { lambdaDurationTimeoutRatio: 1.2 } } },
      {},
      /^config error: observability\.alarms\.lambdaDurationTimeoutRatio = 1\.2: must be a number from 0\.1 to 1$/,
    ],
  ];

  test.each(cases)('%s', (_name, file, env, expected) => {
    const problems = problemsOf(file, env);
    expect(problems).toEqual(expect.arrayContaining([expect.stringMatching(expected)]));
  });

  test('every problem is reported at once, one line each', () => {
    const problems = problemsOf({ kinesis: { shardCount: 0 }, observability: { alertEmails: ['x'] } }, { AWS_REGION: 'mars-1' });
    expect(problems.length).toBeGreaterThanOrEqual(3);
    for (const line of problems) expect(line).not.toContain('\n');
  });
});

describe('loadConfig', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'daml-config-'));

  test('reads config/<ENVIRONMENT>.json', () => {
    fs.writeFileSync(path.join(dir, 'staging.json'), JSON.stringify({ kinesis: { shardCount: 3 } }));
    expect(loadConfig({ ENVIRONMENT: 'staging' }, dir).kinesis.shardCount).toBe(3);
  });

  test('invalid JSON names the file and says it must be valid JSON', () => {
    fs.writeFileSync(path.join(dir, 'broken.json'), '{ "kinesis": ');
    expect(() => loadConfig({ ENVIRONMENT: 'broken' }, dir)).toThrow(/broken\.json = ".*": must be valid JSON/);
  });

  test('a missing explicit file is an error, a missing environment file means defaults', () => {
    expect(() => loadConfig({ PLATFORM_CONFIG_FILE: path.join(dir, 'nope.json') }, dir)).toThrow(
      /PLATFORM_CONFIG_FILE = ".*nope.json": must name an existing JSON file/,
    );
    expect(loadConfig({ ENVIRONMENT: 'fresh' }, dir).environment).toBe('fresh');
  });

  test('the repository default file is valid', () => {
    expect(() => loadConfig({})).not.toThrow();
  });
});

describe('fuzzing: no input makes the validator throw anything but its own error', () => {
  const envArb = fc.dictionary(
    fc.constantFrom('AWS_REGION', 'SECONDARY_REGION', 'PROJECT_NAME', 'ENVIRONMENT', 'LOCAL_AWS_ENDPOINT', 'TF_STATE_REGION'),
    fc.string(),
  );

  function outcome(file: unknown, env: Record<string, string>): 'ok' | 'config-error' {
    try {
      validateConfig({ env, file });
      return 'ok';
    } catch (error) {
      if (error instanceof ConfigValidationError) {
        expect(error.problems.length).toBeGreaterThan(0);
        for (const p of error.problems) expect(typeof p.field).toBe('string');
        return 'config-error';
      }
      throw error;
    }
  }

  test('arbitrary JSON values: only an object (or no file) is accepted', () => {
    const anyFile = fc.oneof(fc.constant(null), fc.constant(undefined), fc.jsonValue());
    fc.assert(
      fc.property(anyFile, envArb, (file, env) => {
        if (outcome(file, env) === 'ok') expect(file === undefined || (typeof file === 'object' && file !== null && !Array.isArray(file))).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  // Keys a file can hold that a naive `key in defaults` lookup finds on Object.prototype.
  const prototypeKeys = Object.getOwnPropertyNames(Object.prototype);
  const keyArb = fc.oneof(fc.constantFrom(...prototypeKeys), fc.string({ maxLength: 12 }));
  const sectionArb = fc.constantFrom('', ...Object.keys(TUNABLE_DEFAULTS).filter((k) => isSection((TUNABLE_DEFAULTS as Record<string, unknown>)[k])));

  test('every key that is not an own field of its section is reported as unknown', () => {
    fc.assert(
      fc.property(sectionArb, keyArb, fc.jsonValue(), (section, key, leaf) => {
        const defaults = section
          ? ((TUNABLE_DEFAULTS as Record<string, unknown>)[section] as Record<string, unknown>)
          : (TUNABLE_DEFAULTS as Record<string, unknown>);
        fc.pre(!Object.hasOwn(defaults, key));
        // Built from JSON text so that "__proto__" becomes an own key, as it does in a file.
        const inner = `{ ${JSON.stringify(key)}: ${JSON.stringify(leaf)} }`;
        const file = JSON.parse(section ? `{ ${JSON.stringify(section)}: ${inner} }` : inner);
        const field = section ? `${section}.${key}` : key;
        expect(problems(file, {}).some((p) => p.field === field && p.allowed.startsWith('unknown field'))).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  test('a reported value is rendered faithfully: never "null" for a value that holds no null', () => {
    const leaf = fc.oneof(fc.double(), fc.constantFrom(Infinity, -Infinity, NaN), fc.array(fc.double(), { maxLength: 3 }), fc.string({ maxLength: 8 }));
    const file = fc.record(
      {
        kinesis: fc.dictionary(fc.constantFrom('shardCount', 'retentionHours'), leaf),
        observability: fc.record({ alertEmails: fc.array(leaf, { maxLength: 3 }), monthlyBudgetUsd: leaf }, { requiredKeys: [] }),
        tags: fc.record({ extra: fc.dictionary(fc.constantFrom('team', 'app'), leaf) }, { requiredKeys: [] }),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(fc.oneof(file, fc.array(leaf, { maxLength: 3 })), (f) => {
        for (const p of problems(f, {})) {
          const line = formatProblem(p);
          const rendered = line.slice(`config error: ${p.field} = `.length, line.length - `: ${p.allowed}`.length);
          if (rendered.includes('null')) expect(mentionsNull(p.value)).toBe(true);
        }
      }),
      { numRuns: 500 },
    );
  });

  test('no ENVIRONMENT value reads a file other than config/<ENVIRONMENT>.json', () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'daml-config-fuzz-'));
    const dir = path.join(root, 'config');
    fs.mkdirSync(dir);
    // Reachable by traversal: read, each would add a shardCount problem.
    for (const trap of [path.join(root, 'package.json'), path.join(root, 'x.json'), path.join(dir, 'sub', 'x.json')]) {
      fs.mkdirSync(path.dirname(trap), { recursive: true });
      fs.writeFileSync(trap, JSON.stringify({ kinesis: { shardCount: 0 } }));
    }
    const pathLike = fc.array(fc.constantFrom('..', '.', '/', 'sub', 'x', 'package', '\\', '-', 'a'), { maxLength: 6 }).map((parts) => parts.join(''));
    fc.assert(
      fc.property(fc.oneof(pathLike, fc.string()), (environment) => {
        const lines = problems(undefined, {}, () => loadConfig({ ENVIRONMENT: environment }, dir));
        expect(lines.some((p) => p.field.startsWith('kinesis'))).toBe(false);
        const valid = /^[a-z0-9]+(-[a-z0-9]+)*$/.test(environment) && environment.length >= 2;
        if (!valid && environment !== '') expect(lines.map((p) => p.field)).toEqual(['ENVIRONMENT']);
      }),
      { numRuns: 500 },
    );
  });

  test('structurally plausible files with wrong leaves', () => {
    const leaf = fc.oneof(fc.integer(), fc.double(), fc.string(), fc.boolean(), fc.constant(null), fc.array(fc.anything(), { maxLength: 3 }), fc.object());
    const section = (keys: string[]) => fc.dictionary(fc.constantFrom(...keys), leaf);
    const file = fc.record(
      {
        kinesis: section(['capacityMode', 'shardCount', 'retentionHours', 'typo']),
        redshift: section(['nodeType', 'numberOfNodes', 'maintenanceWindow', 'enabled']),
        sagemaker: fc.record({ variants: fc.array(fc.oneof(fc.object(), leaf), { maxLength: 4 }) }, { requiredKeys: [] }),
        observability: fc.record({ alertEmails: fc.array(leaf, { maxLength: 3 }), alarms: section(['iteratorAgeMs', 'api5xxRate']) }, { requiredKeys: [] }),
        tags: fc.record({ extra: fc.oneof(fc.dictionary(fc.string(), leaf), leaf) }, { requiredKeys: [] }),
        network: section(['primaryVpcCidr', 'drVpcCidr', 'natStrategy', 'maxAzs']),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(file, envArb, (f, env) => void outcome(f, env)),
      { numRuns: 1000 },
    );
  });
});
