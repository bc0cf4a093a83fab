/**
 * Replays batches from the stream processor's dead-letter queue.
 *
 * The Kinesis event source mapping sends the queue metadata only (shard, first and last
 * sequence number of a batch that exhausted its retries), not the records. This reads each
 * message, fetches that sequence range from the shard while the stream still retains it,
 * puts the records back on the stream (same data, same partition key: they get new sequence
 * numbers and go through the processor again), and deletes the message once every record is
 * back. Fix the cause first (the processor's error log says what failed).
 *
 *   npx ts-node --transpile-only scripts/replay-dlq.ts --queue-url <url> [--stream <name|arn>] [--max-messages n] [--dry-run]
 *
 * Endpoints follow the SDK's standard variables (AWS_ENDPOINT_URL_SQS / _KINESIS), so the
 * same command works against local stand-ins.
 */
import { GetRecordsCommand, GetShardIteratorCommand, KinesisClient, type _Record } from '@aws-sdk/client-kinesis';
import { DeleteMessageCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { parseArgs } from 'node:util';
import { compareSequence } from '../functions/stream-processor/domain';
import { sendRecords } from '../functions/shared/producer';

export interface KinesisBatchInfo {
  readonly shardId: string;
  readonly startSequenceNumber: string;
  readonly endSequenceNumber: string;
  readonly streamArn: string;
  readonly batchSize?: number;
}

/** Reads the on-failure record Lambda sends for a Kinesis batch; throws naming what is missing. */
export function parseFailureMessage(body: string): KinesisBatchInfo {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    throw new Error('message body is not JSON: not a Lambda on-failure record');
  }
  const info = (parsed as { KinesisBatchInfo?: Record<string, unknown> })?.KinesisBatchInfo;
  if (!info || typeof info !== 'object') throw new Error('message has no KinesisBatchInfo: not a Kinesis on-failure record');
  for (const k of ['shardId', 'startSequenceNumber', 'endSequenceNumber', 'streamArn'] as const) {
    if (typeof info[k] !== 'string' || info[k] === '') throw new Error(`KinesisBatchInfo.${k} is missing or not a string`);
  }
  return info as unknown as KinesisBatchInfo;
}

/** Reads [start, end] of one shard. Throws if the range is no longer retained by the stream. */
export async function readRange(kinesis: KinesisClient, info: KinesisBatchInfo, streamArn = info.streamArn, maxCalls = 10_000): Promise<_Record[]> {
  let iterator: string | undefined;
  try {
    const it = await kinesis.send(
      new GetShardIteratorCommand({
        StreamARN: streamArn,
        ShardId: info.shardId,
        ShardIteratorType: 'AT_SEQUENCE_NUMBER',
        StartingSequenceNumber: info.startSequenceNumber,
      }),
    );
    iterator = it.ShardIterator;
  } catch (e) {
    throw new Error(
      `cannot read ${info.shardId} from ${info.startSequenceNumber}: ${(e as Error).name}: ${(e as Error).message} (records older than the stream's retention are gone)`,
      { cause: e },
    );
  }
  const out: _Record[] = [];
  for (let calls = 0; iterator && calls < maxCalls; calls++) {
    const page = await kinesis.send(new GetRecordsCommand({ ShardIterator: iterator, StreamARN: streamArn, Limit: 1000 }));
    for (const r of page.Records ?? []) {
      if (compareSequence(r.SequenceNumber!, info.endSequenceNumber) > 0) return out;
      out.push(r);
    }
    if (out.length > 0 && compareSequence(out[out.length - 1]!.SequenceNumber!, info.endSequenceNumber) === 0) return out;
    // Caught up with the shard and nothing more to come: the range ended before the end sequence number (trimmed or resharded).
    if ((page.Records ?? []).length === 0 && page.MillisBehindLatest === 0) return out;
    iterator = page.NextShardIterator;
  }
  return out;
}

const USAGE = `Usage: replay-dlq --queue-url <url> [--stream <name|arn>] [--max-messages <n>] [--dry-run]

Puts the records of batches in the stream processor's dead-letter queue back on the stream.
  --queue-url <url>      the dead-letter queue (required)
  --stream <name|arn>    stream to put the records on (default: the stream the batch came from)
  --max-messages <n>     stop after n messages (default 100)
  --dry-run              only print what would be replayed; delete nothing
  -h, --help             this help`;

export async function main(
  argv: readonly string[],
  clients?: { sqs: SQSClient; kinesis: KinesisClient },
  log: (s: string) => void = (s) => process.stdout.write(`${s}\n`),
): Promise<number> {
  let v;
  try {
    v = parseArgs({
      args: [...argv],
      strict: true,
      options: {
        'queue-url': { type: 'string' },
        stream: { type: 'string' },
        'max-messages': { type: 'string' },
        'dry-run': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    }).values;
  } catch (e) {
    log(`replay-dlq: ${(e as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (v.help) {
    log(USAGE);
    return 0;
  }
  const max = v['max-messages'] === undefined ? 100 : Number(v['max-messages']);
  if (!v['queue-url'] || !Number.isInteger(max) || max < 1) {
    log(`replay-dlq: ${!v['queue-url'] ? '--queue-url is required' : `--max-messages must be a positive integer, got "${v['max-messages']}"`}\n\n${USAGE}`);
    return 2;
  }
  const sqs = clients?.sqs ?? new SQSClient({});
  const kinesis = clients?.kinesis ?? new KinesisClient({});
  let handled = 0;
  let failed = 0;
  while (handled + failed < max) {
    const got = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: v['queue-url'],
        MaxNumberOfMessages: Math.min(10, max - handled - failed),
        WaitTimeSeconds: 1,
        VisibilityTimeout: 300,
      }),
    );
    const messages = got.Messages ?? [];
    if (messages.length === 0) break;
    for (const m of messages) {
      try {
        const info = parseFailureMessage(m.Body ?? '');
        const records = await readRange(kinesis, info);
        const target = v.stream ?? info.streamArn;
        log(
          `${info.shardId} ${info.startSequenceNumber}..${info.endSequenceNumber}: ${records.length} records${v['dry-run'] ? ' (dry run)' : ` -> ${target}`}`,
        );
        if (v['dry-run']) {
          handled++;
          continue;
        }
        const summary = await sendRecords(
          kinesis,
          records.map((r) => ({ data: r.Data!, partitionKey: r.PartitionKey! })),
          { stream: target },
        );
        if (summary.failed.length > 0)
          throw new Error(`${summary.failed.length} records could not be put back (first: ${summary.failed[0]!.errorCode}); the message stays in the queue`);
        await sqs.send(new DeleteMessageCommand({ QueueUrl: v['queue-url'], ReceiptHandle: m.ReceiptHandle! }));
        handled++;
      } catch (e) {
        failed++;
        log(`message ${m.MessageId}: ${(e as Error).message}`);
      }
    }
  }
  log(`replayed ${handled} message(s), ${failed} failed`);
  return failed > 0 ? 1 : 0;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e) => {
      process.stderr.write(`replay-dlq: ${(e as Error).stack ?? e}\n`);
      process.exit(1);
    },
  );
}
