import { DataAwsEc2ManagedPrefixList } from '@cdktf/provider-aws/lib/data-aws-ec2-managed-prefix-list';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy';
import { RedshiftCluster } from '@cdktf/provider-aws/lib/redshift-cluster';
import { RedshiftLogging } from '@cdktf/provider-aws/lib/redshift-logging';
import { RedshiftParameterGroup } from '@cdktf/provider-aws/lib/redshift-parameter-group';
import { RedshiftSnapshotSchedule } from '@cdktf/provider-aws/lib/redshift-snapshot-schedule';
import { RedshiftSnapshotScheduleAssociation } from '@cdktf/provider-aws/lib/redshift-snapshot-schedule-association';
import { RedshiftSubnetGroup } from '@cdktf/provider-aws/lib/redshift-subnet-group';
import type { SecurityGroup } from '@cdktf/provider-aws/lib/security-group';
import { VpcSecurityGroupEgressRule } from '@cdktf/provider-aws/lib/vpc-security-group-egress-rule';
import { VpcSecurityGroupIngressRule } from '@cdktf/provider-aws/lib/vpc-security-group-ingress-rule';
import { Construct } from 'constructs';
import { TABLES } from '../../functions/shared/contract';
import { type LoadableTable, WAREHOUSE_TABLES } from '../../functions/warehouse-loader/sql';
import { kmsUseStatement, policyDocument, type PolicyStatement } from '../iam';
import type { PlatformContext } from '../platform-context';
import type { DataLake } from './data-lake';
import type { PlatformKey } from './encryption';
import { EncryptedLogGroup } from './log-group';
import type { Network } from './network';
import { SecureBucket } from './secure-bucket';

/** Redshift's port; RA3 clusters may use others, but nothing gains from moving it. */
export const REDSHIFT_PORT = 5439;
/** Audit logs Redshift exports (connection, user and user-activity logs). */
export const REDSHIFT_LOG_EXPORTS = ['connectionlog', 'userlog', 'useractivitylog'] as const;
/** Parameter group family of every current Redshift engine version. */
const PARAMETER_GROUP_FAMILY = 'redshift-1.0';
/** Lake prefixes whose Parquet objects are loaded (the tables sql.ts knows how to merge). */
export const LOADED_PREFIXES: readonly string[] = (Object.keys(WAREHOUSE_TABLES) as LoadableTable[]).map((t) => TABLES[t].prefix);
/** Days a COPY manifest is kept (it is needed only while its load runs; the rest is for inspection). */
const MANIFEST_EXPIRATION_DAYS = 7;

export interface RedshiftWarehouseProps {
  readonly context: PlatformContext;
  readonly platformKey: PlatformKey;
  readonly network: Network;
  /** The region's lake: COPY reads its curated/ and predictions/ prefixes. */
  readonly dataLake: DataLake;
  /** Nodes of the cluster. @default config.redshift.numberOfNodes */
  readonly numberOfNodes?: number;
  /**
   * Create the cluster. `false` creates only what restoring one from a snapshot and loading into it
   * need (subnet group, security group, parameter group, COPY role, manifests bucket, encrypted log
   * groups): the DR pilot light.
   * @default true
   */
  readonly createCluster?: boolean;
}

/** A snapshot schedule definition for an interval in hours: `rate(1 hour)`, `rate(6 hours)`. */
export function snapshotRate(hours: number): string {
  return hours === 1 ? 'rate(1 hour)' : `rate(${hours} hours)`;
}

/**
 * The region's Redshift warehouse: a private RA3 cluster in the database subnets, encrypted with
 * the platform key, SSL required, user activity and audit logs in encrypted CloudWatch log groups,
 * admin password in Secrets Manager, enhanced VPC routing (COPY traffic stays on the S3 gateway
 * endpoint), automated snapshots on a schedule (the warehouse RPO), and a role COPY assumes that
 * reads only the lake prefixes the warehouse loads and the manifests.
 */
export class RedshiftWarehouse extends Construct {
  /** Deterministic cluster identifier (also what a DR restore names the cluster). */
  readonly clusterIdentifier: string;
  readonly subnetGroup: RedshiftSubnetGroup;
  readonly securityGroup: SecurityGroup;
  readonly parameterGroup: RedshiftParameterGroup;
  /** The role COPY uses (`IAM_ROLE default`). */
  readonly copyRole: IamRole;
  /** COPY manifests, one per loaded object, readable by the COPY role. */
  readonly manifests: SecureBucket;
  readonly logGroups: readonly EncryptedLogGroup[];
  /** Absent in a restore-only (pilot-light) region. */
  readonly cluster?: RedshiftCluster;
  readonly snapshotSchedule?: RedshiftSnapshotSchedule;
  private readonly context: PlatformContext;

