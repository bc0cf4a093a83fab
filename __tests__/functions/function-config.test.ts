/**
 * Each function's config module over the shared reader: its ENV names every variable it reads,
 * and any environment its construct could write reads back as the settings it was written from.
 */
import * as fc from 'fast-check';
import * as inference from '../../functions/ml-inference/config';
import { POWERTOOLS_ENV, type Environment } from '../../functions/shared/env';
import * as aggregator from '../../functions/stream-aggregator/config';
import * as processor from '../../functions/stream-processor/config';
import * as loader from '../../functions/warehouse-loader/config';
import { WAREHOUSE_SCHEMA } from '../../functions/warehouse-loader/sql';
import { bucketName, kmsKeyArn, regionName, snsTopicArn } from './helpers/env-arbitraries';

/** The variables `read` looks at (read or not, whatever they hold). */
function variablesRead(read: (env: Environment) => unknown, env: Environment): Set<string> {
  const seen = new Set<string>();
  const spy = new Proxy(env, {
    get(target, key) {
      if (typeof key === 'string') seen.add(key);
      return target[key as string];
    },
  });
  read(spy);
  return seen;
}

const POWERTOOLS_NAMES: readonly string[] = Object.values(POWERTOOLS_ENV);

const readers: [string, Record<string, string>, (env: Environment) => unknown, Environment][] = [
  ['stream-processor', processor.ENV, processor.readConfig, { LAKE_BUCKET: 'lake' }],
  [
    'stream-aggregator',
    aggregator.ENV,
    aggregator.readConfig,
    {
      LAKE_BUCKET: 'lake',
      ALERT_TOPIC_ARN: 'arn:aws:sns:us-east-1:123456789012:alerts',
      MIN_CONVERSION_RATE: '0.1',
      MAX_TRAFFIC_DROP_RATIO: '0.5',
      RULE_MIN_EVENTS: '5',
      PLATFORM_NAME: 'p',
      AWS_REGION: 'us-east-1',
    },
  ],
  ['warehouse-loader', loader.ENV, loader.readConfig, { CLUSTER_IDENTIFIER: 'c', DATABASE_NAME: 'd', DB_USER: 'u', LAKE_BUCKET: 'l', MANIFEST_BUCKET: 'm' }],
  [
    'ml-inference',
    inference.ENV,
    inference.loadSettings,
    { ENDPOINT_NAME: 'ep', VARIANT_MODEL_VERSIONS: '{"champion":"v1"}', PREDICTIONS_BUCKET: 'lake', INGESTION_STREAM_NAME: 'events' },
  ],
];

describe.each(readers)('%s ENV', (_, names, read, minimal) => {
  it('lists exactly the variables its config reads, besides the Powertools ones Powertools reads', () => {
    const own = Object.values(names).filter((n) => !POWERTOOLS_NAMES.includes(n));
    expect([...variablesRead(read, minimal)].sort()).toEqual([...own].sort());
    expect(Object.values(names)).toEqual(expect.arrayContaining([...POWERTOOLS_NAMES]));
  });

  it('names each variable once', () => {
    const values = Object.values(names);
    expect(new Set(values).size).toBe(values.length);
  });

  it('names every missing required variable at once', () => {
    expect(() => read({})).toThrow(`environment variable(s) ${Object.keys(minimal).join(', ')} must be set`);
  });
});

const optional = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined });
const setIfDefined = (env: Record<string, string>, name: string, value: unknown) => {
  if (value !== undefined) env[name] = String(value);
};

