import { DataAwsAvailabilityZones } from '@cdktf/provider-aws/lib/data-aws-availability-zones';
import { DefaultSecurityGroup } from '@cdktf/provider-aws/lib/default-security-group';
import { Eip } from '@cdktf/provider-aws/lib/eip';
import { FlowLog } from '@cdktf/provider-aws/lib/flow-log';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy';
import { InternetGateway } from '@cdktf/provider-aws/lib/internet-gateway';
import { NatGateway } from '@cdktf/provider-aws/lib/nat-gateway';
import { Route } from '@cdktf/provider-aws/lib/route';
import { RouteTable } from '@cdktf/provider-aws/lib/route-table';
import { RouteTableAssociation } from '@cdktf/provider-aws/lib/route-table-association';
import { SecurityGroup } from '@cdktf/provider-aws/lib/security-group';
import { Subnet } from '@cdktf/provider-aws/lib/subnet';
import { Vpc } from '@cdktf/provider-aws/lib/vpc';
import { VpcEndpoint } from '@cdktf/provider-aws/lib/vpc-endpoint';
import { VpcSecurityGroupEgressRule } from '@cdktf/provider-aws/lib/vpc-security-group-egress-rule';
import { VpcSecurityGroupIngressRule } from '@cdktf/provider-aws/lib/vpc-security-group-ingress-rule';
import { Fn } from 'cdktf';
import { Construct } from 'constructs';
import { REGION_AZ_COUNTS, regionShortCode } from '../config/regions';
import { policyDocument, serviceTrustPolicy } from '../iam';
import { planSubnets, type SubnetTier } from '../network-layout';
import type { PlatformContext } from '../platform-context';
import type { PlatformKey } from './encryption';
import { EncryptedLogGroup } from './log-group';

/** Interface endpoints for every AWS API the platform's private workloads call. */
export const INTERFACE_ENDPOINT_SERVICES = [
  'kinesis-streams',
  'sagemaker.runtime',
  'redshift-data',
  'sts',
  'logs',
  'monitoring',
  'secretsmanager',
  'sqs',
  'kms',
] as const;

/** Zone IDs a regional VPC may use: `<region code>-az1` .. `-az6` (zone-id filter values). */
export function candidateZoneIds(region: string): string[] {
  return Array.from({ length: 6 }, (_, i) => `${regionShortCode(region)}-az${i + 1}`);
}

export interface NetworkProps {
  readonly context: PlatformContext;
  readonly platformKey: PlatformKey;
  /** VPC CIDR. @default config.network.primaryVpcCidr or drVpcCidr, by stack role */
  readonly cidr?: string;
  /** NAT gateways: one for the VPC or one per AZ. @default config.network.natStrategy */
  readonly natStrategy?: 'single' | 'per-az';
}

/**
 * Regional VPC: public subnets (NAT and nothing else), private subnets (Lambda, SageMaker,
 * endpoints) and database subnets (Redshift, no route to the internet), flow logs, a default
 * security group without rules, and VPC endpoints so AWS API traffic stays off the NAT.
 */
export class Network extends Construct {
  readonly vpc: Vpc;
  readonly publicSubnets: Subnet[] = [];
  readonly privateSubnets: Subnet[] = [];
  readonly databaseSubnets: Subnet[] = [];
  readonly privateRouteTables: RouteTable[] = [];
  readonly databaseRouteTable: RouteTable;
  /** Security group of the interface endpoints (443 from inside the VPC only). */
  readonly endpointSecurityGroup: SecurityGroup;
  readonly cidr: string;
  readonly azCount: number;
  private readonly context: PlatformContext;

