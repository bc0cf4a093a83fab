import {
  DefaultTokenResolver,
  type IAspect,
  StringConcat,
  TerraformDataSource,
  TerraformElement,
  TerraformOutput,
  TerraformResource,
  TerraformStack,
  Tokenization,
} from 'cdktf';
import type { IConstruct } from 'constructs';
import { addressesReferencedBy, replaceReferences } from '../stacks/synthesized-stack';
import {
  EMULATOR_ADAPTATIONS,
  EMULATOR_GAPS,
  EMULATOR_READBACK_GAPS,
  type EmulatorAdaptation,
  type EmulatorGap,
  OBSERVER_TYPES,
  type ReadBackGap,
} from './emulator-gaps';

/**
 * The one mechanism that works around what the local emulator cannot do (emulator-gaps.ts). Only
 * the local entry point (local-deploy/main.ts) adds it; the production app never sees it.
 */

export interface LocalEmulatorEntry {
  /** Terraform address, e.g. `aws_budgets_budget.platform_observability_budget_C5198251`. */
  readonly address: string;
  readonly reason: string;
}

/** What the aspect did to one stack; also written into the stack as `"//": { "localEmulator": ... }`. */
export interface LocalEmulatorReport {
  readonly excluded: LocalEmulatorEntry[];
  readonly adapted: LocalEmulatorEntry[];
  /** Applied with every setting, but with attributes moto does not read back left out of the comparison. */
  readonly notReadBack: LocalEmulatorEntry[];
}

interface Element {
  readonly element: TerraformElement;
  readonly address: string;
  /** The addresses its configuration refers to, in order (interpolations and depends_on). */
  mentions: string[];
  synthesized: Record<string, unknown>;
}

/**
 * Replaces each `${<removed address>.<argument>}` in a resource configuration by the argument's
 * literal value in the removed resource's configuration. Returns the new configuration, the
 * overrides (dotted path -> new leaf value) that produce it, and the addresses named; undefined
 * when a reference is to a computed attribute (not a literal argument).
 */
function inlineArguments(
  config: Record<string, unknown>,
  removed: ReadonlyMap<string, Element>,
): { config: Record<string, unknown>; overrides: Map<string, unknown>; names: Set<string> } | undefined {
  const overrides = new Map<string, unknown>();
  const names = new Set<string>();
  let resolvable = true;
  const rewrite = (value: unknown, path: string[]): unknown => {
    if (typeof value === 'string') {
      const replaced = replaceReferences(value, (reference) => {
        const target = removed.get(reference.address);
        if (!target) return undefined;
        const literal = target.synthesized[reference.attribute ?? ''];
        if (!['string', 'number', 'boolean'].includes(typeof literal) || String(literal).includes('${')) {
          resolvable = false;
          return undefined;
        }
        names.add(reference.address);
        return String(literal);
      });
      if (replaced !== value) {
        if (path.some((key) => key.includes('.'))) resolvable = false;
        overrides.set(path.join('.'), replaced);
      }
      return replaced;
    }
    if (Array.isArray(value)) return value.map((item, index) => rewrite(item, [...path, String(index)]));
    if (value && typeof value === 'object') {
      return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, key === '//' ? item : rewrite(item, [...path, key])]));
    }
    return value;
  };
  const rewritten = rewrite(config, []) as Record<string, unknown>;
  return resolvable && names.size > 0 ? { config: rewritten, overrides, names } : undefined;
}

/**
 * Removes the resource types of `gaps` from a stack, together with every resource, data source
 * and output that references one of them (directly, or through `depends_on`, transitively), so
 * that what is left is still valid Terraform; then applies `adaptations`. Visit it on a
 * TerraformStack after the PolicyAspect (which must judge the stack as a user deploys it).
 */
export class LocalEmulatorAspect implements IAspect {
  /** Per stack name: what was excluded and adapted. */
  readonly reports = new Map<string, LocalEmulatorReport>();

  constructor(
    private readonly gaps: readonly EmulatorGap[] = EMULATOR_GAPS,
    private readonly adaptations: readonly EmulatorAdaptation[] = EMULATOR_ADAPTATIONS,
    private readonly readBackGaps: readonly ReadBackGap[] = EMULATOR_READBACK_GAPS,
  ) {}

