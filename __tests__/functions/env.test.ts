/** The shared environment reader: what each rule accepts parses back, what it rejects is named in full. */
import * as fc from 'fast-check';
import {
  AWS_REGION_NAME,
  BOOLEAN,
  ConfigError,
  decimal,
  type Environment,
  integer,
  KMS_KEY_ARN,
  matching,
  NON_EMPTY,
  oneOf,
  readEnvironment,
  type Rule,
  S3_BUCKET_NAME,
  SNS_TOPIC_ARN,
} from '../../functions/shared/env';
import { bucketName, kmsKeyArn, regionName, snsTopicArn } from './helpers/env-arbitraries';

const NAME = 'SOME_SETTING';

const readRequired = <T>(rule: Rule<T>, raw: string | undefined): T => readEnvironment({ [NAME]: raw }, (vars) => vars.required(NAME, rule));

/** The ConfigError `read` throws (failing the test if it returns instead). */
function configErrorOf(read: () => unknown): ConfigError {
  try {
    read();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

function expectRejected<T>(rule: Rule<T>, raw: string): void {
  const error = configErrorOf(() => readRequired(rule, raw));
  expect(error.message).toBe(`${NAME}="${raw}" is invalid: allowed ${rule.allowed}`);
  expect(error.invalid).toEqual([{ variable: NAME, value: raw, allowed: rule.allowed }]);
  expect(error.missing).toEqual([]);
}

const range = fc
  .tuple(fc.integer({ min: -1_000_000, max: 1_000_000 }), fc.integer({ min: 0, max: 1_000_000 }))
  .map(([min, width]) => ({ min, max: min + width }));
/** Letters that spell no number Number() reads: no hex digits, exponent, radix prefix or Infinity. */
const word = fc.stringMatching(/^[g-wyzG-WYZ_]{1,12}$/);
const blank = fc.stringMatching(/^[ \t]{1,4}$/);

describe('integer()', () => {
  it('reads back every integer in its range', () => {
    fc.assert(
      fc.property(
        range.chain((r) => fc.tuple(fc.constant(r), fc.integer(r))),
        ([r, n]) => {
          expect(readRequired(integer(r), String(n))).toBe(n);
        },
      ),
    );
  });

  it('rejects integers outside the range, fractions, words and blanks, saying which range is allowed', () => {
    fc.assert(
      fc.property(
        range.chain((r) =>
          fc.tuple(
            fc.constant(r),
            fc.oneof(
              fc.integer({ min: r.max + 1, max: r.max + 1_000 }).map(String),
              fc.integer({ min: r.min - 1_000, max: r.min - 1 }).map(String),
              fc.integer(r).map((n) => `${n}.5`),
              word,
              blank,
            ),
          ),
        ),
        ([r, raw]) => {
          expect(integer(r).allowed).toBe(`an integer from ${r.min} to ${r.max}`);
          expectRejected(integer(r), raw);
        },
      ),
    );
  });

  it('words a one-sided range', () => {
    expect(integer({ min: 1 }).allowed).toBe('an integer of at least 1');
    expect(integer({ max: 9 }).allowed).toBe('an integer of at most 9');
    expect(integer().allowed).toBe('an integer');
  });
});

describe('decimal()', () => {
  it('reads back every number in its range', () => {
    fc.assert(
      fc.property(fc.double({ min: 0, max: 1, noNaN: true }), (x) => {
        // === rather than toBe: -0 is written "0", and reads back as the same number.
        expect(readRequired(decimal({ min: 0, max: 1 }), String(x)) === x).toBe(true);
      }),
    );
  });

  it('rejects numbers outside the range, words, blanks and infinities', () => {
    const ratio = decimal({ min: 0, max: 1 });
    expect(ratio.allowed).toBe('a number from 0 to 1');
    const outside = fc.oneof(
      fc.double({ min: 1, max: 1e9, noNaN: true, minExcluded: true }),
      fc.double({ min: -1e9, max: 0, noNaN: true, maxExcluded: true }).filter((v) => !Object.is(v, -0)),
    );
    fc.assert(fc.property(fc.oneof(outside.map(String), word, blank, fc.constantFrom('Infinity', '-Infinity', 'NaN')), (raw) => expectRejected(ratio, raw)));
  });
});

describe('BOOLEAN and oneOf()', () => {
  it('reads "true" and "false" and nothing else', () => {
    expect(readRequired(BOOLEAN, 'true')).toBe(true);
    expect(readRequired(BOOLEAN, 'false')).toBe(false);
    fc.assert(
      fc.property(
        fc.string().filter((s) => s !== 'true' && s !== 'false'),
        (raw) => expectRejected(BOOLEAN, raw),
      ),
    );
    expect(BOOLEAN.allowed).toBe('true or false');
  });

  it('reads each listed value exactly, and lists them when another is given', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.stringMatching(/^[a-z-]{1,10}$/), { minLength: 1, maxLength: 5 }), fc.string(), (values, other) => {
        const rule = oneOf(values);
        for (const v of values) expect(readRequired(rule, v)).toBe(v);
        expect(rule.allowed).toBe(`one of ${values.map((v) => `"${v}"`).join(', ')}`);
        if (!values.includes(other)) expectRejected(rule, other);
      }),
    );
  });
});

