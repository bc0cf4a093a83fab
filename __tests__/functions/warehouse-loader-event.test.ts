import { decodeS3Key, parseS3Notification, tableOfKey } from '../../functions/warehouse-loader/s3-event';

const LAKE = 'daml-analytics-lake-123456789012-use1';
const ETAG = '9b2cf535f27731c974343645a3985328';

function notification(objects: { key: string; size?: unknown; eTag?: unknown; bucket?: string; eventName?: string }[]): string {
  return JSON.stringify({
    Records: objects.map((o) => ({
      eventVersion: '2.1',
      eventSource: 'aws:s3',
      eventName: o.eventName ?? 'ObjectCreated:Put',
      s3: { bucket: { name: o.bucket ?? LAKE }, object: { key: o.key, size: 'size' in o ? o.size : 100, eTag: 'eTag' in o ? o.eTag : ETAG } },
    })),
  });
}

describe('S3 notification parsing', () => {
  it('decodes keys the way S3 encodes them in notifications', () => {
    expect(decodeS3Key('curated/dt%3D2024-03-20/hour%3D10/a+b%2Bc.parquet')).toBe('curated/dt=2024-03-20/hour=10/a b+c.parquet');
  });

  it('returns the objects to load with their table', () => {
    const parsed = parseS3Notification(
      notification([
        { key: 'curated/dt%3D2024-03-20/hour%3D10/part-1.parquet' },
        { key: 'predictions/dt=2024-03-20/hour=11/p.parquet', size: 7, eTag: `"${ETAG.toUpperCase()}-3"` },
      ]),
      LAKE,
    );
    expect(parsed).toEqual({
      kind: 'objects',
      objects: [
        { bucket: LAKE, key: 'curated/dt=2024-03-20/hour=10/part-1.parquet', etag: ETAG, bytes: 100, table: 'curated' },
        { bucket: LAKE, key: 'predictions/dt=2024-03-20/hour=11/p.parquet', etag: `${ETAG}-3`, bytes: 7, table: 'predictions' },
      ],
    });
  });

  it('acknowledges the test event S3 sends when the notification is created', () => {
    expect(parseS3Notification(JSON.stringify({ Service: 'Amazon S3', Event: 's3:TestEvent', Bucket: LAKE }), LAKE)).toEqual({ kind: 'test-event' });
  });

  it.each([
    ['raw/dt=2024-03-20/hour=10/x.json', 'raw data is not loaded'],
    ['quarantine/dt=2024-03-20/hour=10/x.parquet', 'quarantine is not loaded'],
    ['curated/dt=2024-03-20/x.parquet', 'no hour partition'],
    ['curated/dt=2024-03-20/hour=10/x.csv', 'not Parquet'],
    ['curated/dt=2024-03-20/hour=10/sub/x.parquet', 'nested directory'],
  ])('refuses %s (%s) naming the key field and what is allowed', (key) => {
    const parsed = parseS3Notification(notification([{ key }]), LAKE);
    expect(parsed).toEqual({
      kind: 'invalid',
      problems: [
        { field: 'Records[0].s3.object.key', value: JSON.stringify(key), allowed: expect.stringContaining('curated/dt=YYYY-MM-DD/hour=HH/<name>.parquet') },
      ],
    });
  });

  it('reports every problem of a record, not just the first', () => {
    const parsed = parseS3Notification(
      notification([{ key: 'curated/dt=2024-03-20/hour=10/x.parquet', bucket: 'other', size: -1, eTag: 'zz', eventName: 'ObjectRemoved:Delete' }]),
      LAKE,
    );
    expect(parsed.kind).toBe('invalid');
    const fields = parsed.kind === 'invalid' ? parsed.problems.map((p) => p.field) : [];
    expect(fields).toEqual(['Records[0].eventName', 'Records[0].s3.bucket.name', 'Records[0].s3.object.eTag', 'Records[0].s3.object.size']);
  });

  it('refuses a whole message when one of its records is bad, so nothing of it is half-loaded', () => {
    const parsed = parseS3Notification(
      notification([{ key: 'curated/dt=2024-03-20/hour=10/ok.parquet' }, { key: 'curated/dt=2024-03-20/hour=10/bad.parquet', size: 0 }]),
      LAKE,
    );
    expect(parsed).toMatchObject({ kind: 'invalid', problems: [{ field: 'Records[1].s3.object.size' }] });
  });

  it.each([
    ['not JSON', 'not json', 'body'],
    ['no records', '{"Records":[]}', 'Records'],
    ['a JSON array', '[]', 'Records'],
  ])('refuses a body that is %s', (_, body, field) => {
    expect(parseS3Notification(body, LAKE)).toMatchObject({ kind: 'invalid', problems: [{ field }] });
  });

  it('refuses a key that is not valid URL encoding', () => {
    expect(parseS3Notification(notification([{ key: 'curated/%E0%A4%A' }]), LAKE)).toMatchObject({
      kind: 'invalid',
      problems: [{ field: 'Records[0].s3.object.key', allowed: 'a URL-encoded object key' }],
    });
  });

  it('maps keys to tables from the contract prefixes', () => {
    expect(tableOfKey('curated/dt=2024-01-01/hour=00/a.parquet')).toBe('curated');
    expect(tableOfKey('predictions/dt=2024-01-01/hour=23/a.parquet')).toBe('predictions');
    expect(tableOfKey('aggregates/dt=2024-01-01/hour=23/a.parquet')).toBeUndefined();
  });
});
