import { deviceClass, normaliseCountry, partitionOf, partitionPrefix } from '../../../functions/shared/contract';

describe('normalisation', () => {
  it('maps device strings to classes and countries to upper-case ISO codes', () => {
    expect(['mobile', 'iPhone', ' Android ', 'ipad', 'Desktop', 'smart-tv'].map(deviceClass)).toEqual([
      'mobile',
      'mobile',
      'mobile',
      'tablet',
      'desktop',
      'other',
    ]);
    expect(['us', 'UK', 'gb', 'De'].map(normaliseCountry)).toEqual(['US', 'GB', 'GB', 'DE']);
    // Client-controlled strings must not resolve through Object.prototype.
    expect(['constructor', '__proto__', 'toString'].map(deviceClass)).toEqual(['other', 'other', 'other']);
  });

  it('partitions by UTC date and hour', () => {
    expect(partitionOf(Date.UTC(2024, 11, 31, 23, 59, 59))).toEqual({ dt: '2024-12-31', hour: '23' });
    expect(partitionPrefix('curated', Date.UTC(2024, 0, 2, 3))).toBe('curated/dt=2024-01-02/hour=03/');
    expect(partitionPrefix('quarantine', Date.UTC(2024, 0, 2, 3))).toBe('quarantine/dt=2024-01-02/hour=03/');
  });
});
