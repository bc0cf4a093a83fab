import { ROLES, synthPlatform } from '../helpers/synth';

/**
 * Drift detector: intent is asserted in the property tests; this catches any unreviewed change to
 * the infrastructure. Bundle hashes are masked: function code changes are covered by the
 * functions' own tests, and would otherwise churn this snapshot on every handler edit.
 */
function maskBundleHashes(key: string, value: unknown): unknown {
  if (key === 'source_code_hash' && typeof value === 'string') return '<bundle sha256>';
  if (key === 'filename' && typeof value === 'string') return value.replace(/assets\/([^/]+)\/[0-9A-F]{32,}\//i, 'assets/$1/<hash>/');
  return value;
}

describe.each(ROLES)('%s stack snapshot', (role) => {
  test('matches the reviewed synthesized Terraform', () => {
    const json = JSON.stringify(synthPlatform().stacks[role], maskBundleHashes, 1);
    expect(json).not.toMatch(/\/work\/|\/home\/|\/tmp\//);
    expect(JSON.parse(json)).toMatchSnapshot();
  });
});
