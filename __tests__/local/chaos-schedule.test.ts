/** The chaos run's schedule: reproducible from the seed, every kind early, channels independent. */
import fc from 'fast-check';
import { ChannelSchedule, FAULT_KINDS, type Channel, type FaultKind } from '../../local/chaos/schedule';

const CHANNELS = [...new Set(Object.values(FAULT_KINDS).map((k) => k.channel))] as Channel[];
const kindsOf = (channel: Channel) => (Object.keys(FAULT_KINDS) as FaultKind[]).filter((k) => FAULT_KINDS[k].channel === channel);
const draw = (s: ChannelSchedule, n: number) => Array.from({ length: n }, () => s.next());

describe('ChannelSchedule', () => {
  it('gives the same decisions for the same seed, and others for another seed', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 32 - 1 }), fc.constantFrom(...CHANNELS), (seed, channel) => {
        expect(draw(new ChannelSchedule(seed, channel), 300)).toEqual(draw(new ChannelSchedule(seed, channel), 300));
      }),
    );
    const a = draw(new ChannelSchedule(1, 's3'), 2000);
    const b = draw(new ChannelSchedule(2, 's3'), 2000);
    expect(a).not.toEqual(b);
  });

  it('injects every kind of a channel within its first calls, whatever the seed', () => {
    const within: Record<Channel, number> = { s3: 40, 'data-api': 24, sagemaker: 20, processor: 3 };
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 32 - 1 }), fc.constantFrom(...CHANNELS), (seed, channel) => {
        const kinds = kindsOf(channel);
        // Forced kinds due at the same call fire on consecutive calls.
        const seen = new Set(draw(new ChannelSchedule(seed, channel), within[channel] + kinds.length));
        for (const kind of kinds) expect(seen).toContain(kind);
      }),
    );
  });

  it('injects each kind at about its rate after the first calls', () => {
    const schedule = new ChannelSchedule(7, 's3');
    draw(schedule, 100);
    const n = 100_000;
    const counts = new Map<FaultKind | undefined, number>();
    for (const d of draw(schedule, n)) counts.set(d, (counts.get(d) ?? 0) + 1);
    for (const kind of kindsOf('s3')) {
      const rate = FAULT_KINDS[kind].rate;
      expect(Math.abs((counts.get(kind) ?? 0) / n - rate)).toBeLessThan(4 * Math.sqrt((rate * (1 - rate)) / n));
    }
  });

  it('keeps a forced kind that does not apply to a call for the next call it applies to', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 32 - 1 }), (seed) => {
        const schedule = new ChannelSchedule(seed, 'data-api');
        const first = Array.from({ length: 30 }, () => schedule.next((k) => k !== 'loader-stop-after-copy'));
        expect(first).not.toContain('loader-stop-after-copy');
        expect(first).toContain('data-api-conflict');
        expect(first).toContain('data-api-statement-error');
        expect(schedule.next()).toBe('loader-stop-after-copy');
        expect(schedule.callsSeen).toBe(31);
      }),
    );
  });
});
