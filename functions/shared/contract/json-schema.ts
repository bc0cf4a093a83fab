/**
 * The raw event as JSON Schema (draft 2020-12), computed from EVENT_FIELDS like every other view
 * of the contract, for producers that validate before they send. It states what a schema can:
 * types, required fields, lengths, patterns, enums, nesting. Three checks stay with the
 * validator alone: the event time's calendar validity (2024-02-30) and its range (2000-01-01 to
 * 24 h after arrival, which depends on the clock), the whole record's size and depth, and the
 * length of text outside the Basic Multilingual Plane (the validator counts UTF-16 code units,
 * JSON Schema counts characters).
 */
import { CONTRACT_VERSION } from './compatibility';
import type { EventFieldSpec } from './columns';
import { EVENT_FIELDS } from './event-fields';
import { ISO_TIMESTAMP_PATTERN } from './iso-timestamp';

type Schema = { [key: string]: unknown };

function leafSchema(f: EventFieldSpec): Schema {
  const s: Schema = { description: f.description };
  if (f.kind === 'enum') s.enum = [...f.allowed!];
  else {
    s.type = 'string';
    s.minLength = 1;
    if (f.maxLength !== undefined) s.maxLength = f.maxLength;
    const pattern = f.kind === 'timestamp' ? ISO_TIMESTAMP_PATTERN : f.pattern;
    if (pattern) s.pattern = pattern.source;
  }
  // The validator reads null as absent: an optional field may be null, a required one may not.
  return f.required ? s : { anyOf: [s, { type: 'null' }] };
}

interface ObjectNode {
  properties: Map<string, ObjectNode | Schema>;
  required: Set<string>;
}

function isObjectNode(n: ObjectNode | Schema): n is ObjectNode {
  return n.required instanceof Set;
}

function toSchema(node: ObjectNode): Schema {
  const properties: Record<string, Schema> = {};
  for (const [name, child] of node.properties) properties[name] = isObjectNode(child) ? toSchema(child) : child;
  return { type: 'object', properties, required: [...node.required] };
}

/** JSON Schema of the raw event; unknown extra properties are allowed, as the validator ignores them. */
export function eventJsonSchema(fields: readonly EventFieldSpec[] = EVENT_FIELDS): Schema {
  const root: ObjectNode = { properties: new Map(), required: new Set() };
  for (const f of fields) {
    let node = root;
    for (const p of f.path.slice(0, -1)) {
      let next = node.properties.get(p) as ObjectNode | undefined;
      if (!next) {
        next = { properties: new Map(), required: new Set() };
        node.properties.set(p, next);
      }
      // The validator wants every parent object present, whatever its fields.
      node.required.add(p);
      node = next;
    }
    const leaf = f.path[f.path.length - 1]!;
    node.properties.set(leaf, leafSchema(f));
    if (f.required) node.required.add(leaf);
  }
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    $id: `urn:data-analytics-ml:event-contract:${CONTRACT_VERSION}`,
    title: 'Clickstream event',
    ...toSchema(root),
  };
}
