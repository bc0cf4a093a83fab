import * as fs from 'node:fs';
import * as path from 'node:path';
import { PROBLEM_CODES } from '../../functions/shared/contract';
import { LOGGED_MESSAGES, logQueries, type FunctionLabel } from '../../stacks/log-queries';
import { resourcesOf, ROLES, synthPlatform } from '../helpers/synth';

const LABELS: readonly FunctionLabel[] = ['stream-processor', 'ml-inference', 'stream-aggregator', 'warehouse-loader'];

describe.each(ROLES)('%s stack: Logs Insights saved queries', (role) => {
  const { stacks, config } = synthPlatform();
  const stack = stacks[role];
  const definitions = resourcesOf(stack, 'aws_cloudwatch_query_definition').map(([, d]) => d);
  const logGroups = Object.fromEntries(resourcesOf(stack, 'aws_cloudwatch_log_group').map(([id, g]) => [id, g.name as string]));
  const prefix = `${config.projectName}-${config.environment}`;
  const functions = resourcesOf(stack, 'aws_lambda_function').map(([, f]) => f.function_name as string);
  // The DR stack in pilot-light mode has no warehouse loader.
  const deployed = LABELS.filter((label) => functions.some((name) => name.startsWith(`${prefix}-${label}-`)));

  test('there are queries for every deployed function, and only for those', () => {
    expect(deployed.length).toBeGreaterThanOrEqual(3);
    expect(new Set(definitions.map((d) => d.name.split('/')[1]))).toEqual(new Set(deployed));
  });

  test.each(LABELS)('%s: each of its queries, scoped to its own log group', (label) => {
    if (!deployed.includes(label)) return;
    const own = definitions.filter((d) => d.name.startsWith(`${prefix}/${label}/`));
    expect(own.map((d) => d.name).sort()).toEqual(
      logQueries(label)
        .map((q) => `${prefix}/${label}/${q.title}`)
        .sort(),
    );
    for (const d of own) {
      expect(d.log_group_names).toHaveLength(1);
      const ref = /^\$\{aws_cloudwatch_log_group\.([^.]+)\.name\}$/.exec(d.log_group_names[0]);
      expect(ref).not.toBeNull();
      expect(logGroups[ref![1]!]).toMatch(new RegExp(`^/aws/lambda/${prefix}-${label}-`));
      expect(d.query_string).toBe(logQueries(label).find((q) => d.name.endsWith(`/${q.title}`))!.query);
    }
  });

  test('every function has its errors-by-correlation-id and slowest-invocations queries', () => {
    for (const label of deployed) {
      expect(definitions.map((d) => d.name)).toEqual(
        expect.arrayContaining([`${prefix}/${label}/Errors by correlation id`, expect.stringMatching(new RegExp(`^${prefix}/${label}/Slowest `))]),
      );
    }
  });
});

test('without the aggregator and the warehouse, their functions get no queries', () => {
  const stack = synthPlatform({ redshift: { enabled: false }, aggregates: { enabled: false } }).stacks.primary;
  const names = resourcesOf(stack, 'aws_cloudwatch_query_definition').map(([, d]) => d.name as string);
  expect(names.some((n) => n.includes('/stream-aggregator/') || n.includes('/warehouse-loader/'))).toBe(false);
  expect(names.filter((n) => n.includes('/stream-processor/'))).toHaveLength(3);
});

describe('query text against what the functions log', () => {
  const source = (fn: string) =>
    fs
      .readdirSync(path.join(__dirname, '../../functions', fn))
      .filter((f) => f.endsWith('.ts'))
      .map((f) => fs.readFileSync(path.join(__dirname, '../../functions', fn, f), 'utf8'))
      .join('\n');

  test('the messages selected on are logged, word for word, by the function they query', () => {
    expect(source('stream-processor')).toContain(`logger.info('${LOGGED_MESSAGES.batchProcessed}'`);
    for (const m of [LOGGED_MESSAGES.requestRejected, LOGGED_MESSAGES.endpointCallFailed, LOGGED_MESSAGES.unhandledError])
      expect(source('ml-inference')).toMatch(new RegExp(`logger\\.\\w+\\('${m}'`));
  });

  test('the fields read are the ones logged: quarantineByKind, code, problems, correlation ids', () => {
    expect(source('stream-processor')).toMatch(/quarantineByKind: q\.quarantineByKind/);
    expect(source('stream-processor')).toContain('logger.setCorrelationId(');
    expect(source('stream-aggregator')).toContain('logger.setCorrelationId(');
    expect(source('warehouse-loader')).toMatch(/correlation = \{ messageId: record\.messageId/);
    expect(source('ml-inference')).toMatch(/appendKeys\(\{ requestId:/);
    expect(source('ml-inference')).toMatch(/'endpoint call failed', \{\s+code: failure\.code/);
    expect(source('ml-inference')).toMatch(/'request rejected', \{ problems: parsed\.problems \}/);
  });

  test('quarantine reasons sum every problem code of the contract', () => {
    const [quarantine] = logQueries('stream-processor');
    for (const code of PROBLEM_CODES) expect(quarantine!.query).toContain(`sum(quarantineByKind.${code}) as ${code}`);
  });
});
