/**
 * Loads one lake object into the warehouse, exactly once in effect:
 * - a cheap audit look-up skips objects already loaded (the usual repeated SQS delivery);
 * - otherwise the object is looked up by the notification's ETag: the stream processor rewrites an
 *   object under the same key when it rolls a batch back, so an older notification may name a
 *   version that is gone. That version's rows are not there to load (the newer version has its own
 *   notification), and a COPY with the old size in its manifest would fail until the message is
 *   dead-lettered; such a notification is acknowledged as superseded;
 * - otherwise the object's COPY manifest is written, with the size S3 reports now, and the load
 *   batch (sql.ts) runs as one transaction, which itself re-checks the audit table, so two
 *   concurrent deliveries of the same object still leave one copy of each row and one audit row.
 */
import { createHash } from 'node:crypto';
import type { DescribeStatementCommandOutput } from '@aws-sdk/client-redshift-data';
import type { LakeObject } from './s3-event';
import { alreadyLoadedQuery, copyManifest, LOAD_BATCH_INSERT_INDEX, loadBatch, WAREHOUSE_TABLES } from './sql';
import type { SqlParameter } from './data-api';

export interface StatementRunner {
  execute(sql: string, parameters: readonly SqlParameter[], deadline: number, statementName: string): Promise<DescribeStatementCommandOutput>;
  batch(sqls: readonly string[], parameters: readonly SqlParameter[], deadline: number, statementName: string): Promise<DescribeStatementCommandOutput>;
}

export interface ManifestWriter {
  /** Resolves once written; `deadline` (epoch ms) bounds the call like the statements'. */
  put(bucket: string, key: string, body: string, deadline: number): Promise<void>;
}

/** What S3 holds under a notification's key: that very version (with its size), another one, or nothing. */
export type ObjectState = { readonly status: 'current'; readonly bytes: number } | { readonly status: 'superseded' } | { readonly status: 'gone' };

export interface ObjectInspector {
  /** The state of `key` against the notification's `etag`, answered before `deadline` (epoch ms). */
  inspect(bucket: string, key: string, etag: string, deadline: number): Promise<ObjectState>;
}

export interface LoaderSettings {
  readonly lakeBucket: string;
  readonly manifestBucket: string;
  readonly schema: string;
}

export type LoadOutcome =
  | { readonly status: 'loaded'; readonly rows: number; readonly statementId: string }
  | { readonly status: 'already-loaded'; readonly statementId?: string }
  | { readonly status: 'superseded' }
  | { readonly status: 'gone' };

/** Manifest key of an object version: a digest, so nothing of the object key reaches the COPY text. */
export function manifestKeyOf(object: Pick<LakeObject, 'bucket' | 'key' | 'etag' | 'table'>): string {
  const digest = createHash('sha256').update(`${object.bucket}\n${object.key}\n${object.etag}`).digest('hex');
  return `${WAREHOUSE_TABLES[object.table].name}/${digest}.manifest`;
}

/** Data API statement names show up in SYS_QUERY_HISTORY; keep them short and free of object keys. */
function statementName(kind: string, object: LakeObject): string {
  return `warehouse-loader-${kind}-${WAREHOUSE_TABLES[object.table].name}`;
}

export interface LoaderDependencies {
  readonly runner: StatementRunner;
  readonly manifests: ManifestWriter;
  readonly objects: ObjectInspector;
  readonly settings: LoaderSettings;
}

export async function loadObject(object: LakeObject, deps: LoaderDependencies, deadline: number): Promise<LoadOutcome> {
  const { runner, manifests, settings } = deps;
  const check = alreadyLoadedQuery(object.key, object.etag, settings.schema);
  const existing = await runner.execute(check.sql, check.parameters, deadline, statementName('check', object));
  if ((existing.ResultRows ?? 0) > 0) return { status: 'already-loaded' };

  const state = await deps.objects.inspect(object.bucket, object.key, object.etag, deadline);
  if (state.status !== 'current') return state;

  const manifestKey = manifestKeyOf(object);
  await manifests.put(settings.manifestBucket, manifestKey, copyManifest(settings.lakeBucket, object.key, state.bytes), deadline);

  const batch = loadBatch({
    table: object.table,
    objectKey: object.key,
    etag: object.etag,
    objectBytes: state.bytes,
    manifestBucket: settings.manifestBucket,
    manifestKey,
    schema: settings.schema,
  });
  const result = await runner.batch(batch.sqls, batch.parameters, deadline, statementName('load', object));
  const statementId = result.Id ?? '';
  const auditRows = result.SubStatements?.[batch.sqls.length - 1]?.ResultRows;
  // A concurrent delivery committed first: this transaction merged nothing and wrote no audit row.
  if (auditRows === 0) return { status: 'already-loaded', statementId };
  return { status: 'loaded', rows: Math.max(0, result.SubStatements?.[LOAD_BATCH_INSERT_INDEX]?.ResultRows ?? 0), statementId };
}
