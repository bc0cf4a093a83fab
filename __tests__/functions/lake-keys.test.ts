import fc from 'fast-check';
import { partitionPrefix } from '../../functions/shared/contract';
import {
  BACKFILL_SOURCE_PREFIX,
  RAW_ARCHIVE_PREFIX_EXPRESSION,
  backfillSource,
  lakeObjectKey,
  rawArchiveObjectKey,
  rawArchiveObjectTime,
  rawArchivePrefix,
} from '../../functions/shared/lake-keys';
import { RAW_ARCHIVE_PREFIX } from '../../stacks/constructs/raw-archive';

const instant = fc.integer({ min: Date.UTC(2000, 0, 1), max: Date.UTC(2099, 11, 31) });

/** What Firehose does with the prefix expression for a record's arrival time. */
function firehosePrefix(expression: string, ms: number): string {
  const iso = new Date(ms).toISOString();
  return expression.replace('!{timestamp:yyyy-MM-dd}', iso.slice(0, 10)).replace('!{timestamp:HH}', iso.slice(11, 13));
}

describe('lake keys', () => {
  it('the Firehose delivery stream uses the shared prefix expression', () => {
    expect(RAW_ARCHIVE_PREFIX).toBe(RAW_ARCHIVE_PREFIX_EXPRESSION);
  });

  it('rawArchivePrefix is what Firehose makes of the expression, for any arrival time', () => {
    fc.assert(fc.property(instant, (ms) => rawArchivePrefix(ms) === firehosePrefix(RAW_ARCHIVE_PREFIX_EXPRESSION, ms)));
  });

  it('a raw object key lies under its arrival prefix and gives back its arrival second', () => {
    fc.assert(
      fc.property(instant, fc.uuid(), (ms, id) => {
        const key = rawArchiveObjectKey('daml-analytics-raw-archive-use1', ms, id);
        return key.startsWith(rawArchivePrefix(ms)) && key.endsWith('.gz') && rawArchiveObjectTime(key) === Math.floor(ms / 1000) * 1000;
      }),
    );
  });

  it('a name without a valid Firehose time has no time', () => {
    expect(rawArchiveObjectTime('raw/dt=2024-03-20/hour=10/manual-upload.gz')).toBeUndefined();
    expect(rawArchiveObjectTime('raw/dt=2024-02-30/hour=10/s-1-2024-02-30-10-00-00-x.gz')).toBeUndefined();
  });

  it('curated keys of the processor and of a backfill never coincide', () => {
    fc.assert(
      fc.property(instant, fc.string({ minLength: 1 }), fc.nat(), fc.bigInt({ min: 0n, max: 10n ** 56n }), (ms, rawKey, shard, seq) => {
        const live = lakeObjectKey('curated', ms, `shardId-${String(shard).padStart(12, '0')}`, String(seq));
        const source = backfillSource(rawKey);
        const backfill = lakeObjectKey('curated', ms, source, String(seq));
        return live !== backfill && source.startsWith(BACKFILL_SOURCE_PREFIX) && source.length <= 64 && backfill.startsWith(partitionPrefix('curated', ms));
      }),
    );
  });

  it('a backfill source is fixed by the raw key and differs between raw keys', () => {
    expect(backfillSource('raw/a.gz')).toBe(backfillSource('raw/a.gz'));
    expect(backfillSource('raw/a.gz')).not.toBe(backfillSource('raw/b.gz'));
  });
});
