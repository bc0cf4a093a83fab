import { RedshiftSnapshotCopy } from '@cdktf/provider-aws/lib/redshift-snapshot-copy';
import { RedshiftSnapshotCopyGrant } from '@cdktf/provider-aws/lib/redshift-snapshot-copy-grant';
import { Construct } from 'constructs';
import { REDSHIFT_NODE_COUNTS } from '../config/validate';
import type { PlatformContext } from '../platform-context';
import type { PlatformKey } from './encryption';
import type { RedshiftWarehouse } from './warehouse';

/**
 * Nodes of the cluster a region runs, or undefined for none: the primary runs the configured
 * cluster; the DR region runs none in pilot-light mode (the runbook restores one from the copied
 * snapshots) and the smallest cluster of the same node type in warm-standby mode.
 */
export function warehouseNodesInRegion(context: PlatformContext): number | undefined {
  const { config, role } = context;
  if (role === 'primary') return config.redshift.numberOfNodes;
  if (config.drMode === 'pilot-light') return undefined;
  return REDSHIFT_NODE_COUNTS[config.redshift.nodeType]?.min ?? 1;
}

export interface WarehouseSnapshotCopyGrantProps {
  readonly context: PlatformContext;
  /** The DR region's key: copied snapshots are re-encrypted with it. */
  readonly platformKey: PlatformKey;
}

/**
 * DR region: the grant that lets Redshift re-encrypt the primary's snapshots with this region's
 * key. Its name is derived (naming.snapshotCopyGrantName), so the primary refers to it without a
 * cross-stack reference; the DR stack must therefore be applied before the primary.
 */
export class WarehouseSnapshotCopyGrant extends Construct {
  readonly grant: RedshiftSnapshotCopyGrant;

  constructor(scope: Construct, id: string, props: WarehouseSnapshotCopyGrantProps) {
    super(scope, id);
    const { context } = props;
    if (context.role !== 'dr') throw new Error('WarehouseSnapshotCopyGrant belongs to the DR stack (snapshots are copied into the DR region)');
    this.grant = new RedshiftSnapshotCopyGrant(this, 'grant', {
      snapshotCopyGrantName: context.naming.snapshotCopyGrantName(context.region),
      kmsKeyId: props.platformKey.arn,
    });
  }
}

export interface WarehouseSnapshotCopyProps {
  readonly context: PlatformContext;
  /** The primary warehouse; it must have a cluster. */
  readonly warehouse: RedshiftWarehouse;
}

/** Primary region: every automated (scheduled) and manual snapshot is copied to the DR region. */
export class WarehouseSnapshotCopy extends Construct {
  readonly copy: RedshiftSnapshotCopy;

  constructor(scope: Construct, id: string, props: WarehouseSnapshotCopyProps) {
    super(scope, id);
    const { context, warehouse } = props;
    if (context.role !== 'primary') throw new Error('WarehouseSnapshotCopy belongs to the primary stack');
    if (!warehouse.cluster) throw new Error('WarehouseSnapshotCopy needs the primary cluster');
    const { config, naming, peerRegion } = context;
    this.copy = new RedshiftSnapshotCopy(this, 'copy', {
      clusterIdentifier: warehouse.cluster.clusterIdentifier,
      destinationRegion: peerRegion,
      snapshotCopyGrantName: naming.snapshotCopyGrantName(peerRegion),
      retentionPeriod: config.redshift.drSnapshotRetentionDays,
      manualSnapshotRetentionPeriod: config.redshift.drSnapshotRetentionDays,
    });
  }
}
