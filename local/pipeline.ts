/**
 * `npm run local`: the whole data flow on this machine, as a list of phases (each in
 * local/phases/). Stand-ins start on 127.0.0.1, the platform's resources are created from the
 * same definitions the stacks use (platform.ts), and the real handlers run: events -> Kinesis ->
 * stream processor -> lake (S3) -> S3 notification -> SQS -> warehouse loader -> COPY through the
 * Data API; a sample of events -> inference handler -> SageMaker runtime -> prediction log -> lake
 * -> warehouse. Then the lake is queried with DuckDB and the warehouse through the Data API, and
 * every record is accounted for.
 */
import { installInvocationGuard } from './chaos/invocations';
import type { LocalRunOptions } from './cli';
import { createResources } from './phases/create-resources';
import { consume, generateTraffic, load, loadRemaining, noteMilestones, produce, withProgress } from './phases/flow';
import { loadFunctions } from './phases/functions';
import { infer } from './phases/infer';
import { queryLake, queryWarehouse } from './phases/query';
import { buildReport } from './phases/report';
import { beginRun, type LocalRun, type RunUi } from './phases/run-context';
import { startStandins } from './phases/start-standins';
import type { LocalReport } from './report/model';
import { settleAll } from './settle-all';
import type { StandinSet } from './standins/lifecycle';

export async function runLocal(options: LocalRunOptions, standins: StandinSet, ui: RunUi): Promise<LocalReport> {
  const run = beginRun(options, ui);
  const removeGuard = run.chaos ? installInvocationGuard() : undefined;
  try {
    return await runPhases(run, standins);
  } finally {
    removeGuard?.();
  }
}

async function runPhases(run: LocalRun, standins: StandinSet): Promise<LocalReport> {
  const { ui } = run;

  run.timer.start('start stand-ins');
  const aws = await startStandins(run, standins);

  run.timer.start('create resources');
  const resources = await createResources(run, aws, standins);
  const lambdas = loadFunctions(run.platform);
  const functions = run.chaos ? run.chaos.wrapFunctions(lambdas) : lambdas;

  // Produce, consume and load run at once, as in AWS. settleAll waits for all three even when one
  // fails (on Ctrl-C the stand-ins stop under them), so no rejection is left unobserved.
  run.timer.start('send, process and load');
  const traffic = generateTraffic(run);
  const [produced, consumed, loaded] = await withProgress(run, traffic, () =>
    settleAll([produce(run, aws, traffic), consume(run, aws, resources, functions, traffic), load(run, aws, resources, functions, traffic)] as const),
  );
  noteMilestones(ui, traffic, consumed);

  run.timer.start('inference');
  const inference = await infer(run, functions, traffic.generated);
  const predictionsLoaded = await loadRemaining(run, aws, resources, functions, traffic);

  run.timer.start('query lake and warehouse');
  const lake = await queryLake(run, aws);
  const warehouse = await queryWarehouse(aws, resources);
  run.timer.end();

  return buildReport(run, { aws, resources, traffic, produced, consumed, loaded: [loaded, predictionsLoaded], inference, lake, warehouse });
}
