import { LAKE_PREFIXES } from '../../functions/shared/lake-layout';
import { PlatformNaming } from '../../stacks/naming';
import { lakeLifecycleRules } from '../../stacks/constructs/data-lake';
import { testConfig } from '../helpers/synth';

function rulesFor(file: unknown = {}) {
  const config = testConfig(file);
  return lakeLifecycleRules({
    config,
    naming: new PlatformNaming(config),
    role: 'primary',
    region: config.primaryRegion,
    peerRegion: config.drRegion,
    accountId: '123456789012',
  });
}

const prefixOf = (rule: any): string => rule.filter[0].prefix;

describe('lake lifecycle', () => {
  test('raw data cools to Standard-IA then Glacier at the configured ages', () => {
    const raw = rulesFor({ dataLake: { rawInfrequentAccessDays: 45, rawGlacierDays: 120 } }).find((r) => prefixOf(r) === LAKE_PREFIXES.raw)!;
    expect(raw.transition).toEqual([
      { days: 45, storageClass: 'STANDARD_IA' },
      { days: 120, storageClass: 'GLACIER' },
    ]);
  });

  test('what Athena and Redshift read is never archived', () => {
    const queryable = [LAKE_PREFIXES.curated, LAKE_PREFIXES.predictions, LAKE_PREFIXES.aggregates];
    for (const rule of rulesFor().filter((r) => queryable.some((p) => prefixOf(r).startsWith(p)))) {
      for (const transition of (rule.transition as any[]) ?? []) expect(transition.storageClass).toBe('INTELLIGENT_TIERING');
      if ((queryable as string[]).includes(prefixOf(rule))) expect(rule.expiration).toBeUndefined();
    }
  });

  test('quarantine and data capture expire at the configured ages', () => {
    const rules = rulesFor({ dataLake: { quarantineExpirationDays: 14, dataCaptureExpirationDays: 21 } });
    expect(rules.find((r) => prefixOf(r) === LAKE_PREFIXES.quarantine)!.expiration).toEqual([{ days: 14 }]);
    expect(rules.find((r) => prefixOf(r) === LAKE_PREFIXES.dataCapture)!.expiration).toEqual([{ days: 21 }]);
  });

  test("the aggregator's working files expire once no retry can read them (stream retention + 1 day)", () => {
    const working = rulesFor({ kinesis: { retentionHours: 72 } }).filter((r) => prefixOf(r).startsWith(`${LAKE_PREFIXES.aggregates}_`));
    expect(working.map(prefixOf).sort()).toEqual(['aggregates/_alerts/', 'aggregates/_state/']);
    for (const rule of working) expect(rule.expiration).toEqual([{ days: 4 }]);
  });

  test('rule ids are unique (S3 rejects duplicates)', () => {
    const ids = rulesFor().map((r) => r.id);
    expect(new Set(ids).size).toBe(ids.length);
  });
});
