import * as fc from 'fast-check';
import { candidateZoneIds } from '../../stacks/constructs/network';
import { cidrSubnet, planSubnets } from '../../stacks/network-layout';

function range(cidr: string): [number, number] {
  const [address, prefix] = cidr.split('/');
  const base = address.split('.').reduce((acc, octet) => acc * 256 + Number(octet), 0);
  return [base, base + 2 ** (32 - Number(prefix)) - 1];
}

describe('subnet plan', () => {
  test('matches Terraform cidrsubnet() on known values', () => {
    expect(cidrSubnet('10.10.0.0/16', 8, 0)).toBe('10.10.0.0/24');
    expect(cidrSubnet('10.10.0.0/16', 4, 1)).toBe('10.10.16.0/20');
    expect(cidrSubnet('10.10.0.0/16', 8, 201)).toBe('10.10.201.0/24');
    expect(() => cidrSubnet('10.10.0.0/16', 8, 256)).toThrow(/does not fit/);
  });

  test('for any allowed VPC size and AZ count, subnets never overlap and stay inside the VPC', () => {
    fc.assert(
      fc.property(fc.integer({ min: 16, max: 20 }), fc.integer({ min: 0, max: 255 }), fc.integer({ min: 2, max: 3 }), (prefix, second, azs) => {
        const vpc = `10.${second}.0.0/${prefix}`;
        const [vpcStart, vpcEnd] = range(cidrSubnet(vpc, 0, 0));
        const ranges = planSubnets(vpc, azs).map((p) => range(p.cidr));
        expect(ranges).toHaveLength(azs * 3);
        for (const [start, end] of ranges) {
          expect(start).toBeGreaterThanOrEqual(vpcStart);
          expect(end).toBeLessThanOrEqual(vpcEnd);
        }
        const sorted = [...ranges].sort((a, b) => a[0] - b[0]);
        for (let i = 1; i < sorted.length; i++) expect(sorted[i][0]).toBeGreaterThan(sorted[i - 1][1]);
      }),
    );
  });
});

describe('availability zones', () => {
  test('the zone-id allowlist uses AWS zone-id codes', () => {
    expect(candidateZoneIds('us-east-1')).toEqual(['use1-az1', 'use1-az2', 'use1-az3', 'use1-az4', 'use1-az5', 'use1-az6']);
    expect(candidateZoneIds('ap-northeast-1')).toContain('apne1-az4');
    expect(candidateZoneIds('eu-central-1')[0]).toBe('euc1-az1');
  });
});
