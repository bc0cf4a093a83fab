import { AthenaNamedQuery } from '@cdktf/provider-aws/lib/athena-named-query';
import { AthenaWorkgroup } from '@cdktf/provider-aws/lib/athena-workgroup';
import { Construct } from 'constructs';
import { namedQueries } from '../athena-queries';
import type { PlatformContext } from '../platform-context';
import { type DataCatalog, catalogDatabaseName } from './catalog';
import type { DataLake } from './data-lake';
import type { PlatformKey } from './encryption';

export interface AthenaAnalyticsProps {
  readonly context: PlatformContext;
  readonly platformKey: PlatformKey;
  readonly dataLake: DataLake;
  readonly catalog: DataCatalog;
  /** Per-query bytes-scanned cutoff. @default config.athena.bytesScannedCutoffPerQuery */
  readonly bytesScannedCutoffPerQuery?: number;
}

/** Prefix of the results bucket that query results go to. */
export const ATHENA_RESULTS_PREFIX = 'results/';

/**
 * The analytics workgroup: its configuration is enforced (clients cannot send results elsewhere
 * or unencrypted), results land SSE-KMS in the results bucket, every query has a bytes-scanned
 * cutoff, CloudWatch metrics are on, and the platform's saved queries are attached.
 */
export class AthenaAnalytics extends Construct {
  readonly workgroup: AthenaWorkgroup;
  readonly namedQueries: readonly AthenaNamedQuery[];

  constructor(scope: Construct, id: string, props: AthenaAnalyticsProps) {
    super(scope, id);
    const { context, platformKey, dataLake, catalog } = props;
    const { config, naming, region } = context;

    this.workgroup = new AthenaWorkgroup(this, 'workgroup', {
      name: naming.regional('analytics', region),
      description: `Ad-hoc analytics over the ${context.naming.prefix} lake`,
      state: 'ENABLED',
      forceDestroy: config.dataLake.forceDestroy,
      configuration: {
        enforceWorkgroupConfiguration: true,
        publishCloudwatchMetricsEnabled: true,
        bytesScannedCutoffPerQuery: props.bytesScannedCutoffPerQuery ?? config.athena.bytesScannedCutoffPerQuery,
        engineVersion: { selectedEngineVersion: 'Athena engine version 3' },
        resultConfiguration: {
          outputLocation: `s3://${dataLake.athenaResults.name}/${ATHENA_RESULTS_PREFIX}`,
          encryptionConfiguration: { encryptionOption: 'SSE_KMS', kmsKeyArn: platformKey.arn },
        },
      },
    });

    // Plain names in the SQL keep the saved queries readable; the database attribute carries the dependency.
    this.namedQueries = namedQueries(catalogDatabaseName(context)).map(
      (q) =>
        new AthenaNamedQuery(this, `query-${q.id}`, {
          name: q.name,
          description: q.description,
          workgroup: this.workgroup.id,
          database: catalog.database.name,
          query: q.sql,
        }),
    );
  }
}
