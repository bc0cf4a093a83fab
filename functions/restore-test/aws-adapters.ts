/**
 * RestoreTestPorts over the AWS SDK: Redshift (snapshots, restore, describe, delete), the Data
 * API (the count in the restored cluster, signed in as the loader's database user) and Athena
 * (the count over this region's lake, through the shared runner).
 */
import type { AthenaClient } from '@aws-sdk/client-athena';
import {
  DeleteClusterCommand,
  DescribeClustersCommand,
  DescribeClusterSnapshotsCommand,
  type RedshiftClient,
  RestoreFromClusterSnapshotCommand,
} from '@aws-sdk/client-redshift';
import { GetStatementResultCommand, type RedshiftDataClient } from '@aws-sdk/client-redshift-data';
import { runAthenaQuery } from '../shared/athena-runner';
import { Deadline } from '../shared/deadline';
import { DataApi } from '../warehouse-loader/data-api';
import type { RestoreTestConfig } from './config';
import { lakeCountParameters, lakeCountSql, type ObservedCluster, type SnapshotSummary, warehouseCountSql } from './domain';
import { ClusterBusyError, type RestoreRequest, type RestoreTestPorts } from './steps';

/** Pages of DescribeClusterSnapshots read at most (100 each): retention keeps far fewer copies. */
const MAX_SNAPSHOT_PAGES = 20;

const errorName = (error: unknown) => (error as { name?: string } | undefined)?.name;

export interface AwsClients {
  readonly redshift: RedshiftClient;
  readonly redshiftData: RedshiftDataClient;
  readonly athena: AthenaClient;
}

export function awsPorts(
  clients: AwsClients,
  settings: RestoreTestConfig,
  publish: RestoreTestPorts['publish'],
  now: () => number = Date.now,
): RestoreTestPorts {
  const { redshift, redshiftData, athena } = clients;

  async function describeCluster(clusterIdentifier: string): Promise<ObservedCluster | undefined> {
    try {
      const cluster = (await redshift.send(new DescribeClustersCommand({ ClusterIdentifier: clusterIdentifier }))).Clusters?.[0];
      return cluster ? { status: cluster.ClusterStatus ?? 'unknown', restoreStatus: cluster.RestoreStatus?.Status } : undefined;
    } catch (error) {
      if (errorName(error) === 'ClusterNotFoundFault') return undefined;
      throw error;
    }
  }

  return {
    describeCluster,
    now,
    publish,

    async listSnapshots(sourceClusterIdentifier: string): Promise<SnapshotSummary[]> {
      const found: SnapshotSummary[] = [];
      let marker: string | undefined;
      for (let page = 0; page < MAX_SNAPSHOT_PAGES; page++) {
        const answer = await redshift.send(
          new DescribeClusterSnapshotsCommand({ ClusterIdentifier: sourceClusterIdentifier, Marker: marker, MaxRecords: 100 }),
        );
        for (const s of answer.Snapshots ?? []) {
          if (!s.SnapshotIdentifier || !s.ClusterIdentifier) continue;
          found.push({
            identifier: s.SnapshotIdentifier,
            clusterIdentifier: s.ClusterIdentifier,
            status: s.Status ?? 'unknown',
            createdAtMs: s.SnapshotCreateTime?.getTime() ?? NaN,
            ...(s.SourceRegion ? { sourceRegion: s.SourceRegion } : {}),
          });
        }
        marker = answer.Marker;
        if (!marker) break;
      }
      return found;
    },

    async restore(request: RestoreRequest): Promise<void> {
      await redshift.send(
        new RestoreFromClusterSnapshotCommand({
          ClusterIdentifier: request.clusterIdentifier,
          SnapshotIdentifier: request.snapshotIdentifier,
          SnapshotClusterIdentifier: request.snapshotClusterIdentifier,
          NodeType: settings.nodeType,
          NumberOfNodes: settings.numberOfNodes,
          ClusterSubnetGroupName: settings.subnetGroup,
          VpcSecurityGroupIds: [settings.securityGroupId],
          ClusterParameterGroupName: settings.parameterGroup,
          KmsKeyId: settings.kmsKeyId,
          PubliclyAccessible: false,
          EnhancedVpcRouting: true,
          // RA3 clusters cannot turn automated snapshots off; one day is the least, and they go with the cluster.
          AutomatedSnapshotRetentionPeriod: 1,
          ManualSnapshotRetentionPeriod: 1,
        }),
      );
    },

    async deleteCluster(clusterIdentifier: string): Promise<'deleting' | 'gone'> {
      try {
        await redshift.send(new DeleteClusterCommand({ ClusterIdentifier: clusterIdentifier, SkipFinalClusterSnapshot: true }));
        return 'deleting';
      } catch (error) {
        if (errorName(error) === 'ClusterNotFoundFault') return 'gone';
        if (errorName(error) === 'InvalidClusterStateFault') throw new ClusterBusyError(clusterIdentifier, (error as Error).message);
        throw error;
      }
    },

    async countWarehouse(clusterIdentifier, table, window, deadlineMs): Promise<number> {
      const dataApi = new DataApi(redshiftData, { clusterIdentifier, database: settings.database, dbUser: settings.dbUser });
      const answer = await dataApi.execute(
        warehouseCountSql(settings.schema, table),
        [
          { name: 'window_from', value: window.from },
          { name: 'window_to', value: window.to },
        ],
        deadlineMs,
        'restore-test-count',
      );
      if (!answer.Id) throw new Error('the Data API answered the count without a statement id');
      const deadline = Deadline.at(deadlineMs);
      try {
        const rows = (await redshiftData.send(new GetStatementResultCommand({ Id: answer.Id }), deadline.sendOptions())).Records ?? [];
        const value = rows[0]?.[0]?.longValue;
        if (value === undefined || !Number.isSafeInteger(value)) throw new Error(`Data API statement ${answer.Id} returned no count`);
        return value;
      } finally {
        deadline.dispose();
      }
    },

    async countLake(table, window, deadlineMs): Promise<number> {
      const deadline = Deadline.at(deadlineMs);
      const result = await runAthenaQuery(
        athena,
        { sql: lakeCountSql(settings.lakeDatabase, table), workgroup: settings.workgroup, executionParameters: lakeCountParameters(window) },
        { deadline },
      ).finally(() => deadline.dispose());
      const value = Number(result.rows[0]?.[0]);
      if (!Number.isSafeInteger(value))
        throw new Error(`Athena query ${result.queryId} returned no count (first row: ${JSON.stringify(result.rows[0] ?? null)})`);
      return value;
    },
  };
}
