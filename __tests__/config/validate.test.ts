import * as fc from 'fast-check';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { loadConfig } from '../../stacks/config/load';
import { ConfigValidationError, formatProblem, validateConfig } from '../../stacks/config/validate';

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
    const config = validateConfig({ env: { PROJECT_NAME: 'clickstream', ENVIRONMENT: 'prod', AWS_REGION: 'eu-west-1', SECONDARY_REGION: 'eu-central-1' }, file: {} });
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
    ['equal primary and DR regions', {}, { AWS_REGION: 'eu-west-1', SECONDARY_REGION: 'eu-west-1' }, /^config error: SECONDARY_REGION = "eu-west-1": must differ from AWS_REGION/],
    ['shard count 0', { kinesis: { shardCount: 0 } }, {}, /^config error: kinesis\.shardCount = 0: must be an integer from 1 to 500$/],
    ['project name breaking S3 naming', {}, { PROJECT_NAME: 'Data_Analytics' }, /^config error: PROJECT_NAME = "Data_Analytics": lowercase letters/],
    ['project name too long for bucket names', {}, { PROJECT_NAME: 'a-very-long-project-name-for-buckets' }, /^config error: PROJECT_NAME \+ ENVIRONMENT = ".*": "<project>-<environment>" must be at most \d+ characters/],
    ['malformed e-mail', { observability: { alertEmails: ['oncall@example'] } }, {}, /^config error: observability\.alertEmails\[0\] = "oncall@example": an e-mail address/],
    ['weights summing to zero', { sagemaker: { variants: [{ name: 'a', modelVersion: 'v1', instanceType: 'ml.m5.large', initialInstanceCount: 1, initialWeight: 0 }] } }, {}, /^config error: sagemaker\.variants\[\*\]\.initialWeight = \[0\]: weights must sum to a positive number$/],
    ['retired Redshift node type', { redshift: { nodeType: 'dc2.large' } }, {}, /^config error: redshift\.nodeType = "dc2.large": DC1, DC2 and DS2 node types are retired .*ra3\.large replaces dc2\.large/],
    ['node count outside the type\'s range', { redshift: { nodeType: 'ra3.4xlarge', numberOfNodes: 1 } }, {}, /^config error: redshift\.numberOfNodes = 1: must be an integer from 2 to 32 for ra3\.4xlarge$/],
    ['more nodes than CreateCluster allows', { redshift: { nodeType: 'ra3.xlplus', numberOfNodes: 17 } }, {}, /^config error: redshift\.numberOfNodes = 17: must be an integer from 1 to 16 for ra3\.xlplus$/],
    ['retry forever on the event source mapping', { streamProcessor: { maximumRetryAttempts: -1 } }, {}, /^config error: streamProcessor\.maximumRetryAttempts = -1: .*poison record/],
    ['aggregator retrying forever', { aggregates: { maximumRetryAttempts: -1 } }, {}, /^config error: aggregates\.maximumRetryAttempts = -1: must be an integer from 0 to 10000 \(-1, retry forever/],
    ['aggregator concurrency below the shard count', { kinesis: { shardCount: 4 }, aggregates: { reservedConcurrency: 3 } }, {}, /^config error: aggregates\.reservedConcurrency = 3: must be at least kinesis\.shardCount \(4\)/],
    ['aggregate rule volume floor of 0', { aggregates: { ruleMinEvents: 0 } }, {}, /^config error: aggregates\.ruleMinEvents = 0: must be an integer from 1 to 1000000000$/],
    ['unknown field (typo)', { kinesis: { shardCont: 4 } }, {}, /^config error: kinesis\.shardCont = 4: unknown field; allowed fields here: capacityMode, shardCount, retentionHours, rawArchiveEnabled, rawArchiveBufferSeconds$/],
    ['wrong type', { kinesis: { shardCount: '4' } }, {}, /^config error: kinesis\.shardCount = "4": must be a number, got string$/],
    ['retention outside 24-8760 hours', { kinesis: { retentionHours: 12 } }, {}, /^config error: kinesis\.retentionHours = 12: must be an integer from 24 to 8760$/],
    ['overlapping VPC CIDRs', { network: { drVpcCidr: '10.10.0.0/16' } }, {}, /^config error: network\.drVpcCidr = "10.10.0.0\/16": must not overlap/],
    ['public VPC CIDR', { network: { primaryVpcCidr: '8.8.0.0/16' } }, {}, /^config error: network\.primaryVpcCidr = "8.8.0.0\/16": an IPv4 CIDR block/],
    ['DR mode outside the allowed set', { drMode: 'active-active' }, {}, /^config error: drMode = "active-active": must be one of "pilot-light", "warm-standby"$/],
    ['QuickSight on without a principal', { quicksight: { enabled: true } }, {}, /^config error: quicksight\.principalArn = "": required when quicksight\.enabled is true/],
    ['log retention CloudWatch does not accept', { observability: { logRetentionDays: 100 } }, {}, /^config error: observability\.logRetentionDays = 100: must be one of 1, 3, 5/],
    ['API timeout beyond the HTTP API limit', { inferenceApi: { timeoutSeconds: 30 } }, {}, /^config error: inferenceApi\.timeoutSeconds = 30: must be an integer from 3 to 29 \(the HTTP API integration times out at 30 s\)$/],
    ['non-object file', [1, 2], {}, /^config error: config file = \[1,2\]: must hold a JSON object$/],
    ['duplicate variant names', { sagemaker: { variants: [{ name: 'a', modelVersion: 'v1', instanceType: 'ml.m5.large', initialInstanceCount: 1, initialWeight: 1 }, { name: 'a', modelVersion: 'v2', instanceType: 'ml.m5.large', initialInstanceCount: 1, initialWeight: 1 }] } }, {}, /variant names must be unique/],
    ['glacier before infrequent access', { dataLake: { rawInfrequentAccessDays: 60, rawGlacierDays: 70 } }, {}, /^config error: dataLake\.rawGlacierDays = 70: must be an integer at least 30 days after/],
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
    expect(() => loadConfig({ PLATFORM_CONFIG_FILE: path.join(dir, 'nope.json') }, dir)).toThrow(/PLATFORM_CONFIG_FILE = ".*nope.json": must name an existing JSON file/);
    expect(loadConfig({ ENVIRONMENT: 'fresh' }, dir).environment).toBe('fresh');
  });

  test('the repository default file is valid', () => {
    expect(() => loadConfig({})).not.toThrow();
  });
});

describe('fuzzing: no input makes the validator throw anything but its own error', () => {
  const envArb = fc.dictionary(fc.constantFrom('AWS_REGION', 'SECONDARY_REGION', 'PROJECT_NAME', 'ENVIRONMENT', 'LOCAL_AWS_ENDPOINT', 'TF_STATE_REGION'), fc.string());

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

  test('arbitrary JSON values', () => {
    fc.assert(fc.property(fc.jsonValue(), envArb, (file, env) => void outcome(file, env)), { numRuns: 500 });
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
    fc.assert(fc.property(file, envArb, (f, env) => void outcome(f, env)), { numRuns: 1000 });
  });
});
