/** The failover data each stack publishes: the active-region parameter and the DR endpoint's failover capacity. */
import fc from 'fast-check';
import { failoverCapacity, variantCapacity } from '../../stacks/constructs/ml-endpoint';
import { PlatformNaming } from '../../stacks/naming';
import { resourcesOf, ROLES, synthPlatform, testConfig } from '../helpers/synth';

describe.each(ROLES)('%s stack: active region parameter', (role) => {
  const { config, stacks } = synthPlatform();
  const stack = stacks[role];
  const params = resourcesOf(stack, 'aws_ssm_parameter');
  const expectedName = `/${config.projectName}-${config.environment}/active-region`;

  it('is one String parameter named /<project>-<environment>/active-region holding the primary region', () => {
    const mine = params.filter(([, c]) => c.name === expectedName);
    expect(mine).toHaveLength(1);
    const [, c] = mine[0]!;
    expect(expectedName).toBe('/data-analytics-ml-analytics/active-region');
    expect(c.type).toBe('String');
    expect(c.value).toBe(config.primaryRegion);
  });

  it('ignores changes to its value, so a failover that overwrote it is never reverted', () => {
    const [, c] = params.find(([, p]) => p.name === expectedName)!;
    expect(c.lifecycle?.ignore_changes).toEqual(['value']);
  });

  it('is named by the output active_region_parameter', () => {
    expect(stack.output?.active_region_parameter?.value).toBe(expectedName);
  });
});

describe('failover capacity', () => {
  it('is output by both stacks as the same JSON of the primary per-variant counts', () => {
    const { config, stacks } = synthPlatform();
    const outputs = ROLES.map((r) => JSON.parse(String(stacks[r].output?.inference_failover_capacity?.value)) as Record<string, number>);
    expect(outputs[0]).toEqual(outputs[1]);
    expect(outputs[0]).toEqual(Object.fromEntries(config.sagemaker.variants.map((v) => [v.name, 1])));
  });

  it('names every DR variant with the count the primary runs, within the DR autoscaling ceiling', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 0, max: 6 }), (champion, min, extra) => {
        const max = min + extra;
        const config = testConfig({
          sagemaker: {
            autoscalingMinInstances: min,
            autoscalingMaxInstances: max,
            variants: [
              { name: 'champion', modelVersion: 'v1', instanceType: 'ml.m5.large', initialInstanceCount: champion, initialWeight: 90 },
              { name: 'challenger', modelVersion: 'v2', instanceType: 'ml.m5.large', initialInstanceCount: 1, initialWeight: 10 },
            ],
          },
        });
        const naming = new PlatformNaming(config);
        const base = { config, naming, region: config.drRegion, peerRegion: config.primaryRegion, accountId: '123456789012' };
        const dr = { ...base, role: 'dr' as const };
        const capacity = failoverCapacity(dr);
        expect(capacity.champion).toBe(Math.min(Math.max(champion, min), max));
        for (const v of config.sagemaker.variants) {
          expect(capacity[v.name]).toBe(variantCapacity({ ...base, role: 'primary' }, v).initialInstanceCount);
          expect(capacity[v.name]!).toBeLessThanOrEqual(variantCapacity(dr, v).maxInstances);
        }
      }),
      { numRuns: 50 },
    );
  });
});
