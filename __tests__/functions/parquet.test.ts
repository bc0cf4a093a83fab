jest.mock('hyparquet-writer', () => jest.requireActual('./helpers/esm').requireEsm('hyparquet-writer'));

import { PREDICTION_COLUMNS, type PredictionRow } from '../../functions/shared/contract';
import { encodeParquet } from '../../functions/shared/parquet';
import { requireEsm } from './helpers/esm';

const { parquetReadObjects, parquetMetadata } = requireEsm('hyparquet') as {
  parquetReadObjects: (o: { file: ArrayBuffer }) => Promise<Record<string, unknown>[]>;
  parquetMetadata: (b: ArrayBuffer) => { schema: { name: string; type?: string; converted_type?: string; repetition_type?: string }[] };
};

const row: PredictionRow = {
  event_id: 'e1',
  user_id: 'u1',
  session_id: 's1',
  event_type: 'product_view',
  event_time: new Date(Date.UTC(2024, 2, 20, 10)),
  predicted_at: new Date(Date.UTC(2024, 2, 20, 10, 0, 1)),
  score: 0.8125,
  confidence: 0.625,
  variant: 'champion',
  model_version: 'v1',
  features: '1,0',
  latency_ms: 12,
};

function ab(u: Uint8Array): ArrayBuffer {
  return u.buffer.slice(u.byteOffset, u.byteOffset + u.byteLength) as ArrayBuffer;
}

describe('encodeParquet', () => {
  it('round-trips rows with the contract schema: names, order, physical types, required-ness', async () => {
    const file = ab(encodeParquet('predictions', [row, { ...row, event_id: 'e2', score: 0.1 }]));
    const schema = parquetMetadata(file).schema.slice(1);
    expect(schema.map((s) => s.name)).toEqual(PREDICTION_COLUMNS.map((c) => c.name));
    expect(schema.find((s) => s.name === 'predicted_at')).toMatchObject({ type: 'INT64', converted_type: 'TIMESTAMP_MILLIS', repetition_type: 'REQUIRED' });
    expect(schema.find((s) => s.name === 'score')).toMatchObject({ type: 'DOUBLE' });
    const rows = await parquetReadObjects({ file });
    expect(rows).toHaveLength(2);
    expect(rows[0]).toMatchObject({ event_id: 'e1', score: 0.8125, latency_ms: 12, variant: 'champion' });
    expect((rows[0]!.event_time as Date).toISOString()).toBe('2024-03-20T10:00:00.000Z');
  });

  it('refuses a missing value in a non-nullable column, naming table, column and row', () => {
    expect(() => encodeParquet('predictions', [row, { ...row, variant: null } as unknown as PredictionRow])).toThrow(
      'predictions.variant is not nullable but row 1 has no value',
    );
  });

  it('is deterministic: the same rows give the same bytes', () => {
    expect(Buffer.from(encodeParquet('predictions', [row])).equals(Buffer.from(encodeParquet('predictions', [row])))).toBe(true);
  });
});