  constructor(scope: Construct, id: string, props: NetworkProps) {
    super(scope, id);
    const { context, platformKey } = props;
    this.context = context;
    const { config, naming, region } = context;
    this.cidr = props.cidr ?? (context.role === 'primary' ? config.network.primaryVpcCidr : config.network.drVpcCidr);
    this.azCount = Math.min(config.network.maxAzs, REGION_AZ_COUNTS[region] ?? 2);
    const natStrategy = props.natStrategy ?? config.network.natStrategy;
    const name = (suffix: string) => naming.regional(suffix, region);

    // Allowlist zone IDs (stable across accounts, unlike zone names) so the subnet-to-AZ mapping
    // cannot shift when AWS adds a zone to the region. IDs are not contiguous everywhere
    // (ap-northeast-1 has az1, az2, az4), hence the generous list; Local Zones never match it.
    const zones = new DataAwsAvailabilityZones(this, 'zones', {
      state: 'available',
      filter: [{ name: 'zone-id', values: candidateZoneIds(region) }],
    });
    const azName = (index: number) => Fn.element(zones.names, index);

    this.vpc = new Vpc(this, 'vpc', {
      cidrBlock: this.cidr,
      enableDnsHostnames: true,
      enableDnsSupport: true,
      tags: { Name: name('vpc') },
    });

    // Strip every rule from the default security group so nothing can use it by accident (CIS 5.4).
    new DefaultSecurityGroup(this, 'default-sg', { vpcId: this.vpc.id, ingress: [], egress: [], tags: { Name: name('default-do-not-use') } });

    const igw = new InternetGateway(this, 'igw', { vpcId: this.vpc.id, tags: { Name: name('igw') } });

    const tierSubnets: Record<SubnetTier, Subnet[]> = { public: this.publicSubnets, private: this.privateSubnets, database: this.databaseSubnets };
    for (const plan of planSubnets(this.cidr, this.azCount)) {
      tierSubnets[plan.tier].push(
        new Subnet(this, `${plan.tier}-${plan.azIndex}`, {
          vpcId: this.vpc.id,
          cidrBlock: plan.cidr,
          availabilityZone: azName(plan.azIndex),
          // Only the public tier may hand out public IPs, and even there nothing but NAT gateways lives.
          mapPublicIpOnLaunch: false,
          tags: { Name: name(`${plan.tier}-${plan.azIndex}`), Tier: plan.tier },
        }),
      );
    }

    const publicRouteTable = new RouteTable(this, 'public-rt', { vpcId: this.vpc.id, tags: { Name: name('public') } });
    new Route(this, 'public-default-route', { routeTableId: publicRouteTable.id, destinationCidrBlock: '0.0.0.0/0', gatewayId: igw.id });
    this.publicSubnets.forEach((subnet, i) => new RouteTableAssociation(this, `public-rta-${i}`, { subnetId: subnet.id, routeTableId: publicRouteTable.id }));

    const natCount = natStrategy === 'per-az' ? this.azCount : 1;
    const natGateways = Array.from({ length: natCount }, (_, i) => {
      const eip = new Eip(this, `nat-eip-${i}`, { domain: 'vpc', tags: { Name: name(`nat-${i}`) } });
      return new NatGateway(this, `nat-${i}`, {
        allocationId: eip.allocationId,
        subnetId: this.publicSubnets[i].id,
        tags: { Name: name(`nat-${i}`) },
        dependsOn: [igw],
      });
    });

    this.privateSubnets.forEach((subnet, i) => {
      const table = new RouteTable(this, `private-rt-${i}`, { vpcId: this.vpc.id, tags: { Name: name(`private-${i}`) } });
      new Route(this, `private-default-route-${i}`, { routeTableId: table.id, destinationCidrBlock: '0.0.0.0/0', natGatewayId: natGateways[i % natCount].id });
      new RouteTableAssociation(this, `private-rta-${i}`, { subnetId: subnet.id, routeTableId: table.id });
      this.privateRouteTables.push(table);
    });

    // The database tier has no default route at all: the warehouse never reaches the internet.
    this.databaseRouteTable = new RouteTable(this, 'database-rt', { vpcId: this.vpc.id, tags: { Name: name('database') } });
    this.databaseSubnets.forEach(
      (subnet, i) => new RouteTableAssociation(this, `database-rta-${i}`, { subnetId: subnet.id, routeTableId: this.databaseRouteTable.id }),
    );

    this.addFlowLogs(context, platformKey);

    this.endpointSecurityGroup = new SecurityGroup(this, 'endpoint-sg', {
      name: name('vpc-endpoints'),
      description: 'Interface VPC endpoints: HTTPS from inside the VPC only',
      vpcId: this.vpc.id,
      tags: { Name: name('vpc-endpoints') },
    });
    new VpcSecurityGroupIngressRule(this, 'endpoint-https-in', {
      securityGroupId: this.endpointSecurityGroup.id,
      description: 'HTTPS from the VPC',
      ipProtocol: 'tcp',
      fromPort: 443,
      toPort: 443,
      cidrIpv4: this.vpc.cidrBlock,
    });

    new VpcEndpoint(this, 'endpoint-s3', {
      vpcId: this.vpc.id,
      serviceName: `com.amazonaws.${region}.s3`,
      vpcEndpointType: 'Gateway',
      routeTableIds: [...this.privateRouteTables.map((t) => t.id), this.databaseRouteTable.id],
      tags: { Name: name('s3') },
    });
    for (const service of INTERFACE_ENDPOINT_SERVICES) {
      new VpcEndpoint(this, `endpoint-${service.replace(/\./g, '-')}`, {
        vpcId: this.vpc.id,
        serviceName: `com.amazonaws.${region}.${service}`,
        vpcEndpointType: 'Interface',
        privateDnsEnabled: true,
        subnetIds: this.privateSubnets.map((s) => s.id),
        securityGroupIds: [this.endpointSecurityGroup.id],
        tags: { Name: name(service) },
      });
    }
  }

