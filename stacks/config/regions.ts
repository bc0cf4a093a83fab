/**
 * Commercial AWS regions the platform can deploy to, with the number of Availability Zones a new
 * account can use there. Synthesis needs the count up front (subnets per AZ); the AZ names
 * themselves are read at apply time from `aws_availability_zones`.
 */
export const REGION_AZ_COUNTS: Readonly<Record<string, number>> = {
  'us-east-1': 6,
  'us-east-2': 3,
  'us-west-1': 2,
  'us-west-2': 4,
  'ca-central-1': 3,
  'ca-west-1': 3,
  'mx-central-1': 3,
  'sa-east-1': 3,
  'eu-west-1': 3,
  'eu-west-2': 3,
  'eu-west-3': 3,
  'eu-central-1': 3,
  'eu-central-2': 3,
  'eu-north-1': 3,
  'eu-south-1': 3,
  'eu-south-2': 3,
  'il-central-1': 3,
  'me-south-1': 3,
  'me-central-1': 3,
  'af-south-1': 3,
  'ap-east-1': 3,
  'ap-south-1': 3,
  'ap-south-2': 3,
  'ap-northeast-1': 3,
  'ap-northeast-2': 4,
  'ap-northeast-3': 3,
  'ap-southeast-1': 3,
  'ap-southeast-2': 3,
  'ap-southeast-3': 3,
  'ap-southeast-4': 3,
  'ap-southeast-5': 3,
  'ap-southeast-7': 3,
};

export const KNOWN_REGIONS = Object.keys(REGION_AZ_COUNTS);

const DIRECTION_CODES: Readonly<Record<string, string>> = {
  north: 'n',
  south: 's',
  east: 'e',
  west: 'w',
  central: 'c',
  northeast: 'ne',
  northwest: 'nw',
  southeast: 'se',
  southwest: 'sw',
};

/** Compact region code used in resource names that have tight length limits: us-east-1 -> use1. */
export function regionShortCode(region: string): string {
  const [geo, direction, index] = region.split('-');
  const code = Object.hasOwn(DIRECTION_CODES, direction) ? DIRECTION_CODES[direction] : undefined;
  if (!geo || !code || !index) {
    throw new Error(`regionShortCode: "${region}" is not a region name of the form geo-direction-N`);
  }
  return `${geo}${code}${index}`;
}

/** Longest short code among known regions; used to budget name lengths at validation time. */
export const LONGEST_REGION_SHORT_CODE = Math.max(...KNOWN_REGIONS.map((r) => regionShortCode(r).length));
