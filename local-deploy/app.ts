import { type App, Aspects } from 'cdktf';
import { buildApp } from '../main';
import type { PlatformConfig } from '../stacks/config/types';
import type { RegionalStack } from '../stacks/regional-stack';
import { LocalEmulatorAspect } from './emulator-aspect';
import { pointProvidersAtEmulator } from './endpoints';

/**
 * The production app (buildApp) made deployable into the local emulator at `endpoint`: every AWS
 * provider points at it with fake credentials, and each stack gets the LocalEmulatorAspect, added
 * after the policy pack, which judges the stack as a user deploys it.
 */
export function buildLocalApp(app: App, config: PlatformConfig, endpoint: string): RegionalStack[] {
  const stacks = buildApp(app, config);
  for (const stack of stacks) {
    pointProvidersAtEmulator(stack, endpoint);
    Aspects.of(stack).add(new LocalEmulatorAspect());
  }
  return stacks;
}
