/** Deterministic ids for events that arrive without a producer event_id. */
import { createHash } from 'node:crypto';
import { canonicalJson } from './json';

/**
 * Deterministic id for events without one: sha256 over the canonical (key-sorted) JSON
 * of the event minus event_id, so the same payload re-sent (a producer retry) gets the
 * same id however its keys were ordered.
 */
export function deriveEventId(event: Record<string, unknown>): string {
  const { event_id: _ignored, ...rest } = event;
  return createHash('sha256').update(canonicalJson(rest)).digest('hex').slice(0, 32);
}
