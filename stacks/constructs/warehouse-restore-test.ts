import type { AthenaWorkgroup } from '@cdktf/provider-aws/lib/athena-workgroup';
import { CloudwatchMetricAlarm } from '@cdktf/provider-aws/lib/cloudwatch-metric-alarm';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy';
import { SchedulerSchedule } from '@cdktf/provider-aws/lib/scheduler-schedule';
import { SfnStateMachine } from '@cdktf/provider-aws/lib/sfn-state-machine';
import { Construct } from 'constructs';
import { ENV } from '../../functions/restore-test/config';
import { RESTORE_TEST_METRICS, RESTORE_TEST_SERVICE } from '../../functions/restore-test/metric-names';
import { LAKE_PREFIXES } from '../../functions/shared/lake-layout';
import { TABLES } from '../../functions/shared/contract';
import { LOADER_DB_USER, WAREHOUSE_SCHEMA } from '../../functions/warehouse-loader/sql';
import { restoreTestClusterPrefix } from '../config/restore-test-rules';
import { policyDocument, type PolicyStatement, serviceTrustPolicy } from '../iam';
import type { PlatformContext } from '../platform-context';
import type { AlertTopic } from './alerting';
import { ATHENA_RESULTS_PREFIX } from './athena';
import { catalogDatabaseName } from './catalog';
import type { FunctionCodeSigning } from './code-signing';
import type { DataLake } from './data-lake';
import type { PlatformKey } from './encryption';
import { EncryptedLogGroup } from './log-group';
import type { Network } from './network';
import { restoreTestDefinition } from './restore-test-definition';
import { TypescriptFunction } from './typescript-function';
import type { RedshiftWarehouse } from './warehouse';

/** Timeout of one step of the function (an Athena count over a day of events takes seconds to a few minutes). */
export const RESTORE_TEST_STEP_TIMEOUT_SECONDS = 600;

export interface WarehouseRestoreTestProps {
  readonly context: PlatformContext;
  readonly platformKey: PlatformKey;
  readonly network: Network;
  /** This region's warehouse: its subnet group, security group and parameter group take the temporary cluster. */
  readonly warehouse: RedshiftWarehouse;
  readonly dataLake: DataLake;
  /** The workgroup the lake count runs in. */
  readonly athenaWorkgroup: AthenaWorkgroup;
  readonly alertTopic: AlertTopic;
  readonly codeSigning?: FunctionCodeSigning;
  /** Seconds between two status checks of the restoring cluster. @default 120 */
  readonly pollSeconds?: number;
}

/**
 * Backup testing of the warehouse DR (DR stack): on config.redshift.restoreTest.schedule, EventBridge
 * Scheduler starts a Step Functions state machine (restore-test-definition.ts) that restores the
 * newest snapshot copied from the primary into a temporary cluster (the warehouse's subnet group,
 * security group and parameter group, the platform key), waits until it is available, compares
 * the events of a window before the snapshot with the lake's through Athena, always deletes the
 * cluster, and reports RestoreTestSuccess, RestoreDurationSeconds and RowCountDifference. A failed
 * test and a failed execution each alarm to the alert topic. Every Redshift permission is scoped
 * to the temporary clusters' identifier prefix.
 */
export class WarehouseRestoreTest extends Construct {
  readonly fn: TypescriptFunction;
  readonly stateMachine: SfnStateMachine;
  readonly schedule: SchedulerSchedule;
  readonly alarms: readonly CloudwatchMetricAlarm[];
  /** Identifier prefix of every temporary cluster. */
  readonly clusterPrefix: string;

