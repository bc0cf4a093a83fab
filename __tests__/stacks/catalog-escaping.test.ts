import { keepTemplateVariablesLiteral } from '../../stacks/constructs/catalog';
import { resourcesOf, ROLES, synthPlatform } from '../helpers/synth';

describe('partition projection templates survive Terraform interpolation', () => {
  test('placeholders are escaped, references are not', () => {
    const escaped = keepTemplateVariablesLiteral({ template: 's3://${aws_s3_bucket.lake.bucket}/curated/dt=${dt}/hour=${hour}/' });
    expect(escaped.template).toBe('s3://${aws_s3_bucket.lake.bucket}/curated/dt=$${dt}/hour=$${hour}/');
  });

  test.each(ROLES)('%s stack: every projected Glue table has a literal template', (role) => {
    const tables = resourcesOf(synthPlatform().stacks[role], 'aws_glue_catalog_table').filter(([, t]) => t.parameters?.['projection.enabled'] === 'true');
    expect(tables.length).toBeGreaterThanOrEqual(3);
    for (const [, table] of tables) {
      const template: string = table.parameters['storage.location.template'];
      expect(template).toMatch(/dt=\$\$\{dt\}\/hour=\$\$\{hour\}\/$/);
      expect(template.replace(/\$\$\{/g, '')).not.toMatch(/\$\{(dt|hour)\}/);
    }
  });
});