describe('S3_BUCKET_NAME', () => {
  it('reads back every 3-63 character name of lowercase letters, digits, dots and hyphens that starts and ends alphanumeric', () => {
    fc.assert(fc.property(bucketName, (name) => expect(readRequired(S3_BUCKET_NAME, name)).toBe(name)));
  });

  it('rejects upper case, too short or long names and names starting or ending with a dot or hyphen', () => {
    const bad = fc.oneof(
      bucketName.map((n) => `${n.slice(0, 1)}A${n.slice(1)}`),
      fc.stringMatching(/^[a-z0-9]{0,2}$/),
      fc.stringMatching(/^[a-z0-9]{64,80}$/),
      bucketName.map((n) => `-${n.slice(1)}`),
      bucketName.map((n) => `${n.slice(0, -1)}.`),
    );
    fc.assert(fc.property(bad, (raw) => expectRejected(S3_BUCKET_NAME, raw)));
  });
});

describe('ARNs and regions', () => {
  it('reads back KMS key and alias ARNs, SNS topic ARNs and region names', () => {
    fc.assert(fc.property(kmsKeyArn, (arn) => expect(readRequired(KMS_KEY_ARN, arn)).toBe(arn)));
    fc.assert(fc.property(snsTopicArn, (arn) => expect(readRequired(SNS_TOPIC_ARN, arn)).toBe(arn)));
    fc.assert(fc.property(regionName, (r) => expect(readRequired(AWS_REGION_NAME, r)).toBe(r)));
  });

  it('rejects an ARN of another service, a short account, a missing resource or a bare name', () => {
    fc.assert(fc.property(kmsKeyArn, (arn) => expectRejected(SNS_TOPIC_ARN, arn)));
    fc.assert(fc.property(snsTopicArn, (arn) => expectRejected(KMS_KEY_ARN, arn)));
    fc.assert(
      fc.property(kmsKeyArn, (arn) =>
        expectRejected(
          KMS_KEY_ARN,
          arn.replace(/:(\d{12}):/, (_, a: string) => `:${a.slice(1)}:`),
        ),
      ),
    );
    fc.assert(fc.property(snsTopicArn, (arn) => expectRejected(SNS_TOPIC_ARN, arn.slice(0, arn.lastIndexOf(':') + 1))));
    fc.assert(fc.property(word, (raw) => expectRejected(KMS_KEY_ARN, raw)));
    expectRejected(AWS_REGION_NAME, 'US-EAST-1');
    expectRejected(AWS_REGION_NAME, 'us-east');
  });
});

describe('matching() and NON_EMPTY', () => {
  it('returns the text as is when it matches, and rejects the empty string for NON_EMPTY', () => {
    fc.assert(fc.property(fc.string({ minLength: 1 }), (s) => expect(readRequired(NON_EMPTY, s)).toBe(s)));
    expectRejected(NON_EMPTY, '');
    expectRejected(matching(/^x+$/, 'one or more x'), 'xy');
  });
});

describe('readEnvironment', () => {
  const variable = fc.stringMatching(/^[A-Z][A-Z0-9_]{0,15}$/);

  it('treats unset and empty optional variables as absent and never reports them', () => {
    fc.assert(
      fc.property(fc.constantFrom<Environment>({}, { [NAME]: '' }, { [NAME]: undefined }), fc.integer(), (env, fallback) => {
        expect(readEnvironment(env, (vars) => vars.optional(NAME, integer()))).toBeUndefined();
        expect(readEnvironment(env, (vars) => vars.withDefault(NAME, integer(), fallback))).toBe(fallback);
      }),
    );
  });

  it('names every missing required variable at once, in the order they were read', () => {
    fc.assert(
      fc.property(fc.uniqueArray(variable, { minLength: 1, maxLength: 6 }), (names) => {
        const error = configErrorOf(() => readEnvironment({}, (vars) => names.map((n) => vars.required(n, NON_EMPTY))));
        expect(error.missing).toEqual(names);
        expect(error.message).toBe(`environment variable(s) ${names.join(', ')} must be set`);
      }),
    );
  });

  it('reports every invalid and missing variable of one read, each with its value and what is allowed', () => {
    fc.assert(
      fc.property(fc.uniqueArray(variable, { minLength: 2, maxLength: 8 }), fc.array(word, { minLength: 8, maxLength: 8 }), (names, values) => {
        const [missing, ...set] = names as [string, ...string[]];
        const env = Object.fromEntries(set.map((n, i) => [n, values[i]!]));
        const error = configErrorOf(() =>
          readEnvironment(env, (vars) => {
            vars.required(missing, BOOLEAN);
            return set.map((n) => vars.withDefault(n, integer({ min: 0, max: 9 }), 0));
          }),
        );
        expect(error.missing).toEqual([missing]);
        expect(error.invalid.map((p) => p.variable)).toEqual(set);
        expect(error.message.split('; ')).toEqual([
          `environment variable(s) ${missing} must be set`,
          ...set.map((n) => `${n}="${env[n]}" is invalid: allowed an integer from 0 to 9`),
        ]);
      }),
    );
  });

  it('returns what the read built when nothing is wrong', () => {
    const env = { A: '3', B: 'true', C: 'x' };
    expect(
      readEnvironment(env, (vars) => ({
        a: vars.required('A', integer({ min: 1, max: 5 })),
        b: vars.required('B', BOOLEAN),
        c: vars.optional('C', NON_EMPTY),
        d: vars.optional('D', NON_EMPTY),
      })),
    ).toEqual({
      a: 3,
      b: true,
      c: 'x',
      d: undefined,
    });
  });
});
