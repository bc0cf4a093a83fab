import type { AthenaWorkgroup } from '@cdktf/provider-aws/lib/athena-workgroup';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy';
import { QuicksightDataSource } from '@cdktf/provider-aws/lib/quicksight-data-source';
import { QuicksightVpcConnection } from '@cdktf/provider-aws/lib/quicksight-vpc-connection';
import type { SecurityGroup } from '@cdktf/provider-aws/lib/security-group';
import { VpcSecurityGroupEgressRule } from '@cdktf/provider-aws/lib/vpc-security-group-egress-rule';
import { VpcSecurityGroupIngressRule } from '@cdktf/provider-aws/lib/vpc-security-group-ingress-rule';
import { Construct } from 'constructs';
import { policyDocument } from '../iam';
import type { PlatformContext } from '../platform-context';
import { type DataCatalog, catalogDatabaseName } from './catalog';
import type { Network } from './network';
import { PlatformBiDashboard } from './quicksight/dashboard';
import { QuickSightDataSets } from './quicksight/data-sets';
import { REDSHIFT_PORT, type RedshiftWarehouse } from './warehouse';
import type { WarehouseSchema } from './warehouse-schema';

/** What the configured principal may do with each data source (the owner's set, as the console grants it). */
export const DATA_SOURCE_OWNER_ACTIONS = [
  'quicksight:DescribeDataSource',
  'quicksight:DescribeDataSourcePermissions',
  'quicksight:PassDataSource',
  'quicksight:UpdateDataSource',
  'quicksight:UpdateDataSourcePermissions',
  'quicksight:DeleteDataSource',
] as const;

export interface QuickSightProps {
  readonly context: PlatformContext;
  readonly network: Network;
  /** The warehouse; a Redshift data source (through a VPC connection) is created when it has a cluster. @default none */
  readonly warehouse?: RedshiftWarehouse;
  /** The Athena workgroup of the lake tables; an Athena data source is created for it. @default none */
  readonly athenaWorkgroup?: AthenaWorkgroup;
  /** The lake's catalog: the lake data sets query its database and are created after its tables. @default none (no lake data sets) */
  readonly catalog?: DataCatalog;
  /** The warehouse's tables: the warehouse data sets are created after them. @default none */
  readonly warehouseSchema?: WarehouseSchema;
}

/**
 * QuickSight data sources for the lake (Athena) and the warehouse (Redshift, reached through a
 * QuickSight VPC connection in the private subnets), owned by `config.quicksight.principalArn`;
 * the data sets over them (quicksight/data-sets.ts) and, over the lake data sets, the platform
 * dashboard (quicksight/dashboard.ts).
 * The QuickSight account subscription, and QuickSight's access to S3, Athena and Secrets Manager,
 * are set up by hand (docs/warehouse.md): Terraform must not create a subscription.
 */
export class QuickSight extends Construct {
  readonly athenaDataSource?: QuicksightDataSource;
  readonly redshiftDataSource?: QuicksightDataSource;
  readonly vpcConnection?: QuicksightVpcConnection;
  readonly securityGroup?: SecurityGroup;
  readonly dataSets: QuickSightDataSets;
  /** The platform dashboard, when the lake data sets exist. */
  readonly dashboard?: PlatformBiDashboard;

