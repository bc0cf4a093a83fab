import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { loadConfig } from '../../stacks/config/load';
import { regionShortCode } from '../../stacks/config/regions';
import { ConfigValidationError, formatProblem, validateConfig } from '../../stacks/config/validate';

/** The one-line problems a load reports, or [] when it succeeds. */
function linesOf(run: () => unknown): string[] {
  try {
    run();
  } catch (error) {
    if (error instanceof ConfigValidationError) return error.problems.map(formatProblem);
    throw error;
  }
  return [];
}

function tempConfigDir(): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'daml-hostile-'));
  fs.mkdirSync(path.join(root, 'config'));
  return root;
}

describe('a config file holding null', () => {
  test('validateConfig reports it instead of taking the defaults', () => {
    expect(linesOf(() => validateConfig({ env: {}, file: null, fileLabel: 'config/staging.json' }))).toEqual([
      'config error: config/staging.json = null: must hold a JSON object, got null',
    ]);
  });

  test('loadConfig reports a file whose whole content is null', () => {
    const root = tempConfigDir();
    fs.writeFileSync(path.join(root, 'config', 'staging.json'), 'null\n');
    const lines = linesOf(() => loadConfig({ ENVIRONMENT: 'staging' }, path.join(root, 'config')));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^config error: .*staging\.json = null: must hold a JSON object, got null$/);
  });

  test('a missing file still means the defaults', () => {
    expect(linesOf(() => validateConfig({ env: {}, file: undefined }))).toEqual([]);
  });
});

describe('keys that exist on Object.prototype are unknown fields', () => {
  const names = ['constructor', 'toString', 'valueOf', 'hasOwnProperty', '__proto__', '__defineGetter__'];

  test.each(names)('%s at the top level and inside a section', (name) => {
    // JSON.parse makes "__proto__" an own key, exactly as a file on disk would.
    const file = JSON.parse(`{ ${JSON.stringify(name)}: 1, "kinesis": { ${JSON.stringify(name)}: 2 } }`);
    const lines = linesOf(() => validateConfig({ env: {}, file }));
    expect(lines).toEqual(
      expect.arrayContaining([
        expect.stringMatching(new RegExp(`^config error: ${escape(name)} = 1: unknown field; allowed fields here: drMode, protected, development, `)),
        `config error: kinesis.${name} = 2: unknown field; allowed fields here: capacityMode, shardCount, retentionHours, rawArchiveEnabled, rawArchiveBufferSeconds`,
      ]),
    );
  });

  test('a variant missing a field is not completed from Object.prototype', () => {
    const variant = JSON.parse('{ "name": "a", "modelVersion": "v1", "instanceType": "ml.m5.large", "initialWeight": 1, "constructor": 1 }');
    const lines = linesOf(() => validateConfig({ env: {}, file: { sagemaker: { variants: [variant] } } }));
    expect(lines).toEqual(
      expect.arrayContaining([
        'config error: sagemaker.variants[0].initialInstanceCount = (missing): required for every variant',
        expect.stringMatching(/^config error: sagemaker\.variants\[0\]\.constructor = 1: unknown field/),
      ]),
    );
  });

  test('a node type named after a prototype key is an unknown node type', () => {
    const lines = linesOf(() => validateConfig({ env: {}, file: { redshift: { nodeType: 'constructor' } } }));
    expect(lines).toEqual(['config error: redshift.nodeType = "constructor": must be one of ra3.large, ra3.xlplus, ra3.4xlarge, ra3.16xlarge']);
  });

  test('a region named after a prototype key has no short code', () => {
    expect(() => regionShortCode('us-constructor-1')).toThrow('"us-constructor-1" is not a region name');
  });
});

describe('ENVIRONMENT is checked before it becomes a file path', () => {
  test.each(['../package', '../../etc/passwd', 'a/b', '..', 'Prod', 'x'])('%s is refused before any file is read', (environment) => {
    const root = tempConfigDir();
    // A file the traversal reaches: read, it would add a shardCount problem to the one expected.
    fs.writeFileSync(path.join(root, 'package.json'), JSON.stringify({ kinesis: { shardCount: 0 } }));
    const lines = linesOf(() => loadConfig({ ENVIRONMENT: environment }, path.join(root, 'config')));
    expect(lines).toEqual([
      `config error: ENVIRONMENT = ${JSON.stringify(environment)}: lowercase letters, digits and single hyphens, 2+ characters (S3 bucket and IAM naming rules)`,
    ]);
  });
});

describe('numbers beyond the double range', () => {
  test('1e400 is reported as Infinity, not null, with what is allowed', () => {
    const file = JSON.parse('{ "kinesis": { "shardCount": 1e400 }, "observability": { "monthlyBudgetUsd": -1e400 } }');
    expect(linesOf(() => validateConfig({ env: {}, file }))).toEqual([
      'config error: kinesis.shardCount = Infinity: must be a finite number (a JSON number beyond ±1.7976931348623157e308, such as 1e400, reads as Infinity)',
      'config error: observability.monthlyBudgetUsd = -Infinity: must be a finite number (a JSON number beyond ±1.7976931348623157e308, such as 1e400, reads as Infinity)',
    ]);
  });

  test('where the value is reported whole: list items, tag values, the file itself', () => {
    const file = JSON.parse('{ "observability": { "alertEmails": [1e400] }, "tags": { "extra": { "team": -1e400 } } }');
    expect(linesOf(() => validateConfig({ env: {}, file })).sort()).toEqual([
      'config error: observability.alertEmails[0] = Infinity: an e-mail address such as oncall@example.com',
      expect.stringMatching(/^config error: tags\.extra\.team = -Infinity: a string tag value/),
    ]);
    expect(linesOf(() => validateConfig({ env: {}, file: JSON.parse('[1e400, "x"]'), fileLabel: 'config/x.json' }))).toEqual([
      'config error: config/x.json = [Infinity,"x"]: must hold a JSON object, got array',
    ]);
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
