/**
 * Prints the warehouse SQL the platform runs, for review and for by-hand loads (the DR runbook's
 * catch-up step in docs/warehouse.md). Nothing here calls AWS.
 *
 *   npx ts-node --transpile-only scripts/warehouse-sql.ts ddl
 *   npx ts-node --transpile-only scripts/warehouse-sql.ts load --key <object key> --etag <etag> --bytes <n> \
 *     --lake-bucket <bucket> --manifest-bucket <bucket> --cluster <id> --database <db> --secret-arn <arn>
 */
import { parseArgs } from 'node:util';
import { copyManifest, loadBatch, schemaStatements } from '../functions/warehouse-loader/sql';
import { manifestKeyOf } from '../functions/warehouse-loader/loader';
import { tableOfKey } from '../functions/warehouse-loader/s3-event';

export const USAGE = `Usage:
  warehouse-sql ddl
      prints the CREATE ... IF NOT EXISTS statements applied at deploy time
  warehouse-sql load --key <key> --etag <etag> --bytes <n> --lake-bucket <b> --manifest-bucket <b> \\
                     --cluster <id> --database <db> --secret-arn <arn>
      prints {"manifest": {"bucket", "key", "body"}, "batchExecuteStatement": {...}}: upload the
      manifest, then pass batchExecuteStatement to \`aws redshift-data batch-execute-statement --cli-input-json\`

Exit codes: 0 printed, 2 bad arguments.`;

export class UsageError extends Error {}

const LOAD_OPTIONS = ['key', 'etag', 'bytes', 'lake-bucket', 'manifest-bucket', 'cluster', 'database', 'secret-arn'] as const;

/** The command's output for the given arguments (pure; throws UsageError on bad input). */
export function run(argv: readonly string[]): string {
  const [command, ...rest] = argv;
  if (command === undefined || command === '-h' || command === '--help') return USAGE;
  if (command === 'ddl') {
    if (rest.length > 0) throw new UsageError(`ddl takes no arguments, got ${JSON.stringify(rest.join(' '))}`);
    return schemaStatements()
      .map((s) => `${s.sql};`)
      .join('\n\n');
  }
  if (command !== 'load') throw new UsageError(`unknown command ${JSON.stringify(command)}: allowed are ddl and load`);

  const { values } = parseArgs({ args: [...rest], options: Object.fromEntries(LOAD_OPTIONS.map((o) => [o, { type: 'string' }])), strict: true });
  const missing = LOAD_OPTIONS.filter((o) => !values[o]);
  if (missing.length > 0) throw new UsageError(`load needs ${missing.map((o) => `--${o}`).join(', ')}`);
  const v = values as Record<(typeof LOAD_OPTIONS)[number], string>;
  const table = tableOfKey(v.key);
  if (!table)
    throw new UsageError(`--key ${JSON.stringify(v.key)} is not a loadable object: allowed is curated/ or predictions/dt=YYYY-MM-DD/hour=HH/<name>.parquet`);
  const etag = v.etag.replace(/"/g, '').toLowerCase();
  if (!/^[0-9a-f]{32}(-\d{1,5})?$/.test(etag))
    throw new UsageError(`--etag ${JSON.stringify(v.etag)} must be 32 hex digits, optionally followed by -<part count>`);
  const bytes = Number(v.bytes);
  if (!Number.isSafeInteger(bytes) || bytes <= 0)
    throw new UsageError(`--bytes ${JSON.stringify(v.bytes)} must be the object's size in bytes (a positive integer)`);

  const manifestKey = manifestKeyOf({ bucket: v['lake-bucket'], key: v.key, etag, table });
  const batch = loadBatch({ table, objectKey: v.key, etag, objectBytes: bytes, manifestBucket: v['manifest-bucket'], manifestKey });
  return JSON.stringify(
    {
      manifest: { bucket: v['manifest-bucket'], key: manifestKey, body: copyManifest(v['lake-bucket'], v.key, bytes) },
      batchExecuteStatement: { ClusterIdentifier: v.cluster, Database: v.database, SecretArn: v['secret-arn'], Sqls: batch.sqls, Parameters: batch.parameters },
    },
    null,
    2,
  );
}

if (require.main === module) {
  try {
    console.log(run(process.argv.slice(2)));
  } catch (error) {
    const usage = error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS');
    console.error(`warehouse-sql: ${(error as Error).message}${usage ? `\n\n${USAGE}` : ''}`);
    process.exit(usage ? 2 : 1);
  }
}