  constructor(scope: Construct, id: string, props: WarehouseRestoreTestProps) {
    super(scope, id);
    const { context, platformKey, network, warehouse, dataLake, athenaWorkgroup, alertTopic } = props;
    const { config, naming, region, accountId, peerRegion } = context;
    if (context.role !== 'dr') throw new Error('WarehouseRestoreTest belongs to the DR stack: it restores the snapshots copied there');
    const settings = config.redshift.restoreTest;
    this.clusterPrefix = restoreTestClusterPrefix(config);
    const sourceCluster = naming.regional('warehouse', peerRegion);
    const arn = (resource: string) => `arn:aws:redshift:${region}:${accountId}:${resource}`;
    const tempClusters = arn(`cluster:${this.clusterPrefix}-*`);
    const lakeDatabase = catalogDatabaseName(context);
    const table = TABLES.curated.name;

    this.fn = new TypescriptFunction(this, 'function', {
      context,
      platformKey,
      network,
      entry: 'restore-test',
      service: RESTORE_TEST_SERVICE,
      description: 'Restore test of the copied warehouse snapshots: one state machine step per invocation',
      memoryMb: 256,
      timeoutSeconds: RESTORE_TEST_STEP_TIMEOUT_SECONDS,
      reservedConcurrency: 2,
      codeSigning: props.codeSigning,
      environment: {
        [ENV.sourceClusterIdentifier]: sourceCluster,
        [ENV.sourceRegion]: peerRegion,
        [ENV.clusterPrefix]: this.clusterPrefix,
        [ENV.nodeType]: settings.nodeType,
        [ENV.numberOfNodes]: String(settings.numberOfNodes),
        [ENV.subnetGroup]: warehouse.subnetGroup.name,
        [ENV.securityGroupId]: warehouse.securityGroup.id,
        [ENV.parameterGroup]: warehouse.parameterGroup.name,
        [ENV.kmsKeyId]: platformKey.arn,
        [ENV.database]: config.redshift.databaseName,
        [ENV.dbUser]: LOADER_DB_USER,
        [ENV.schema]: WAREHOUSE_SCHEMA,
        [ENV.workgroup]: athenaWorkgroup.name,
        [ENV.lakeDatabase]: lakeDatabase,
        [ENV.windowHours]: String(settings.countWindowHours),
        [ENV.settleMinutes]: String(settings.settleMinutes),
        [ENV.tolerance]: String(settings.rowCountTolerance),
        [ENV.restoreTimeoutMinutes]: String(settings.restoreTimeoutMinutes),
      },
      policyStatements: [
        // The documented policies for snapshot listing grant it on "*": the call filters by cluster, not by ARN.
        { Sid: 'ListSnapshots', Effect: 'Allow', Action: 'redshift:DescribeClusterSnapshots', Resource: '*' },
        {
          Sid: 'RestoreCopiedSnapshotsIntoTemporaryClusters',
          Effect: 'Allow',
          Action: 'redshift:RestoreFromClusterSnapshot',
          Resource: [arn(`snapshot:${sourceCluster}/*`), tempClusters],
        },
        { Sid: 'FollowAndDeleteTemporaryClusters', Effect: 'Allow', Action: ['redshift:DescribeClusters', 'redshift:DeleteCluster'], Resource: tempClusters },
        {
          // The restored cluster is encrypted with the platform key: Redshift needs a grant on it, for its own resources only.
          Sid: 'RestoredClusterUsesPlatformKey',
          Effect: 'Allow',
          Action: ['kms:CreateGrant', 'kms:DescribeKey'],
          Resource: platformKey.arn,
          Condition: { Bool: { 'kms:GrantIsForAWSResource': true }, StringEquals: { 'kms:ViaService': `redshift.${region}.amazonaws.com` } },
        },
        { Sid: 'CountInTemporaryClusters', Effect: 'Allow', Action: 'redshift-data:ExecuteStatement', Resource: tempClusters },
        {
          Sid: 'SignInAsLoaderUser',
          Effect: 'Allow',
          Action: 'redshift:GetClusterCredentials',
          Resource: [arn(`dbuser:${this.clusterPrefix}-*/${LOADER_DB_USER}`), arn(`dbname:${this.clusterPrefix}-*/${config.redshift.databaseName}`)],
        },
        {
          Sid: 'FollowOwnStatements',
          Effect: 'Allow',
          Action: ['redshift-data:DescribeStatement', 'redshift-data:GetStatementResult', 'redshift-data:CancelStatement'],
          Resource: '*',
          Condition: { StringEquals: { 'redshift-data:statement-owner-iam-userid': '$${aws:userid}' } },
        },
        {
          Sid: 'CountInLake',
          Effect: 'Allow',
          Action: ['athena:StartQueryExecution', 'athena:GetQueryExecution', 'athena:GetQueryResults', 'athena:StopQueryExecution'],
          Resource: `arn:aws:athena:${region}:${accountId}:workgroup/${athenaWorkgroup.name}`,
        },
        {
          Sid: 'ReadCuratedTable',
          Effect: 'Allow',
          Action: ['glue:GetDatabase', 'glue:GetTable'],
          Resource: [
            `arn:aws:glue:${region}:${accountId}:catalog`,
            `arn:aws:glue:${region}:${accountId}:database/${lakeDatabase}`,
            `arn:aws:glue:${region}:${accountId}:table/${lakeDatabase}/${table}`,
          ],
        },
        dataLake.lake.grantRead('ReadCuratedObjects', `${LAKE_PREFIXES.curated}*`),
        dataLake.lake.grantList('ListCuratedObjects', [LAKE_PREFIXES.curated], ['s3:ListBucket', 's3:GetBucketLocation']),
        dataLake.athenaResults.grantObjects('WriteQueryResults', ['s3:PutObject', 's3:GetObject', 's3:AbortMultipartUpload'], `${ATHENA_RESULTS_PREFIX}*`),
        dataLake.athenaResults.grantList('ListQueryResults', [ATHENA_RESULTS_PREFIX], ['s3:ListBucket', 's3:GetBucketLocation']),
      ],
    });

    // The state machine: a role that invokes the function, delivers logs and traces, and uses the key.
    const name = naming.regional('restore-test', region);
    const logGroup = new EncryptedLogGroup(this, 'state-machine-logs', { context, platformKey, name: `/aws/vendedlogs/states/${name}` });
    const role = new IamRole(this, 'state-machine-role', {
      name: naming.regional('restore-test-sfn', region),
      assumeRolePolicy: serviceTrustPolicy('states.amazonaws.com', accountId),
    });
    const stateMachineArn = `arn:aws:states:${region}:${accountId}:stateMachine:${name}`;
    const rolePolicy = new IamRolePolicy(this, 'state-machine-policy', {
      role: role.id,
      name: 'run-restore-test',
      policy: policyDocument(stateMachineStatements(this.fn.arn, platformKey.arn, stateMachineArn)),
    });
    this.stateMachine = new SfnStateMachine(this, 'state-machine', {
      name,
      roleArn: role.arn,
      type: 'STANDARD',
      definition: JSON.stringify(
        restoreTestDefinition({
          functionArn: this.fn.arn,
          pollSeconds: props.pollSeconds ?? 120,
          stepTimeoutSeconds: RESTORE_TEST_STEP_TIMEOUT_SECONDS + 60,
          deleteRetryMinutes: 60,
        }),
      ),
      loggingConfiguration: { logDestination: `${logGroup.arn}:*`, includeExecutionData: true, level: 'ALL' },
      tracingConfiguration: { enabled: true },
      encryptionConfiguration: { type: 'CUSTOMER_MANAGED_KMS_KEY', kmsKeyId: platformKey.arn, kmsDataKeyReusePeriodSeconds: 300 },
      dependsOn: [rolePolicy, logGroup.logGroup],
    });

    const schedulerRole = new IamRole(this, 'scheduler-role', {
      name: naming.regional('restore-test-scheduler', region),
      assumeRolePolicy: serviceTrustPolicy('scheduler.amazonaws.com', accountId),
    });
    const schedulerPolicy = new IamRolePolicy(this, 'scheduler-policy', {
      role: schedulerRole.id,
      name: 'start-restore-test',
      policy: policyDocument([
        { Sid: 'StartRestoreTest', Effect: 'Allow', Action: 'states:StartExecution', Resource: this.stateMachine.arn },
        { Sid: 'ReadEncryptedSchedule', Effect: 'Allow', Action: 'kms:Decrypt', Resource: platformKey.arn },
      ]),
    });
    this.schedule = new SchedulerSchedule(this, 'schedule', {
      name,
      description: `Starts the warehouse restore test at ${settings.schedule} (UTC)`,
      scheduleExpression: settings.schedule,
      scheduleExpressionTimezone: 'UTC',
      flexibleTimeWindow: { mode: 'OFF' },
      kmsKeyArn: platformKey.arn,
      target: { arn: this.stateMachine.arn, roleArn: schedulerRole.arn, input: '{}', retryPolicy: { maximumRetryAttempts: 2, maximumEventAgeInSeconds: 3600 } },
      dependsOn: [schedulerPolicy],
    });

    const runbook = 'Runbook: docs/operations.md#restore-test';
    const actions = { actionsEnabled: true, alarmActions: [alertTopic.arn], okActions: [alertTopic.arn] };
    this.alarms = [
      new CloudwatchMetricAlarm(this, 'result-alarm', {
        alarmName: naming.regional('restore-test-failed', region),
        alarmDescription: `The warehouse restore test failed: the copied snapshot did not restore, its events differ from the lake's by more than ${settings.rowCountTolerance * 100} %, or the temporary cluster was not deleted. Missing data: notBreaching (one datapoint per run; the execution alarm covers a run that never reported). ${runbook}`,
        namespace: RESTORE_TEST_SERVICE.metricsNamespace,
        metricName: RESTORE_TEST_METRICS.success,
        dimensions: { service: RESTORE_TEST_SERVICE.serviceName },
        statistic: 'Minimum',
        // A day: the alarm stays in ALARM until the day after a failed run rather than recovering 5 minutes later.
        period: 86_400,
        evaluationPeriods: 1,
        datapointsToAlarm: 1,
        comparisonOperator: 'LessThanThreshold',
        threshold: 1,
        treatMissingData: 'notBreaching',
        ...actions,
      }),
      new CloudwatchMetricAlarm(this, 'execution-alarm', {
        alarmName: naming.regional('restore-test-execution-failed', region),
        alarmDescription: `A restore test execution failed, timed out or was aborted (a failed test also ends so). Missing data: notBreaching (no execution, no datapoint). ${runbook}`,
        namespace: 'AWS/States',
        metricName: 'ExecutionsFailed',
        dimensions: { StateMachineArn: this.stateMachine.arn },
        statistic: 'Sum',
        period: 86_400,
        evaluationPeriods: 1,
        datapointsToAlarm: 1,
        comparisonOperator: 'GreaterThanThreshold',
        threshold: 0,
        treatMissingData: 'notBreaching',
        ...actions,
      }),
    ];
  }
}

