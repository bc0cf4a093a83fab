import { Testing } from 'cdktf';
import { buildApp } from '../../main';
import { validateConfig } from '../../stacks/config/validate';
import type { PlatformConfig } from '../../stacks/config/types';
import type { StackRole } from '../../stacks/naming';
import { SynthesizedStackView } from '../../stacks/synthesized-stack';

export type TerraformJson = {
  resource: Record<string, Record<string, Record<string, any>>>;
  data?: Record<string, Record<string, Record<string, any>>>;
  output?: Record<string, { value: unknown }>;
  provider?: Record<string, any[]>;
  terraform?: Record<string, any>;
};

export interface SynthesizedPair {
  readonly config: PlatformConfig;
  readonly stacks: Record<StackRole, TerraformJson>;
  /** The same stacks as the JSON text CDKTF's Testing matchers read (`toHaveResource`, `toHaveResourceWithProperties`). */
  readonly synthesized: Record<StackRole, string>;
}

/** Builds a validated config from a partial config file and environment, as main.ts does. */
export function testConfig(file: unknown = {}, env: Record<string, string> = {}): PlatformConfig {
  return validateConfig({ env: { ENVIRONMENT: 'analytics', ...env }, file });
}

const cache = new Map<string, SynthesizedPair>();

/** Synthesizes both stacks (with the policy aspect applied, as in `npm run synth`). Cached per input. */
export function synthPlatform(file: unknown = {}, env: Record<string, string> = {}): SynthesizedPair {
  const key = JSON.stringify([file, env]);
  const cached = cache.get(key);
  if (cached) return cached;
  const config = testConfig(file, env);
  const app = Testing.app();
  const stacks = buildApp(app, config);
  const synthesized = Object.fromEntries(stacks.map((stack) => [stack.context.role, Testing.synth(stack, false)])) as Record<StackRole, string>;
  const byRole = Object.fromEntries(Object.entries(synthesized).map(([role, text]) => [role, JSON.parse(text) as TerraformJson])) as Record<
    StackRole,
    TerraformJson
  >;
  const pair = { config, stacks: byRole, synthesized };
  cache.set(key, pair);
  return pair;
}

/** All resources of one type, as [logicalId, config] pairs. */
export function resourcesOf(stack: TerraformJson, type: string): [string, Record<string, any>][] {
  return Object.entries(stack.resource[type] ?? {});
}

/** Resources of `type` whose `attribute` references the given resource (e.g. `${aws_s3_bucket.x.id}`). */
export function referencing(stack: TerraformJson, type: string, attribute: string, targetType: string, targetId: string): Record<string, any>[] {
  const target = { type: targetType, logicalId: targetId, config: stack.resource[targetType]?.[targetId] ?? {} };
  return new SynthesizedStackView(stack).referencing(type, attribute, target).map((ref) => ref.config as Record<string, any>);
}

export const ROLES: readonly StackRole[] = ['primary', 'dr'];