  constructor(scope: Construct, id: string, props: QuickSightProps) {
    super(scope, id);
    const { context, network, warehouse, athenaWorkgroup, catalog } = props;
    const { config, naming, region, accountId } = context;
    if (!config.quicksight.enabled) throw new Error('QuickSight is created only when config.quicksight.enabled is true');
    const permission = [{ principal: config.quicksight.principalArn, actions: [...DATA_SOURCE_OWNER_ACTIONS] }];

    if (athenaWorkgroup) {
      this.athenaDataSource = new QuicksightDataSource(this, 'athena', {
        awsAccountId: accountId,
        dataSourceId: naming.regional('lake-athena', region),
        name: `${naming.prefix} lake (Athena)`,
        type: 'ATHENA',
        parameters: { athena: { workGroup: athenaWorkgroup.name } },
        permission,
      });
    }

    const cluster = warehouse?.cluster;
    if (warehouse && cluster) {
      this.securityGroup = network.createSecurityGroup('quicksight-sg', 'quicksight', 'QuickSight VPC connection: to Redshift only');
      new VpcSecurityGroupEgressRule(this, 'to-warehouse', {
        securityGroupId: this.securityGroup.id,
        referencedSecurityGroupId: warehouse.securityGroup.id,
        description: 'Queries to Redshift',
        ipProtocol: 'tcp',
        fromPort: REDSHIFT_PORT,
        toPort: REDSHIFT_PORT,
      });
      // QuickSight's network interfaces are not stateful: replies from Redshift need an inbound rule (QuickSight's documented set-up).
      new VpcSecurityGroupIngressRule(this, 'replies-from-warehouse', {
        securityGroupId: this.securityGroup.id,
        referencedSecurityGroupId: warehouse.securityGroup.id,
        description: 'Replies from Redshift (QuickSight network interfaces are stateless)',
        ipProtocol: 'tcp',
        fromPort: 0,
        toPort: 65535,
      });
      warehouse.allowFrom('from-quicksight', this.securityGroup, 'QuickSight VPC connection');

      const role = new IamRole(this, 'vpc-connection-role', {
        name: naming.regional('quicksight-vpc', region),
        description: 'QuickSight manages its network interfaces in the private subnets',
        assumeRolePolicy: policyDocument([{ Effect: 'Allow', Principal: { Service: 'quicksight.amazonaws.com' }, Action: 'sts:AssumeRole' }]),
      });
      const subnetArns = network.privateSubnets.map((s) => s.arn);
      const interfaces = `arn:aws:ec2:${region}:${accountId}:network-interface/*`;
      new IamRolePolicy(this, 'vpc-connection-policy', {
        role: role.id,
        name: 'manage-network-interfaces',
        policy: policyDocument([
          {
            Sid: 'CreateInterfacesInPrivateSubnets',
            Effect: 'Allow',
            Action: 'ec2:CreateNetworkInterface',
            Resource: [interfaces, ...subnetArns, this.securityGroup.arn],
          },
          {
            Sid: 'ManageOwnInterfaces',
            Effect: 'Allow',
            Action: ['ec2:ModifyNetworkInterfaceAttribute', 'ec2:DeleteNetworkInterface'],
            Resource: [interfaces, this.securityGroup.arn],
          },
          // Describe calls take no resource ARNs.
          { Sid: 'DescribeNetwork', Effect: 'Allow', Action: ['ec2:DescribeSubnets', 'ec2:DescribeSecurityGroups'], Resource: '*' },
        ]),
      });
      this.vpcConnection = new QuicksightVpcConnection(this, 'vpc-connection', {
        awsAccountId: accountId,
        vpcConnectionId: naming.regional('quicksight', region),
        name: `${naming.prefix} private subnets`,
        roleArn: role.arn,
        subnetIds: network.privateSubnets.map((s) => s.id),
        securityGroupIds: [this.securityGroup.id],
      });

      this.redshiftDataSource = new QuicksightDataSource(this, 'redshift', {
        awsAccountId: accountId,
        dataSourceId: naming.regional('warehouse-redshift', region),
        name: `${naming.prefix} warehouse (Redshift)`,
        type: 'REDSHIFT',
        parameters: { redshift: { clusterId: cluster.clusterIdentifier, database: cluster.databaseName, host: cluster.dnsName, port: REDSHIFT_PORT } },
        credentials: { secretArn: cluster.masterPasswordSecretArn },
        vpcConnectionProperties: { vpcConnectionArn: this.vpcConnection.arn },
        sslProperties: { disableSsl: false },
        permission,
      });
    }

    const lakeSource = catalog ? this.athenaDataSource : undefined;
    this.dataSets = new QuickSightDataSets(this, 'data-sets', {
      context,
      athenaDataSource: lakeSource,
      redshiftDataSource: this.redshiftDataSource,
      lakeDatabase: lakeSource ? catalogDatabaseName(context) : undefined,
      lakeDependsOn: catalog ? Object.values(catalog.tables) : undefined,
      warehouseDependsOn: props.warehouseSchema?.statements,
    });
    if (lakeSource) this.dashboard = new PlatformBiDashboard(this, 'dashboard', { context, dataSets: this.dataSets.dataSets, specs: this.dataSets.specs });
  }
}