  /** A security group in this VPC with no rules yet; callers add narrowly scoped rules. */
  createSecurityGroup(id: string, purpose: string, description: string): SecurityGroup {
    const name = this.context.naming.regional(purpose, this.context.region);
    return new SecurityGroup(this, id, { name, description, vpcId: this.vpc.id, tags: { Name: name } });
  }

  /** Egress to HTTPS anywhere (through the NAT or the endpoints): what Lambda functions need. */
  allowHttpsEgress(id: string, group: SecurityGroup): void {
    new VpcSecurityGroupEgressRule(this, id, {
      securityGroupId: group.id,
      description: 'HTTPS to AWS APIs (VPC endpoints, or the NAT gateway)',
      ipProtocol: 'tcp',
      fromPort: 443,
      toPort: 443,
      cidrIpv4: '0.0.0.0/0',
    });
  }

  private addFlowLogs(context: PlatformContext, platformKey: PlatformKey): void {
    const { naming, region, accountId } = context;
    const logGroup = new EncryptedLogGroup(this, 'flow-logs', { context, platformKey, name: `/vpc/${naming.regional('flow-logs', region)}` });
    const role = new IamRole(this, 'flow-logs-role', {
      name: naming.regional('vpc-flow-logs', region),
      assumeRolePolicy: serviceTrustPolicy('vpc-flow-logs.amazonaws.com', accountId),
    });
    new IamRolePolicy(this, 'flow-logs-policy', {
      role: role.id,
      name: 'write-flow-logs',
      policy: policyDocument([
        {
          Effect: 'Allow',
          Action: ['logs:CreateLogStream', 'logs:PutLogEvents', 'logs:DescribeLogStreams'],
          Resource: [logGroup.arn, `${logGroup.arn}:*`],
        },
      ]),
    });
    new FlowLog(this, 'flow-log', {
      vpcId: this.vpc.id,
      trafficType: 'ALL',
      logDestinationType: 'cloud-watch-logs',
      logDestination: logGroup.arn,
      iamRoleArn: role.arn,
      maxAggregationInterval: 60,
    });
  }
}
