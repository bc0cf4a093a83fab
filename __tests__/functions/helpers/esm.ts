/**
 * Loads an ESM-only npm package (hyparquet, hyparquet-writer) inside jest, whose CommonJS
 * module system cannot parse `import` statements in node_modules. esbuild converts the
 * package to CommonJS in memory; Node itself (require(esm)) and the Lambda bundle need no help.
 *
 * Use from a test file:
 *   jest.mock('hyparquet-writer', () => jest.requireActual('./helpers/esm').requireEsm('hyparquet-writer'));
 */
import { buildSync } from 'esbuild';
import * as path from 'node:path';

const cache = new Map<string, unknown>();

export function requireEsm(pkg: string): unknown {
  const hit = cache.get(pkg);
  if (hit) return hit;
  const out = buildSync({
    stdin: { contents: `module.exports = require(${JSON.stringify(pkg)});`, resolveDir: path.resolve(__dirname, '..', '..', '..'), loader: 'js' },
    bundle: true,
    format: 'cjs',
    platform: 'node',
    target: 'node22',
    write: false,
    logLevel: 'silent',
  });
  const mod = { exports: {} as unknown };
  // eslint-disable-next-line @typescript-eslint/no-implied-eval
  new Function('module', 'exports', 'require', out.outputFiles[0]!.text)(mod, mod.exports, require);
  cache.set(pkg, mod.exports);
  return mod.exports;
}
