import { TerraformStack } from 'cdktf';
import type { Construct, Node } from 'constructs';

/**
 * The logical id cdktf gives a construct at `path` below `construct`'s parent, whether or not it
 * exists. Constructs that took over a resource from another place in the tree name its former
 * address with it, for a Terraform `moved` block: a deployed resource then moves in the state
 * instead of being destroyed and created again.
 */
export function formerLogicalId(construct: Construct, path: readonly string[]): string {
  const scopes = [...construct.node.scopes.slice(0, -1), ...path.map((id) => ({ node: { id } }))];
  // getLogicalId reads only the ids of a node's scopes below the stack.
  return TerraformStack.of(construct).getLogicalId({ scopes } as unknown as Node);
}
