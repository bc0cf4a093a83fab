import { App, Aspects } from 'cdktf';
import { loadConfig } from './stacks/config/load';
import { PlatformConfig } from './stacks/config/types';
import { ConfigValidationError, formatProblem } from './stacks/config/validate';
import { LocalEmulatorAspect } from './stacks/local-emulator';
import { PolicyAspect } from './stacks/policy/policy-aspect';
import { RegionalStack } from './stacks/regional-stack';

/** Builds both regional stacks from one validated configuration. */
export function buildApp(app: App, config: PlatformConfig): RegionalStack[] {
  const stacks = (['dr', 'primary'] as const).map((role) => new RegionalStack(app, { config, role }));
  for (const stack of stacks) {
    Aspects.of(stack).add(new PolicyAspect());
    // After the policy pack, which judges the stack as a user deploys it.
    if (config.localAwsEndpoint) Aspects.of(stack).add(new LocalEmulatorAspect());
  }
  return stacks;
}

if (require.main === module) {
  try {
    const app = new App();
    buildApp(app, loadConfig(process.env));
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