describe('round trips: an environment written from settings reads back as those settings', () => {
  it('stream processor', () => {
    const E = processor.ENV;
    const settings = fc.record({
      bucket: bucketName,
      kmsKeyArn: optional(kmsKeyArn),
      s3MaxAttempts: optional(fc.integer({ min: 1, max: 10 })),
      s3BaseDelayMs: optional(fc.integer({ min: 1, max: 10_000 })),
      s3MaxDelayMs: optional(fc.integer({ min: 1, max: 60_000 })),
      writeConcurrency: optional(fc.integer({ min: 1, max: 64 })),
      timeReserveMs: optional(fc.integer({ min: 0, max: 60_000 })),
      forcePathStyle: optional(fc.boolean()),
    });
    fc.assert(
      fc.property(settings, (s) => {
        const env: Record<string, string> = { [E.lakeBucket]: s.bucket };
        setIfDefined(env, E.lakeKmsKeyArn, s.kmsKeyArn);
        setIfDefined(env, E.s3MaxAttempts, s.s3MaxAttempts);
        setIfDefined(env, E.s3BaseDelayMs, s.s3BaseDelayMs);
        setIfDefined(env, E.s3MaxDelayMs, s.s3MaxDelayMs);
        setIfDefined(env, E.writeConcurrency, s.writeConcurrency);
        setIfDefined(env, E.timeReserveMs, s.timeReserveMs);
        setIfDefined(env, E.forcePathStyle, s.forcePathStyle);
        expect(processor.readConfig(env)).toEqual({
          bucket: s.bucket,
          kmsKeyArn: s.kmsKeyArn,
          s3MaxAttempts: s.s3MaxAttempts ?? 5,
          s3BaseDelayMs: s.s3BaseDelayMs ?? 100,
          s3MaxDelayMs: s.s3MaxDelayMs ?? 2000,
          writeConcurrency: s.writeConcurrency ?? 8,
          timeReserveMs: s.timeReserveMs ?? 3000,
          forcePathStyle: s.forcePathStyle ?? false,
        });
      }),
    );
  });

  it('stream aggregator', () => {
    const E = aggregator.ENV;
    const ratio = fc.double({ min: 0, max: 1, noNaN: true }).map((x) => Math.abs(x));
    const settings = fc.record({
      bucket: bucketName,
      kmsKeyArn: optional(kmsKeyArn),
      alertTopicArn: snsTopicArn,
      rules: fc.record({ minConversionRate: ratio, maxTrafficDropRatio: ratio, minEvents: fc.integer({ min: 1, max: 1_000_000_000 }) }),
      platform: fc.stringMatching(/^[A-Za-z0-9._-]{1,64}$/),
      region: regionName,
      forcePathStyle: fc.boolean(),
      timeReserveMs: fc.integer({ min: 0, max: 60_000 }),
    });
    fc.assert(
      fc.property(settings, (s) => {
        const env: Record<string, string> = {
          [E.timeReserveMs]: String(s.timeReserveMs),
          [E.lakeBucket]: s.bucket,
          [E.alertTopicArn]: s.alertTopicArn,
          [E.minConversionRate]: String(s.rules.minConversionRate),
          [E.maxTrafficDropRatio]: String(s.rules.maxTrafficDropRatio),
          [E.ruleMinEvents]: String(s.rules.minEvents),
          [E.platformName]: s.platform,
          [E.region]: s.region,
          [E.forcePathStyle]: String(s.forcePathStyle),
        };
        setIfDefined(env, E.lakeKmsKeyArn, s.kmsKeyArn);
        expect(aggregator.readConfig(env)).toEqual(s);
      }),
    );
  });

  it('warehouse loader', () => {
    const E = loader.ENV;
    const text = fc.string({ minLength: 1 });
    const settings = fc.record({
      clusterIdentifier: text,
      database: text,
      dbUser: text,
      lakeBucket: text,
      manifestBucket: text,
      schema: optional(text),
      timeReserveMs: optional(fc.integer({ min: 1_000, max: 60_000 })),
      minMillisPerMessage: optional(fc.integer({ min: 0, max: 900_000 })),
    });
    fc.assert(
      fc.property(settings, (s) => {
        const env: Record<string, string> = {
          [E.clusterIdentifier]: s.clusterIdentifier,
          [E.database]: s.database,
          [E.dbUser]: s.dbUser,
          [E.lakeBucket]: s.lakeBucket,
          [E.manifestBucket]: s.manifestBucket,
        };
        setIfDefined(env, E.schema, s.schema);
        setIfDefined(env, E.timeReserveMs, s.timeReserveMs === undefined ? undefined : String(s.timeReserveMs));
        setIfDefined(env, E.minMillisPerMessage, s.minMillisPerMessage === undefined ? undefined : String(s.minMillisPerMessage));
        expect(loader.readConfig(env)).toEqual({
          ...s,
          schema: s.schema ?? WAREHOUSE_SCHEMA,
          timeReserveMs: s.timeReserveMs ?? loader.LOADER_TIME_DEFAULTS.timeReserveMs,
          minMillisPerMessage: s.minMillisPerMessage ?? loader.LOADER_TIME_DEFAULTS.minMillisPerMessage,
        });
      }),
    );
  });

  it('ml inference', () => {
    const E = inference.ENV;
    const sagemakerName = fc.stringMatching(/^[A-Za-z0-9](-*[A-Za-z0-9]){0,20}$/);
    const settings = fc.record({
      endpointName: sagemakerName,
      variantModelVersions: fc.dictionary(
        sagemakerName,
        fc.nat({ max: 99 }).map((n) => `v${n}`),
        { minKeys: 1, maxKeys: 4 },
      ),
      predictionsBucket: bucketName,
      maxAttempts: fc.integer({ min: 1, max: 5 }),
      flushMaxRows: fc.integer({ min: 1, max: 10_000 }),
      streamName: sagemakerName,
      readyCacheTtlMs: optional(fc.integer({ min: 0, max: 300_000 })),
      readyCheckTimeoutMs: optional(fc.integer({ min: 100, max: 10_000 })),
    });
    fc.assert(
      fc.property(settings, (s) => {
        const env = {
          [E.endpointName]: s.endpointName,
          [E.variantModelVersions]: JSON.stringify(s.variantModelVersions),
          [E.predictionsBucket]: s.predictionsBucket,
          [E.maxAttempts]: String(s.maxAttempts),
          [E.flushMaxRows]: String(s.flushMaxRows),
          [E.streamName]: s.streamName,
        };
        setIfDefined(env, E.readyCacheTtlMs, s.readyCacheTtlMs);
        setIfDefined(env, E.readyCheckTimeoutMs, s.readyCheckTimeoutMs);
        const read = inference.loadSettings(env);
        expect(read).toMatchObject({ endpointName: s.endpointName, variantModelVersions: s.variantModelVersions, predictionsBucket: s.predictionsBucket });
        expect(read.invoke).toEqual({ ...inference.DEFAULT_INVOKE_BUDGET, maxAttempts: s.maxAttempts });
        expect(read.flush).toEqual({ ...inference.DEFAULT_FLUSH_POLICY, maxRows: s.flushMaxRows });
        expect(read.readiness).toEqual({
          streamName: s.streamName,
          cacheTtlMs: s.readyCacheTtlMs ?? inference.DEFAULT_READINESS.cacheTtlMs,
          checkTimeoutMs: s.readyCheckTimeoutMs ?? inference.DEFAULT_READINESS.checkTimeoutMs,
        });
      }),
    );
  });
});

describe('warehouse loader time reserve', () => {
  it('refuses a reserve shorter than the grace a statement running at the deadline gets to be cancelled in', () => {
    const env = { CLUSTER_IDENTIFIER: 'c', DATABASE_NAME: 'd', DB_USER: 'u', LAKE_BUCKET: 'l', MANIFEST_BUCKET: 'm', TIME_RESERVE_MS: '500' };
    expect(() => loader.readConfig(env)).toThrow(/TIME_RESERVE_MS.*500/);
    expect(loader.readConfig({ ...env, TIME_RESERVE_MS: '1000' }).timeReserveMs).toBe(1000);
  });
});
