import { ROLES, synthPlatform } from '../helpers/synth';

/** Drift detector: intent is asserted in the property tests; this catches any unreviewed change. */
describe.each(ROLES)('%s stack snapshot', (role) => {
  test('matches the reviewed synthesized Terraform', () => {
    const json = JSON.stringify(synthPlatform().stacks[role], null, 1);
    expect(json).not.toMatch(/\/work\/|\/home\/|\/tmp\//);
    expect(JSON.parse(json)).toMatchSnapshot();
  });
});
