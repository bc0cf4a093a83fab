import { QuicksightDataSet } from '@cdktf/provider-aws/lib/quicksight-data-set';
import type { QuicksightDataSource } from '@cdktf/provider-aws/lib/quicksight-data-source';
import { QuicksightRefreshSchedule } from '@cdktf/provider-aws/lib/quicksight-refresh-schedule';
import type { ITerraformDependable } from 'cdktf';
import { Construct } from 'constructs';
import type { PlatformContext } from '../../platform-context';
import { dataSetSpecs, inputColumns, type DataSetKey, type DataSetSource, type DataSetSpec } from './data-set-specs';

/** What the owner may do with each data set (the owner's set, as the console grants it). */
export const DATA_SET_OWNER_ACTIONS = [
  'quicksight:DescribeDataSet',
  'quicksight:DescribeDataSetPermissions',
  'quicksight:PassDataSet',
  'quicksight:DescribeIngestion',
  'quicksight:ListIngestions',
  'quicksight:UpdateDataSet',
  'quicksight:DeleteDataSet',
  'quicksight:CreateIngestion',
  'quicksight:CancelIngestion',
  'quicksight:UpdateDataSetPermissions',
] as const;

/** Id of each SPICE data set's refresh schedule. */
export const REFRESH_SCHEDULE_ID = 'full-refresh';

export interface QuickSightDataSetsProps {
  readonly context: PlatformContext;
  /** The lake's data source; the lake data sets are created with it. @default none */
  readonly athenaDataSource?: QuicksightDataSource;
  /** The warehouse's data source; the warehouse data sets are created with it. @default none */
  readonly redshiftDataSource?: QuicksightDataSource;
  /** Glue database the lake queries read. @default none (required with athenaDataSource) */
  readonly lakeDatabase?: string;
  /** What must exist before a lake data set is created (SPICE ingests at creation): the Glue tables. @default none */
  readonly lakeDependsOn?: readonly ITerraformDependable[];
  /** What must exist before a warehouse data set is created: the warehouse tables. @default none */
  readonly warehouseDependsOn?: readonly ITerraformDependable[];
}

/**
 * The platform's QuickSight data sets (data-set-specs.ts), owned by `config.quicksight.principalArn`,
 * in the import mode configured per source; each SPICE data set has a full-refresh schedule at
 * `config.quicksight.refreshInterval`.
 */
export class QuickSightDataSets extends Construct {
  readonly dataSets: Readonly<Partial<Record<DataSetKey, QuicksightDataSet>>>;
  readonly specs: readonly DataSetSpec[];
  readonly refreshSchedules: readonly QuicksightRefreshSchedule[];

  constructor(scope: Construct, id: string, props: QuickSightDataSetsProps) {
    super(scope, id);
    const { context } = props;
    const { config, naming, region, accountId } = context;
    const q = config.quicksight;
    const sources: Record<DataSetSource, { dataSource?: QuicksightDataSource; importMode: string; dependsOn?: readonly ITerraformDependable[] }> = {
      athena: { dataSource: props.athenaDataSource, importMode: q.athenaImportMode, dependsOn: props.lakeDependsOn },
      redshift: { dataSource: props.redshiftDataSource, importMode: q.redshiftImportMode, dependsOn: props.warehouseDependsOn },
    };
    if (props.athenaDataSource && props.lakeDatabase === undefined) throw new Error('QuickSightDataSets: lakeDatabase is required with athenaDataSource');

    const dataSets: Partial<Record<DataSetKey, QuicksightDataSet>> = {};
    const schedules: QuicksightRefreshSchedule[] = [];
    this.specs = dataSetSpecs(props.lakeDatabase ?? '', q.lookbackDays).filter((spec) => sources[spec.source].dataSource);
    for (const spec of this.specs) {
      const { dataSource, importMode, dependsOn } = sources[spec.source];
      const dataSourceArn = dataSource!.arn;
      const table =
        'sql' in spec.table
          ? { customSql: { dataSourceArn, name: spec.id, sqlQuery: spec.table.sql, columns: inputColumns(spec.columns) } }
          : { relationalTable: { dataSourceArn, schema: spec.table.schema, name: spec.table.name, inputColumns: inputColumns(spec.columns) } };
      const dataSet = new QuicksightDataSet(this, spec.id, {
        awsAccountId: accountId,
        dataSetId: naming.regional(spec.id, region),
        name: `${naming.prefix} ${spec.name}`,
        importMode,
        physicalTableMap: [{ physicalTableMapId: spec.id, ...table }],
        permissions: [{ principal: q.principalArn, actions: [...DATA_SET_OWNER_ACTIONS] }],
        dependsOn: dependsOn ? [...dependsOn] : undefined,
      });
      dataSets[spec.key] = dataSet;
      if (importMode === 'SPICE') {
        schedules.push(
          new QuicksightRefreshSchedule(this, `${spec.id}-refresh`, {
            awsAccountId: accountId,
            dataSetId: dataSet.dataSetId,
            scheduleId: REFRESH_SCHEDULE_ID,
            schedule: [
              {
                refreshType: 'FULL_REFRESH',
                scheduleFrequency: [
                  { interval: q.refreshInterval, timezone: 'UTC', ...(q.refreshInterval === 'DAILY' ? { timeOfTheDay: q.refreshTimeOfDay } : {}) },
                ],
              },
            ],
          }),
        );
      }
    }
    this.dataSets = dataSets;
    this.refreshSchedules = schedules;
  }
}
