import {
  CURATED_COLUMNS,
  EVENT_FIELDS,
  EVENT_TYPES,
  PREDICTION_COLUMNS,
  QUARANTINE_COLUMNS,
  TABLES,
  type ColumnSpec,
  type EventFieldSpec,
} from '../../../functions/shared/contract';

const curatedByName = new Map(CURATED_COLUMNS.map((c) => [c.name, c]));

describe('tables that reuse curated columns', () => {
  it.each([
    ['quarantine', QUARANTINE_COLUMNS, ['event_id', 'user_id', 'ingested_at', 'processed_at', 'source_shard_id', 'source_sequence_number']],
    ['predictions', PREDICTION_COLUMNS, ['event_id', 'user_id', 'session_id', 'event_type', 'event_time', 'features']],
  ] as const satisfies readonly (readonly [string, readonly ColumnSpec[], readonly string[]])[])(
    '%s: every column named like a curated column has its type (and, but for event_type, its width)',
    (table, columns, shared) => {
      expect(TABLES[table].columns).toBe(columns);
      expect(columns.map((c) => c.name).filter((n) => curatedByName.has(n))).toEqual(shared);
      for (const c of columns as readonly ColumnSpec[]) {
        const curated = curatedByName.get(c.name);
        if (!curated) continue;
        expect({ name: c.name, type: c.type }).toEqual({ name: curated.name, type: curated.type });
        if (!(table === 'predictions' && c.name === 'event_type'))
          expect({ name: c.name, maxLength: c.maxLength }).toEqual({ name: curated.name, maxLength: curated.maxLength });
      }
    },
  );

  it('takes widths from the event fields: event_id and user_id as the raw event limits them', () => {
    const fieldWidth = (column: string) => (EVENT_FIELDS as readonly EventFieldSpec[]).find((f) => f.column === column)!.maxLength;
    for (const columns of [QUARANTINE_COLUMNS, PREDICTION_COLUMNS] as readonly (readonly ColumnSpec[])[]) {
      expect(columns.find((c) => c.name === 'event_id')!.maxLength).toBe(fieldWidth('event_id'));
      expect(columns.find((c) => c.name === 'user_id')!.maxLength).toBe(fieldWidth('user_id'));
    }
  });

  it('keeps the per-table differences: quarantine ids are nullable, the predictions event_type is wider than any event type', () => {
    expect(QUARANTINE_COLUMNS.filter((c) => c.name === 'event_id' || c.name === 'user_id').map((c) => c.nullable)).toEqual([true, true]);
    expect(PREDICTION_COLUMNS.find((c) => c.name === 'event_id')!.nullable).toBe(false);
    const eventType = (PREDICTION_COLUMNS as readonly ColumnSpec[]).find((c) => c.name === 'event_type')!;
    expect(eventType.maxLength).toBe(32);
    expect(eventType.maxLength).toBeGreaterThanOrEqual(Math.max(...EVENT_TYPES.map((t) => t.length)));
  });
});
