/**
 * Subnet plan of a regional VPC, computed at synth time so the plan is readable in the
 * synthesized JSON and unit-testable. For a /16: public /24s, private /20s (room for Lambda ENIs
 * and SageMaker), database /24s near the top of the range.
 */

export type SubnetTier = 'public' | 'private' | 'database';

export interface SubnetPlan {
  readonly tier: SubnetTier;
  /** Index of the AZ in the region's available-AZ list. */
  readonly azIndex: number;
  readonly cidr: string;
}

function parseCidr(cidr: string): { base: number; prefix: number } {
  const match = /^(\d+)\.(\d+)\.(\d+)\.(\d+)\/(\d+)$/.exec(cidr);
  if (!match) throw new Error(`parseCidr: "${cidr}" is not an IPv4 CIDR block`);
  const base = match.slice(1, 5).reduce((acc, octet) => acc * 256 + Number(octet), 0);
  return { base, prefix: Number(match[5]) };
}

function formatAddress(address: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(address / 2 ** shift) % 256).join('.');
}

/** Terraform's cidrsubnet(): the netNum-th block of prefix+newBits inside cidr. */
export function cidrSubnet(cidr: string, newBits: number, netNum: number): string {
  const { base, prefix } = parseCidr(cidr);
  const newPrefix = prefix + newBits;
  if (newPrefix > 28) throw new Error(`cidrSubnet: /${newPrefix} is smaller than the /28 AWS allows for a subnet`);
  if (netNum < 0 || netNum >= 2 ** newBits) throw new Error(`cidrSubnet: block ${netNum} does not fit ${newBits} new bits`);
  const blockSize = 2 ** (32 - newPrefix);
  const start = base - (base % 2 ** (32 - prefix)) + netNum * blockSize;
  return `${formatAddress(start)}/${newPrefix}`;
}

/** Subnets for `azCount` AZs: the three tiers never overlap and stay inside the VPC block. */
export function planSubnets(vpcCidr: string, azCount: number): SubnetPlan[] {
  const plans: SubnetPlan[] = [];
  for (let az = 0; az < azCount; az++) {
    plans.push({ tier: 'public', azIndex: az, cidr: cidrSubnet(vpcCidr, 8, az) });
    plans.push({ tier: 'private', azIndex: az, cidr: cidrSubnet(vpcCidr, 4, az + 1) });
    plans.push({ tier: 'database', azIndex: az, cidr: cidrSubnet(vpcCidr, 8, 200 + az) });
  }
  return plans;
}
