// @ts-check
'use strict';

/*
 * A synthesized stack (`cdk.tf.json`, or a stack's resolved `toTerraform()`) read as data, and the
 * one parser of the Terraform references it holds. The policy pack, the local emulator aspect, the
 * operations scripts (scripts/lib/stack-manifest.js) and the tests all read references here.
 *
 * Plain CommonJS with JSDoc types, type-checked by tsc like the TypeScript around it (allowJs), so
 * that node runs it from the scripts without a build step.
 */

/**
 * A resource or data source named in a configuration. `address` is Terraform's:
 * `aws_s3_bucket.lake` or `data.aws_caller_identity.current`. `attribute` is the one read (`arn`);
 * undefined for a bare address (depends_on), an index or a splat.
 * @typedef {Readonly<{ address: string, isData: boolean, type: string, name: string, attribute: string | undefined }>} Reference
 */

/**
 * One resource or data source of a stack.
 * @typedef {Readonly<{ type: string, logicalId: string, config: Record<string, unknown> }>} ResourceRef
 */

/**
 * The parts of a synthesized stack this module reads.
 * @typedef {{
 *   resource?: Record<string, Record<string, Record<string, unknown>>>,
 *   data?: Record<string, Record<string, Record<string, unknown>>>,
 *   output?: Record<string, unknown>,
 *   provider?: Record<string, Record<string, unknown>[]>,
 * }} SynthesizedStack
 */

// A resource type always has its provider's prefix (`aws_`); names are CDKTF logical ids (`platform_lake_bucket_1A2B3C4D`).
const TYPE = '[a-z][a-z0-9]*_[a-z0-9_]*';
const NAME = '[A-Za-z0-9_-]+';
const ATTRIBUTE = '[A-Za-z_][A-Za-z0-9_]*';
// Not preceded by a name character or a dot, so neither `aws_x.y` inside `data.aws_x.y` nor `local.aws_x.y` counts.
const REFERENCE_IN_EXPRESSION = new RegExp(`(?<![\\w.-])(data\\.)?(${TYPE})\\.(${NAME})(?:\\.(${ATTRIBUTE}))?(?![\\w-])`, 'g');
const SIMPLE_EXPRESSION = new RegExp(`^(data\\.)?(${TYPE})\\.(${NAME})\\.(${ATTRIBUTE})$`);
const BARE_ADDRESS = new RegExp(`^(data\\.)?(${TYPE})\\.(${NAME})$`);

/**
 * @param {string | undefined} data
 * @param {string} type
 * @param {string} name
 * @param {string | undefined} attribute
 * @returns {Reference}
 */
function reference(data, type, name, attribute) {
  return { address: `${data ? 'data.' : ''}${type}.${name}`, isData: !!data, type, name, attribute };
}

/**
 * Every interpolation `${...}` of a string, with its position; `$${` is Terraform's escape for a
 * literal `${` and starts none. The extent counts braces, so `${{ for k, v in x : k => v }}` is one
 * (braces inside a string literal of the expression must be balanced). An unclosed `${` is text.
 * @param {string} text
 * @returns {{ start: number, end: number, expression: string }[]}
 */
function interpolations(text) {
  const found = [];
  let from = 0;
  for (let start = text.indexOf('${', from); start >= 0; start = text.indexOf('${', from)) {
    if (start > 0 && text[start - 1] === '$') {
      from = start + 2;
      continue;
    }
    let depth = 1;
    let end = start + 2;
    for (; end < text.length && depth > 0; end += 1) {
      if (text[end] === '{') depth += 1;
      else if (text[end] === '}') depth -= 1;
    }
    if (depth > 0) break;
    found.push({ start, end, expression: text.slice(start + 2, end - 1) });
    from = end;
  }
  return found;
}

/**
 * The reference a whole value is, such as `${aws_s3_bucket.lake.arn}`; undefined for anything
 * else (a literal, a longer string, an expression).
 * @param {unknown} value
 * @returns {Reference | undefined}
 */
function parseReference(value) {
  if (typeof value !== 'string') return undefined;
  const [only, ...more] = interpolations(value);
  if (!only || more.length > 0 || only.start !== 0 || only.end !== value.length) return undefined;
  const match = SIMPLE_EXPRESSION.exec(only.expression.trim());
  return match ? reference(match[1], match[2], match[3], match[4]) : undefined;
}

