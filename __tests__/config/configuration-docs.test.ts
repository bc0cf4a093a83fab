import * as fs from 'fs';
import * as path from 'path';
import { TUNABLE_DEFAULTS } from '../../stacks/config/defaults';

function leafPaths(value: unknown, prefix = ''): string[] {
  if (value && typeof value === 'object' && !Array.isArray(value) && Object.keys(value).length > 0) {
    return Object.entries(value).flatMap(([key, child]) => leafPaths(child, prefix ? `${prefix}.${key}` : key));
  }
  return [prefix];
}

test('docs/configuration.md documents every tunable', () => {
  const docs = fs.readFileSync(path.join(__dirname, '..', '..', 'docs', 'configuration.md'), 'utf8');
  const missing = leafPaths(TUNABLE_DEFAULTS).filter((p) => !docs.includes(`\`${p}\``));
  expect(missing).toEqual([]);
});