  visit(node: IConstruct): void {
    if (!(node instanceof TerraformStack) || this.reports.has(node.node.id)) return;
    const elements = this.elementsOf(node);
    const report: LocalEmulatorReport = { excluded: [], adapted: [], notReadBack: [] };

    const removed = new Map<string, Element>();
    const gapOf = new Map(this.gaps.map((gap) => [gap.resourceType, gap]));
    for (const entry of elements) {
      const gap = entry.element instanceof TerraformResource ? gapOf.get(entry.element.terraformResourceType) : undefined;
      if (gap) {
        removed.set(entry.address, entry);
        report.excluded.push({ address: entry.address, reason: `moto does not implement ${gap.operation}: ${gap.emulatorError}` });
      }
    }
    // Anything that mentions a removed address would no longer be valid Terraform: remove it too (or, for an
    // observer, name the removed resource literally), until nothing changes.
    const inlined = new Map<string, { overrides: Map<string, unknown>; names: Set<string> }>();
    for (let grew = removed.size > 0; grew;) {
      grew = false;
      // What this pass removes is looked for in the next one.
      const excluded = new Set(removed.keys());
      const firstExcluded = (mentions: readonly string[]) => mentions.find((address) => excluded.has(address));
      for (const entry of elements) {
        if (removed.has(entry.address)) continue;
        const dependency = firstExcluded(entry.mentions);
        if (!dependency) continue;
        const literal = this.observesByLiteralName(entry) ? inlineArguments(entry.synthesized, removed) : undefined;
        if (literal && !firstExcluded(addressesReferencedBy(literal.config))) {
          const previous = inlined.get(entry.address);
          inlined.set(entry.address, {
            overrides: new Map([...(previous?.overrides ?? []), ...literal.overrides]),
            names: new Set([...(previous?.names ?? []), ...literal.names]),
          });
          entry.synthesized = literal.config;
          entry.mentions = addressesReferencedBy(literal.config);
          continue;
        }
        removed.set(entry.address, entry);
        inlined.delete(entry.address);
        report.excluded.push({ address: entry.address, reason: `references ${dependency}, which is excluded` });
        grew = true;
      }
    }
    for (const [address, { overrides, names }] of inlined) {
      const element = elements.find((entry) => entry.address === address)?.element as TerraformResource;
      for (const [path, value] of overrides) element.addOverride(path, value);
      report.adapted.push({ address, reason: `names ${[...names].join(', ')} (excluded) by the literal value of its configuration` });
    }
    for (const { element } of removed.values()) element.node.scope?.node.tryRemoveChild(element.node.id);

    const adaptationsOf = new Map(this.adaptations.map((adaptation) => [adaptation.resourceType, adaptation]));
    for (const entry of elements) {
      if (removed.has(entry.address) || !(entry.element instanceof TerraformResource)) continue;
      const adaptation = adaptationsOf.get(entry.element.terraformResourceType);
      if (adaptation?.adapt(entry.element, entry.synthesized)) report.adapted.push({ address: entry.address, reason: adaptation.description });
    }

    const readBackOf = new Map(this.readBackGaps.map((gap) => [gap.resourceType, gap]));
    for (const entry of elements) {
      if (removed.has(entry.address) || !(entry.element instanceof TerraformResource)) continue;
      const gap = readBackOf.get(entry.element.terraformResourceType);
      if (!gap) continue;
      // Appended to any ignore_changes of the resource's own (overrides concatenate arrays).
      entry.element.addOverride('lifecycle.ignore_changes', [...gap.attributes]);
      report.notReadBack.push({ address: entry.address, reason: `${gap.attributes.join(', ')} not compared: moto's ${gap.emulatorBehaviour}` });
    }

    node.addOverride('//.localEmulator', report);
    this.reports.set(node.node.id, report);
  }

  private observesByLiteralName(entry: Element): boolean {
    return entry.element instanceof TerraformResource && OBSERVER_TYPES.has(entry.element.terraformResourceType);
  }

  private elementsOf(stack: TerraformStack): Element[] {
    const elements: Element[] = [];
    const resolver = new DefaultTokenResolver(new StringConcat());
    for (const construct of stack.node.findAll()) {
      if (!(construct instanceof TerraformElement)) continue;
      const logicalId = stack.getLogicalId(construct);
      let address: string;
      let synthesized: Record<string, unknown> = {};
      const json = Tokenization.resolve(construct.toTerraform(), { scope: stack, resolver, preparing: false }) as Record<
        string,
        Record<string, Record<string, Record<string, unknown>>>
      >;
      if (construct instanceof TerraformResource) {
        address = `${construct.terraformResourceType}.${logicalId}`;
        synthesized = json.resource?.[construct.terraformResourceType]?.[logicalId] ?? {};
      } else if (construct instanceof TerraformDataSource) {
        address = `data.${construct.terraformResourceType}.${logicalId}`;
      } else if (construct instanceof TerraformOutput) {
        address = `output.${logicalId}`;
      } else {
        continue; // providers, backends: they never reference resources
      }
      elements.push({ element: construct, address, mentions: addressesReferencedBy(json), synthesized });
    }
    return elements;
  }
}