/**
 * Every reference inside the interpolations of a string, in order: whole (`${aws_x.y.arn}`),
 * embedded (`arn:${aws_x.y.arn}/*`) or within an expression (`${element(data.aws_x.y.names, 0)}`).
 * @param {unknown} value
 * @returns {Reference[]}
 */
function referencesIn(value) {
  if (typeof value !== 'string') return [];
  return interpolations(value).flatMap(({ expression }) => [...expression.matchAll(REFERENCE_IN_EXPRESSION)].map((m) => reference(m[1], m[2], m[3], m[4])));
}

/**
 * Replaces each interpolation that is exactly one attribute reference (`${aws_x.y.attr}`, alone or
 * embedded in a longer string) by what `replace` returns for it; `undefined` keeps it.
 * @param {string} value
 * @param {(reference: Reference) => string | undefined} replace
 * @returns {string}
 */
function replaceReferences(value, replace) {
  let result = '';
  let copied = 0;
  for (const { start, end, expression } of interpolations(value)) {
    const match = SIMPLE_EXPRESSION.exec(expression.trim());
    const replacement = match ? replace(reference(match[1], match[2], match[3], match[4])) : undefined;
    if (replacement === undefined) continue;
    result += value.slice(copied, start) + replacement;
    copied = end;
  }
  return result + value.slice(copied);
}

/**
 * The address of every resource and data source a configuration (or a whole stack) refers to, in
 * the order they appear: references in its strings and the entries of its `depends_on` lists. The
 * `//` metadata CDKTF writes is not configuration and is skipped.
 * @param {unknown} config
 * @returns {string[]}
 */
function addressesReferencedBy(config) {
  /** @type {string[]} */
  const found = [];
  /** @param {unknown} value @param {string | undefined} key */
  const walk = (value, key) => {
    if (typeof value === 'string') {
      const bare = key === 'depends_on' ? BARE_ADDRESS.exec(value) : null;
      if (bare) found.push(reference(bare[1], bare[2], bare[3], undefined).address);
      else found.push(...referencesIn(value).map((r) => r.address));
    } else if (Array.isArray(value)) {
      for (const item of value) walk(item, key);
    } else if (value && typeof value === 'object') {
      for (const [child, item] of Object.entries(value)) if (child !== '//') walk(item, child);
    }
  };
  walk(config, undefined);
  return found;
}

/** @param {Record<string, Record<string, Record<string, unknown>>> | undefined} byType @returns {ResourceRef[]} */
function refsOf(byType) {
  return Object.entries(byType ?? {}).flatMap(([type, byId]) => Object.entries(byId).map(([logicalId, config]) => ({ type, logicalId, config })));
}

/** Read-only view of a synthesized stack with the look-ups the policy pack and the scripts need. */
class SynthesizedStackView {
  /** @param {SynthesizedStack} json */
  constructor(json) {
    /** @readonly */
    this.json = json;
    /** @readonly @type {readonly ResourceRef[]} */
    this.resources = refsOf(json.resource);
    /** @readonly @type {readonly ResourceRef[]} */
    this.dataSources = refsOf(json.data);
  }

  /** @param {string} type @returns {ResourceRef[]} */
  ofType(type) {
    return this.resources.filter((r) => r.type === type);
  }

  /**
   * Resources of `type` whose `attribute` references `target` (`${aws_s3_bucket.x.id}`, or embedded in a longer value).
   * @param {string} type
   * @param {string} attribute
   * @param {ResourceRef} target
   * @returns {ResourceRef[]}
   */
  referencing(type, attribute, target) {
    const address = `${target.type}.${target.logicalId}`;
    return this.ofType(type).filter((r) => referencesIn(r.config[attribute]).some((ref) => ref.address === address));
  }

  /**
   * The resource or data source a reference names; undefined when the stack has none by that address.
   * @param {Reference} ref
   * @returns {ResourceRef | undefined}
   */
  target(ref) {
    const config = (ref.isData ? this.json.data : this.json.resource)?.[ref.type]?.[ref.name];
    return config ? { type: ref.type, logicalId: ref.name, config } : undefined;
  }

  /** Every resource and data source address of the stack (`aws_x.y`, `data.aws_x.y`). @returns {Set<string>} */
  addresses() {
    return new Set([...this.resources.map((r) => `${r.type}.${r.logicalId}`), ...this.dataSources.map((d) => `data.${d.type}.${d.logicalId}`)]);
  }
}

module.exports = { SynthesizedStackView, parseReference, referencesIn, replaceReferences, addressesReferencedBy };