  constructor(scope: Construct, id: string, props: RedshiftWarehouseProps) {
    super(scope, id);
    const { context, platformKey, network, dataLake } = props;
    const { config, naming, region, accountId } = context;
    const redshift = config.redshift;
    this.context = context;
    this.clusterIdentifier = naming.regional('warehouse', region);
    this.node.addValidation({ validate: () => clusterIdentifierProblems(this.clusterIdentifier) });

    this.subnetGroup = new RedshiftSubnetGroup(this, 'subnet-group', {
      name: this.clusterIdentifier,
      description: 'Database subnets: no route to the internet',
      subnetIds: network.databaseSubnets.map((s) => s.id),
    });

    this.securityGroup = network.createSecurityGroup('warehouse-sg', 'warehouse', `Redshift: ${REDSHIFT_PORT} from the platform's own security groups only`);
    // Enhanced VPC routing sends COPY's S3 reads through the VPC: allow HTTPS to S3's prefix list (the gateway endpoint) and nothing else.
    const s3PrefixList = new DataAwsEc2ManagedPrefixList(this, 's3-prefix-list', { name: `com.amazonaws.${region}.s3` });
    new VpcSecurityGroupEgressRule(this, 'egress-s3', {
      securityGroupId: this.securityGroup.id,
      description: 'COPY reads the lake through the S3 gateway endpoint (enhanced VPC routing)',
      ipProtocol: 'tcp',
      fromPort: 443,
      toPort: 443,
      prefixListId: s3PrefixList.id,
    });

    this.parameterGroup = new RedshiftParameterGroup(this, 'parameter-group', {
      name: this.clusterIdentifier,
      family: PARAMETER_GROUP_FAMILY,
      description: 'SSL required, user activity logged',
      parameter: [
        { name: 'require_ssl', value: 'true' },
        { name: 'enable_user_activity_logging', value: 'true' },
      ],
    });

    this.copyRole = new IamRole(this, 'copy-role', {
      name: naming.regional('warehouse-copy', region),
      description: 'Assumed by Redshift for COPY: reads the granted lake prefixes only',
      // Redshift assumes the role as its service principal; the role is attached to this account's cluster only.
      assumeRolePolicy: policyDocument([{ Effect: 'Allow', Principal: { Service: 'redshift.amazonaws.com' }, Action: 'sts:AssumeRole' }]),
    });
    this.manifests = new SecureBucket(this, 'manifests', {
      bucketName: naming.bucketName('manifests', region, accountId),
      encryption: { kind: 'kms', key: platformKey },
      accessLogTarget: dataLake.accessLogs,
      noncurrentVersionExpirationDays: 1,
      abortIncompleteMultipartUploadDays: config.dataLake.abortIncompleteMultipartUploadDays,
      forceDestroy: config.dataLake.forceDestroy,
      lifecycleRules: [{ id: 'expire-manifests', status: 'Enabled', filter: [{}], expiration: [{ days: MANIFEST_EXPIRATION_DAYS }] }],
    });
    new IamRolePolicy(this, 'copy-policy', {
      role: this.copyRole.id,
      name: 'copy-from-lake',
      policy: policyDocument([
        kmsUseStatement(platformKey.arn, 'DecryptLakeObjects'),
        ...copyFromStatements('Lake', dataLake.lake, LOADED_PREFIXES),
        ...copyFromStatements(
          'Manifests',
          this.manifests,
          Object.values(WAREHOUSE_TABLES).map((t) => `${t.name}/`),
        ),
      ]),
    });

    // Created ahead of the cluster so Redshift writes into encrypted groups with a retention, not into ones it would create bare.
    this.logGroups = REDSHIFT_LOG_EXPORTS.map(
      (log) => new EncryptedLogGroup(this, `log-${log}`, { context, platformKey, name: `/aws/redshift/cluster/${this.clusterIdentifier}/${log}` }),
    );

    if (props.createCluster ?? true) {
      const nodes = props.numberOfNodes ?? redshift.numberOfNodes;
      this.cluster = new RedshiftCluster(this, 'cluster', {
        clusterIdentifier: this.clusterIdentifier,
        nodeType: redshift.nodeType,
        clusterType: nodes === 1 ? 'single-node' : 'multi-node',
        numberOfNodes: nodes,
        databaseName: redshift.databaseName,
        masterUsername: redshift.masterUsername,
        manageMasterPassword: true,
        masterPasswordSecretKmsKeyId: platformKey.arn,
        clusterSubnetGroupName: this.subnetGroup.name,
        vpcSecurityGroupIds: [this.securityGroup.id],
        publiclyAccessible: false,
        port: REDSHIFT_PORT,
        encrypted: 'true',
        kmsKeyId: platformKey.arn,
        enhancedVpcRouting: true,
        clusterParameterGroupName: this.parameterGroup.name,
        automatedSnapshotRetentionPeriod: redshift.automatedSnapshotRetentionDays,
        preferredMaintenanceWindow: redshift.maintenanceWindow,
        allowVersionUpgrade: true,
        iamRoles: [this.copyRole.arn],
        defaultIamRoleArn: this.copyRole.arn,
        skipFinalSnapshot: false,
        finalSnapshotIdentifier: `${this.clusterIdentifier}-final`,
      });

      new RedshiftLogging(this, 'logging', {
        clusterIdentifier: this.cluster.clusterIdentifier,
        logDestinationType: 'cloudwatch',
        logExports: [...REDSHIFT_LOG_EXPORTS],
        dependsOn: this.logGroups.map((g) => g.logGroup),
      });

      // Automated snapshots otherwise come every ~8 h or 5 GB per node; the schedule bounds the RPO.
      this.snapshotSchedule = new RedshiftSnapshotSchedule(this, 'snapshot-schedule', {
        identifier: naming.regional('warehouse-snapshots', region),
        description: `Automated snapshot every ${redshift.snapshotIntervalHours} h: the warehouse RPO`,
        definitions: [snapshotRate(redshift.snapshotIntervalHours)],
      });
      new RedshiftSnapshotScheduleAssociation(this, 'snapshot-schedule-association', {
        clusterIdentifier: this.cluster.clusterIdentifier,
        scheduleIdentifier: this.snapshotSchedule.identifier,
      });
    }
  }

