import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy';
import { RedshiftScheduledAction } from '@cdktf/provider-aws/lib/redshift-scheduled-action';
import { Construct } from 'constructs';
import { policyDocument } from '../iam';
import type { PlatformContext } from '../platform-context';
import type { RedshiftWarehouse } from './warehouse';

/** The Redshift scheduler's service principal: it assumes the role to run scheduled actions. */
export const REDSHIFT_SCHEDULER_PRINCIPAL = 'scheduler.redshift.amazonaws.com';

export interface WarehousePauseScheduleProps {
  readonly context: PlatformContext;
  /** The warehouse to pause and resume; it must have a cluster in this region. */
  readonly warehouse: RedshiftWarehouse;
  /** When the cluster pauses (Redshift scheduler cron, UTC). @default config.redshift.schedule.pauseCron */
  readonly pauseCron?: string;
  /** When the cluster resumes (Redshift scheduler cron, UTC). @default config.redshift.schedule.resumeCron */
  readonly resumeCron?: string;
}

/**
 * Pauses the warehouse outside its working hours and resumes it before them: two Redshift
 * scheduled actions and the role the Redshift scheduler assumes to run them, allowed to pause and
 * resume this cluster and nothing else. While paused, the cluster bills its managed storage only;
 * Redshift takes a snapshot when it pauses. The loader's messages wait in its queue meanwhile
 * (WarehouseLoader sizes its redeliveries for the longest pause).
 */
export class WarehousePauseSchedule extends Construct {
  readonly role: IamRole;
  readonly pause: RedshiftScheduledAction;
  readonly resume: RedshiftScheduledAction;

  constructor(scope: Construct, id: string, props: WarehousePauseScheduleProps) {
    super(scope, id);
    const { context, warehouse } = props;
    const { config, naming, region } = context;
    const cluster = warehouse.cluster;
    if (!cluster) throw new Error('WarehousePauseSchedule needs a region with a cluster (not a pilot-light DR region)');
    const schedule = config.redshift.schedule;

    this.role = new IamRole(this, 'role', {
      name: naming.regional('warehouse-scheduler', region),
      description: 'Assumed by the Redshift scheduler: pauses and resumes the warehouse cluster only',
      assumeRolePolicy: policyDocument([{ Effect: 'Allow', Principal: { Service: REDSHIFT_SCHEDULER_PRINCIPAL }, Action: 'sts:AssumeRole' }]),
    });
    const policy = new IamRolePolicy(this, 'policy', {
      role: this.role.id,
      name: 'pause-and-resume-warehouse',
      policy: policyDocument([
        { Sid: 'PauseAndResumeWarehouse', Effect: 'Allow', Action: ['redshift:PauseCluster', 'redshift:ResumeCluster'], Resource: warehouse.clusterArn },
      ]),
    });

    const action = (kind: 'pause' | 'resume', cron: string) =>
      new RedshiftScheduledAction(this, kind, {
        name: naming.regional(`warehouse-${kind}`, region),
        description: `${kind === 'pause' ? 'Pauses' : 'Resumes'} the warehouse at ${cron} (UTC)`,
        schedule: cron,
        iamRole: this.role.arn,
        enable: true,
        targetAction:
          kind === 'pause'
            ? { pauseCluster: { clusterIdentifier: cluster.clusterIdentifier } }
            : { resumeCluster: { clusterIdentifier: cluster.clusterIdentifier } },
        // The role is complete (its policy attached) before an action can run with it.
        dependsOn: [policy],
      });
    this.pause = action('pause', props.pauseCron ?? schedule.pauseCron);
    this.resume = action('resume', props.resumeCron ?? schedule.resumeCron);
  }
}
