import { Construct } from 'constructs';
import { pauseWindows } from '../config/pause-schedule';
import type { PlatformContext } from '../platform-context';
import type { DataLake } from './data-lake';
import type { PlatformKey } from './encryption';
import type { Network } from './network';
import { RedshiftWarehouse } from './warehouse';
import { warehouseNodesInRegion, WarehouseSnapshotCopy, WarehouseSnapshotCopyGrant } from './warehouse-dr';
import { WarehouseLoader } from './warehouse-loader';
import { WarehousePauseSchedule } from './warehouse-pause-schedule';
import { WarehouseSchema } from './warehouse-schema';
import type { FunctionCodeSigning } from './code-signing';

export interface DataWarehouseProps {
  readonly context: PlatformContext;
  readonly platformKey: PlatformKey;
  readonly network: Network;
  /** Sign the function's code and enforce it (config.observability.lambdaCodeSigning). @default unsigned code */
  readonly codeSigning?: FunctionCodeSigning;
  readonly dataLake: DataLake;
}

/**
 * The warehouse concern of one region, as the DR mode says:
 * - primary: the cluster, its schema, the loader, and snapshot copy to the DR region;
 * - DR, pilot-light: the snapshot-copy grant and what a restore needs, no cluster;
 * - DR, warm-standby: the grant plus a minimal cluster with schema and loader, fed by the
 *   replicated lake.
 * Wherever a cluster runs, config.redshift.schedule can pause it outside working hours.
 * Instantiate only when config.redshift.enabled.
 */
export class DataWarehouse extends Construct {
  readonly warehouse: RedshiftWarehouse;
  readonly schema?: WarehouseSchema;
  readonly loader?: WarehouseLoader;
  readonly snapshotCopy?: WarehouseSnapshotCopy;
  readonly snapshotCopyGrant?: WarehouseSnapshotCopyGrant;
  /** Scheduled pause and resume of the cluster (config.redshift.schedule.enabled). */
  readonly pauseSchedule?: WarehousePauseSchedule;

  constructor(scope: Construct, id: string, props: DataWarehouseProps) {
    super(scope, id);
    const { context, platformKey, network, dataLake } = props;
    if (!context.config.redshift.enabled) throw new Error('DataWarehouse is created only when config.redshift.enabled is true');
    const nodes = warehouseNodesInRegion(context);

    if (context.role === 'dr') this.snapshotCopyGrant = new WarehouseSnapshotCopyGrant(this, 'snapshot-copy-grant', { context, platformKey });
    this.warehouse = new RedshiftWarehouse(this, 'redshift', {
      context,
      platformKey,
      network,
      dataLake,
      numberOfNodes: nodes,
      createCluster: nodes !== undefined,
    });
    if (this.warehouse.cluster) {
      const schedule = context.config.redshift.schedule;
      const longestPauseMinutes = schedule.enabled ? (pauseWindows(schedule.pauseCron, schedule.resumeCron)?.longestPauseMinutes ?? 0) : 0;
      this.schema = new WarehouseSchema(this, 'schema', { warehouse: this.warehouse });
      this.loader = new WarehouseLoader(this, 'loader', {
        context,
        platformKey,
        network,
        dataLake,
        warehouse: this.warehouse,
        schema: this.schema,
        codeSigning: props.codeSigning,
        longestPauseMinutes,
      });
      if (schedule.enabled) this.pauseSchedule = new WarehousePauseSchedule(this, 'pause-schedule', { context, warehouse: this.warehouse });
    }
    if (context.role === 'primary') this.snapshotCopy = new WarehouseSnapshotCopy(this, 'snapshot-copy', { context, warehouse: this.warehouse });
  }
}