/** What the state machine's role needs: invoke the function, deliver its logs and traces, use the key for its own data. */
export function stateMachineStatements(functionArn: string, keyArn: string, stateMachineArn: string): PolicyStatement[] {
  return [
    { Sid: 'InvokeRestoreTestFunction', Effect: 'Allow', Action: 'lambda:InvokeFunction', Resource: [functionArn, `${functionArn}:*`] },
    {
      // CloudWatch Logs delivery for Step Functions takes no resource ARNs (AWS's documented policy).
      Sid: 'DeliverExecutionLogs',
      Effect: 'Allow',
      Action: [
        'logs:CreateLogDelivery',
        'logs:GetLogDelivery',
        'logs:UpdateLogDelivery',
        'logs:DeleteLogDelivery',
        'logs:ListLogDeliveries',
        'logs:PutResourcePolicy',
        'logs:DescribeResourcePolicies',
        'logs:DescribeLogGroups',
      ],
      Resource: '*',
    },
    {
      Sid: 'XRayTraces',
      Effect: 'Allow',
      Action: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords', 'xray:GetSamplingRules', 'xray:GetSamplingTargets'],
      Resource: '*',
    },
    {
      Sid: 'EncryptOwnExecutionData',
      Effect: 'Allow',
      Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
      Resource: keyArn,
      Condition: { StringEquals: { 'kms:EncryptionContext:aws:states:stateMachineArn': stateMachineArn } },
    },
  ];
}
