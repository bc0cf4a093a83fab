import { App, Aspects } from 'cdktf';
import { loadConfig } from './stacks/config/load';
import type { PlatformConfig } from './stacks/config/types';
import { ConfigValidationError, formatProblem } from './stacks/config/validate';
import { PolicyAspect } from './stacks/policy/policy-aspect';
import { RegionalStack } from './stacks/regional-stack';

/**
 * Builds both regional stacks from one validated configuration. The primary depends on the DR
 * stack (its lake replication looks up the DR lake and key), so `cdktf deploy '*'` applies DR
 * first and `cdktf destroy '*'` destroys the primary first.
 */
export function buildApp(app: App, config: PlatformConfig): RegionalStack[] {
  const dr = new RegionalStack(app, { config, role: 'dr' });
  const primary = new RegionalStack(app, { config, role: 'primary' });
  primary.addDependency(dr);
  const stacks = [dr, primary];
  for (const stack of stacks) Aspects.of(stack).add(new PolicyAspect());
  return stacks;
}

/**
 * Builds an app with `build` and synthesizes it into CDKTF_OUTDIR (default cdktf.out). A
 * configuration problem or any other failure ends the process with status 1, naming the cause.
 */
export function synthOrExit(build: (app: App) => void): void {
  try {
    const app = new App();
    build(app);
    app.synth();
  } catch (error) {
    if (error instanceof ConfigValidationError) {
      for (const problem of error.problems) console.error(formatProblem(problem));
      console.error(`synth stopped: ${error.problems.length} configuration problem(s); see docs/configuration.md`);
      process.exit(1);
    }
    const message = error instanceof Error ? error.message : String(error);
    console.error(`synth failed: ${message}`);
    process.exit(1);
  }
}

if (require.main === module) synthOrExit((app) => buildApp(app, loadConfig(process.env)));
