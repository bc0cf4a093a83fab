import { CloudwatchQueryDefinition } from '@cdktf/provider-aws/lib/cloudwatch-query-definition';
import { Construct } from 'constructs';
import { logQueries, type FunctionLabel } from '../log-queries';
import type { PlatformContext } from '../platform-context';
import type { TypescriptFunction } from './typescript-function';

export interface LogInsightsQueriesProps {
  readonly context: PlatformContext;
  /** The functions whose log groups get saved queries (stacks/log-queries.ts). */
  readonly functions: readonly { readonly label: FunctionLabel; readonly fn: TypescriptFunction }[];
}

/**
 * CloudWatch Logs Insights saved queries, per function, each scoped to that function's log group
 * and named `<prefix>/<function>/<title>` (the console shows them in one folder per function).
 */
export class LogInsightsQueries extends Construct {
  readonly definitions: readonly CloudwatchQueryDefinition[];

  constructor(scope: Construct, id: string, props: LogInsightsQueriesProps) {
    super(scope, id);
    const { prefix } = props.context.naming;
    this.definitions = props.functions.flatMap(({ label, fn }) =>
      logQueries(label).map(
        (q) =>
          new CloudwatchQueryDefinition(this, `${label}-${q.id}`, {
            name: `${prefix}/${label}/${q.title}`,
            queryString: q.query,
            logGroupNames: [fn.logGroup.name],
          }),
      ),
    );
  }
}
