import * as fs from 'fs';
import * as path from 'path';
import { type ConfigProblem, ConfigValidationError, environmentNameProblem, validateConfig } from './validate';
import type { PlatformConfig } from './types';

/** The repo's `config/` directory, whether this runs from sources (stacks/config) or from dist/stacks/config. */
function configDirectory(): string {
  const candidates = [path.resolve(__dirname, '..', '..', 'config'), path.resolve(__dirname, '..', '..', '..', 'config')];
  return candidates.find((dir) => fs.existsSync(dir)) ?? candidates[0];
}

/**
 * Reads `config/<ENVIRONMENT>.json` (optional: defaults apply when it is absent) and the
 * environment variables, and returns the validated configuration.
 * Throws ConfigValidationError only.
 */
export function loadConfig(env: Readonly<Record<string, string | undefined>> = process.env, dir: string = configDirectory()): PlatformConfig {
  const environment = env.ENVIRONMENT && env.ENVIRONMENT !== '' ? env.ENVIRONMENT : 'analytics';
  const explicitFile = env.PLATFORM_CONFIG_FILE;
  const badName = environmentNameProblem(environment);
  if (badName) throw new ConfigValidationError([badName]);
  const file = explicitFile && explicitFile !== '' ? path.resolve(explicitFile) : path.join(dir, `${environment}.json`);
  const label = path.relative(process.cwd(), file) || file;
  let parsed: unknown;
  if (fs.existsSync(file)) {
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch (error) {
      throw new ConfigValidationError([problem(label, (error as Error).message, 'must be a readable file')]);
    }
    try {
      parsed = JSON.parse(text);
    } catch (error) {
      throw new ConfigValidationError([problem(label, (error as Error).message, 'must be valid JSON')]);
    }
  } else if (explicitFile) {
    throw new ConfigValidationError([problem('PLATFORM_CONFIG_FILE', explicitFile, 'must name an existing JSON file')]);
  }
  return validateConfig({ env, file: parsed, fileLabel: label });
}

function problem(field: string, value: unknown, allowed: string): ConfigProblem {
  return { field, value, allowed };
}
