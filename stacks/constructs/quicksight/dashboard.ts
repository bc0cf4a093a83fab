import { QuicksightAnalysis } from '@cdktf/provider-aws/lib/quicksight-analysis';
import { QuicksightDashboard } from '@cdktf/provider-aws/lib/quicksight-dashboard';
import type { QuicksightDataSet } from '@cdktf/provider-aws/lib/quicksight-data-set';
import { QuicksightTemplate } from '@cdktf/provider-aws/lib/quicksight-template';
import { Construct } from 'constructs';
import type { PlatformContext } from '../../platform-context';
import { DASHBOARD_DATA_SETS, dashboardDefinition, templateDefinition, type DashboardDataSet } from './dashboard-definition';
import type { DataSetKey, DataSetSpec } from './data-set-specs';

/** What the owner may do with the analysis. */
export const ANALYSIS_OWNER_ACTIONS = [
  'quicksight:DescribeAnalysis',
  'quicksight:DescribeAnalysisPermissions',
  'quicksight:QueryAnalysis',
  'quicksight:UpdateAnalysis',
  'quicksight:UpdateAnalysisPermissions',
  'quicksight:DeleteAnalysis',
  'quicksight:RestoreAnalysis',
] as const;

/** What the owner may do with the template. */
export const TEMPLATE_OWNER_ACTIONS = [
  'quicksight:DescribeTemplate',
  'quicksight:DescribeTemplatePermissions',
  'quicksight:DescribeTemplateAlias',
  'quicksight:ListTemplateAliases',
  'quicksight:ListTemplateVersions',
  'quicksight:CreateTemplateAlias',
  'quicksight:UpdateTemplateAlias',
  'quicksight:DeleteTemplateAlias',
  'quicksight:UpdateTemplate',
  'quicksight:UpdateTemplatePermissions',
  'quicksight:DeleteTemplate',
] as const;

/** What a viewer may do with the dashboard: open it and query its visuals. */
export const DASHBOARD_VIEWER_ACTIONS = ['quicksight:DescribeDashboard', 'quicksight:ListDashboardVersions', 'quicksight:QueryDashboard'] as const;

/** What the owner may do with the dashboard. */
export const DASHBOARD_OWNER_ACTIONS = [
  ...DASHBOARD_VIEWER_ACTIONS,
  'quicksight:DescribeDashboardPermissions',
  'quicksight:UpdateDashboard',
  'quicksight:UpdateDashboardPermissions',
  'quicksight:UpdateDashboardPublishedVersion',
  'quicksight:DeleteDashboard',
] as const;

export interface PlatformBiDashboardProps {
  readonly context: PlatformContext;
  /** The data sets by key; those of DASHBOARD_DATA_SETS must be present. */
  readonly dataSets: Readonly<Partial<Record<DataSetKey, QuicksightDataSet>>>;
  /** What each data set reads and its columns (the template's placeholders need the columns). */
  readonly specs: readonly DataSetSpec[];
}

/**
 * The platform dashboard (dashboard-definition.ts) as an analysis to edit, a template to copy it
 * from (over placeholders, with the columns each data set must have), and the published dashboard.
 * All three take their definition from the same builder, so a change to it updates each in place
 * (a dashboard made from the template would not see a new template version).
 * Owned by `config.quicksight.principalArn`; `config.quicksight.dashboardViewerArns` may view the dashboard.
 */
export class PlatformBiDashboard extends Construct {
  readonly analysis: QuicksightAnalysis;
  readonly template: QuicksightTemplate;
  readonly dashboard: QuicksightDashboard;

  constructor(scope: Construct, id: string, props: PlatformBiDashboardProps) {
    super(scope, id);
    const { context, dataSets } = props;
    const { config, naming, region, accountId } = context;
    const q = config.quicksight;
    const bound = (Object.entries(DASHBOARD_DATA_SETS) as [DashboardDataSet, DataSetKey][]).map(([identifier, key]) => {
      const dataSet = dataSets[key];
      const spec = props.specs.find((s) => s.key === key);
      if (!dataSet || !spec) throw new Error(`PlatformBiDashboard: data set ${key} (identifier ${identifier}) is required`);
      return { identifier, arn: dataSet.arn, columns: spec.columns };
    });
    const byIdentifier = <T>(value: (b: (typeof bound)[number]) => T) =>
      Object.fromEntries(bound.map((b) => [b.identifier, value(b)])) as Record<DashboardDataSet, T>;
    const dataQualityThreshold = config.observability.alarms.dataQualityRatio;
    const definition = dashboardDefinition({ dataSetArns: byIdentifier((b) => b.arn), dataQualityThreshold });
    const owner = (actions: readonly string[]) => [{ principal: q.principalArn, actions: [...actions] }];
    const name = `${naming.prefix} platform`;

    this.analysis = new QuicksightAnalysis(this, 'analysis', {
      awsAccountId: accountId,
      analysisId: naming.regional('platform-analysis', region),
      name,
      definition,
      permissions: owner(ANALYSIS_OWNER_ACTIONS),
    });
    this.template = new QuicksightTemplate(this, 'template', {
      awsAccountId: accountId,
      templateId: naming.regional('platform-template', region),
      name,
      versionDescription: 'Platform dashboard, from stacks/constructs/quicksight/dashboard-definition.ts',
      definition: templateDefinition({ dataSetColumns: byIdentifier((b) => b.columns), dataQualityThreshold }),
      permissions: owner(TEMPLATE_OWNER_ACTIONS),
    });
    this.dashboard = new QuicksightDashboard(this, 'dashboard', {
      awsAccountId: accountId,
      dashboardId: naming.regional('platform-dashboard', region),
      name,
      versionDescription: 'Platform dashboard, from stacks/constructs/quicksight/dashboard-definition.ts',
      definition,
      permissions: [...owner(DASHBOARD_OWNER_ACTIONS), ...q.dashboardViewerArns.map((principal) => ({ principal, actions: [...DASHBOARD_VIEWER_ACTIONS] }))],
      dashboardPublishOptions: { adHocFilteringOption: { availabilityStatus: 'ENABLED' }, exportToCsvOption: { availabilityStatus: 'ENABLED' } },
    });
  }
}
