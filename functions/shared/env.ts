/**
 * The one reader of function environments. Each function's config.ts describes its variables
 * with the rules below and reads them once at cold start; a bad environment fails the init with
 * every problem at once, each naming the variable, the value and what is allowed, instead of a
 * confusing error on the first event.
 *
 * No AWS SDK imports: the stacks import the functions' variable names through their config modules.
 */

/** A function's environment as Lambda hands it over (process.env, or a test's object). */
export type Environment = Readonly<Record<string, string | undefined>>;

/** How one variable's text becomes a value, and how to say what it accepts. */
export interface Rule<T> {
  /** What is allowed, completing "allowed ...", e.g. "an integer from 1 to 10". */
  readonly allowed: string;
  /** The value, or undefined when the text is not allowed. */
  parse(raw: string): T | undefined;
}

/** A variable set to a value its rule does not allow. */
export interface InvalidVariable {
  readonly variable: string;
  readonly value: string;
  readonly allowed: string;
}

export class ConfigError extends Error {
  /**
   * @param missing required variables that are not set at all
   * @param invalid variables whose value is not allowed
   */
  constructor(
    readonly missing: readonly string[],
    readonly invalid: readonly InvalidVariable[],
  ) {
    const problems = [
      ...(missing.length > 0 ? [`environment variable(s) ${missing.join(', ')} must be set`] : []),
      ...invalid.map((p) => `${p.variable}="${p.value}" is invalid: allowed ${p.allowed}`),
    ];
    super(problems.join('; '));
    this.name = 'ConfigError';
  }
}

/** Reads variables, remembering every problem, so one cold start reports all of them. */
export class EnvironmentReader {
  private readonly missing: string[] = [];
  private readonly invalid: InvalidVariable[] = [];

  constructor(private readonly env: Environment) {}

  /** Must be set; an empty value is judged by the rule like any other. */
  required<T>(name: string, rule: Rule<T>): T {
    const raw = this.env[name];
    if (raw === undefined) {
      this.missing.push(name);
      return undefined as T; // never seen: readEnvironment throws before returning the settings
    }
    return this.parse(name, raw, rule);
  }

  /** Unset or empty means undefined (an empty value is how a template leaves a setting out). */
  optional<T>(name: string, rule: Rule<T>): T | undefined {
    const raw = this.env[name];
    return raw === undefined || raw === '' ? undefined : this.parse(name, raw, rule);
  }

  /** Unset or empty means `fallback`. */
  withDefault<T>(name: string, rule: Rule<T>, fallback: T): T {
    return this.optional(name, rule) ?? fallback;
  }

  /** Throws the ConfigError listing everything read so far that was missing or not allowed. */
  assertValid(): void {
    if (this.missing.length > 0 || this.invalid.length > 0) throw new ConfigError([...this.missing], [...this.invalid]);
  }

  private parse<T>(name: string, raw: string, rule: Rule<T>): T {
    const value = rule.parse(raw);
    if (value === undefined) this.invalid.push({ variable: name, value: raw, allowed: rule.allowed });
    return value as T;
  }
}

/** Runs `read` over the environment and returns its settings, or throws one ConfigError naming every problem. */
export function readEnvironment<T>(env: Environment, read: (vars: EnvironmentReader) => T): T {
  const vars = new EnvironmentReader(env);
  const settings = read(vars);
  vars.assertValid();
  return settings;
}

/** Text matching a pattern, returned as is. */
export function matching(pattern: RegExp, allowed: string): Rule<string> {
  return { allowed, parse: (raw) => (pattern.test(raw) ? raw : undefined) };
}

/** Bounds of a numeric rule; an absent bound is not checked. */
export interface Range {
  readonly min?: number;
  readonly max?: number;
}

function rangeText({ min, max }: Range): string {
  if (min !== undefined && max !== undefined) return ` from ${min} to ${max}`;
  if (min !== undefined) return ` of at least ${min}`;
  if (max !== undefined) return ` of at most ${max}`;
  return '';
}

function numeric(kind: string, whole: boolean, range: Range): Rule<number> {
  return {
    allowed: `${kind}${rangeText(range)}`,
    parse(raw) {
      // Number('') and Number(' ') are 0: blank text is no number.
      const n = raw.trim() === '' ? NaN : Number(raw);
      if (!Number.isFinite(n) || (whole && !Number.isInteger(n))) return undefined;
      if ((range.min !== undefined && n < range.min) || (range.max !== undefined && n > range.max)) return undefined;
      return n;
    },
  };
}

/** A whole number (decimal or any form Number() reads, such as 1e3) within the range. */
export function integer(range: Range = {}): Rule<number> {
  return numeric('an integer', true, range);
}

/** A finite number within the range. */
export function decimal(range: Range = {}): Rule<number> {
  return numeric('a number', false, range);
}

/** One of the listed values, exactly. */
export function oneOf<const V extends string>(values: readonly V[]): Rule<V> {
  return {
    allowed: `one of ${values.map((v) => `"${v}"`).join(', ')}`,
    parse: (raw) => ((values as readonly string[]).includes(raw) ? (raw as V) : undefined),
  };
}

/** "true" or "false". */
export const BOOLEAN: Rule<boolean> = {
  allowed: 'true or false',
  parse: (raw) => (raw === 'true' ? true : raw === 'false' ? false : undefined),
};

/** Any text but the empty one. */
export const NON_EMPTY: Rule<string> = matching(/^[\s\S]+$/, 'a non-empty string');

export const S3_BUCKET_NAME: Rule<string> = matching(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'an S3 bucket name (3-63 lowercase letters, digits, dots, hyphens)');

export const KMS_KEY_ARN: Rule<string> = matching(/^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:(key|alias)\/.+$/, 'a KMS key or alias ARN');

export const SNS_TOPIC_ARN: Rule<string> = matching(/^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}$/, 'an SNS topic ARN');

export const AWS_REGION_NAME: Rule<string> = matching(/^[a-z]{2}(-[a-z]+)+-\d$/, 'an AWS region such as us-east-1');

/** Variables Powertools reads, which the constructs set for every function. */
export const POWERTOOLS_ENV = {
  /** The `service` of every log line and metric. */
  serviceName: 'POWERTOOLS_SERVICE_NAME',
  /** The CloudWatch namespace of the function's EMF metrics. */
  metricsNamespace: 'POWERTOOLS_METRICS_NAMESPACE',
} as const;
