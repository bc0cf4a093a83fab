import { Annotations, type IAspect, TerraformResource, TerraformStack } from 'cdktf';
import type { IConstruct } from 'constructs';
import { evaluatePolicy, POLICY_RULES, type PolicyRule } from './rules';

/**
 * Applies the policy pack to a stack. Findings become error annotations on the offending
 * resource, which makes `cdktf synth` fail with the rule id and the fix.
 */
export class PolicyAspect implements IAspect {
  constructor(private readonly rules: readonly PolicyRule[] = POLICY_RULES) {}

  visit(node: IConstruct): void {
    if (!(node instanceof TerraformStack)) return;
    const resourcesById = new Map<string, IConstruct>();
    for (const child of node.node.findAll()) {
      if (child instanceof TerraformResource) resourcesById.set(`${child.terraformResourceType}.${node.getLogicalId(child)}`, child);
    }
    for (const found of evaluatePolicy(node.toTerraform(), this.rules)) {
      const target = resourcesById.get(`${found.resource.type}.${found.resource.logicalId}`) ?? node;
      Annotations.of(target).addError(`[${found.ruleId}] ${found.resource.type}.${found.resource.logicalId}: ${found.message}`);
    }
  }
}