  /** Admits Redshift connections (port 5439) from one of the platform's security groups. */
  allowFrom(id: string, source: SecurityGroup, description: string): void {
    new VpcSecurityGroupIngressRule(this, id, {
      securityGroupId: this.securityGroup.id,
      referencedSecurityGroupId: source.id,
      description,
      ipProtocol: 'tcp',
      fromPort: REDSHIFT_PORT,
      toPort: REDSHIFT_PORT,
    });
  }

  /** ARN of the cluster as the Data API authorizes it. */
  get clusterArn(): string {
    const { region, accountId } = this.context;
    return `arn:aws:redshift:${region}:${accountId}:cluster:${this.clusterIdentifier}`;
  }

  /**
   * What a principal needs to run SQL through the Data API as one database user, with IAM
   * temporary credentials (the Data API's DbUser): statements on this cluster, credentials for
   * that user and this database only, and its own statements' status and results. No secret is
   * readable: the admin password stays with the deploy-time statements.
   */
  dataApiStatements(dbUser: string): PolicyStatement[] {
    if (!this.cluster) throw new Error('dataApiStatements: this region has no cluster (pilot light); run SQL only where config creates one');
    const { region, accountId } = this.context;
    const clusterResource = `${region}:${accountId}`;
    return [
      {
        Sid: 'RunSqlOnWarehouse',
        Effect: 'Allow',
        Action: ['redshift-data:ExecuteStatement', 'redshift-data:BatchExecuteStatement'],
        Resource: this.clusterArn,
      },
      {
        Sid: 'SignInAsOwnDatabaseUser',
        Effect: 'Allow',
        Action: 'redshift:GetClusterCredentials',
        Resource: [
          `arn:aws:redshift:${clusterResource}:dbuser:${this.clusterIdentifier}/${dbUser}`,
          `arn:aws:redshift:${clusterResource}:dbname:${this.clusterIdentifier}/${this.context.config.redshift.databaseName}`,
        ],
      },
      {
        // These actions take no resource ARN; the condition limits them to statements this principal submitted.
        Sid: 'FollowOwnStatements',
        Effect: 'Allow',
        Action: ['redshift-data:DescribeStatement', 'redshift-data:CancelStatement'],
        Resource: '*',
        Condition: { StringEquals: { 'redshift-data:statement-owner-iam-userid': '$${aws:userid}' } },
      },
    ];
  }
}

/** Redshift cluster identifier rules, checked at synth so a bad project name fails before apply. */
export function clusterIdentifierProblems(identifier: string): string[] {
  const ok = /^[a-z][a-z0-9-]{0,62}$/.test(identifier) && !identifier.includes('--') && !identifier.endsWith('-');
  return ok
    ? []
    : [
        `Redshift cluster identifier "${identifier}" is invalid: it must be 1-63 lowercase letters, digits and single hyphens, start with a letter and not end with a hyphen (change PROJECT_NAME / ENVIRONMENT)`,
      ];
}

/** What COPY needs to read the objects under `prefixes` of a bucket (and to list only those prefixes). */
function copyFromStatements(sid: string, bucket: SecureBucket, prefixes: readonly string[]): PolicyStatement[] {
  return [
    bucket.grantRead(
      `${sid}Read`,
      prefixes.map((prefix) => `${prefix}*`),
    ),
    bucket.grantList(`${sid}List`, prefixes, ['s3:ListBucket', 's3:GetBucketLocation']),
  ];
}
