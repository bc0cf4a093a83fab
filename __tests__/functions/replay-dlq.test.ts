import { GetRecordsCommand, GetShardIteratorCommand, KinesisClient, PutRecordsCommand, type PutRecordsCommandInput } from '@aws-sdk/client-kinesis';
import { DeleteMessageCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { main, parseFailureMessage, readRange } from '../../scripts/replay-dlq';

const kinesisMock = mockClient(KinesisClient);
const sqsMock = mockClient(SQSClient);
const kinesis = new KinesisClient({ region: 'us-east-1' });
const sqs = new SQSClient({ region: 'us-east-1' });
const STREAM = 'arn:aws:kinesis:us-east-1:123456789012:stream/events';

const seq = (i: number) => `4960${String(i).padStart(52, '0')}`;
const rec = (i: number) => ({ SequenceNumber: seq(i), Data: Buffer.from(`{"n":${i}}`), PartitionKey: `user${i}` });

/** Lambda's on-failure record for a Kinesis batch (documented shape). */
function failureBody(start: number, end: number): string {
  return JSON.stringify({
    requestContext: {
      requestId: 'r',
      functionArn: 'arn:aws:lambda:us-east-1:123456789012:function:p',
      condition: 'RetryAttemptsExhausted',
      approximateInvokeCount: 11,
    },
    responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
    version: '1.0',
    timestamp: '2024-03-20T10:00:00.000Z',
    KinesisBatchInfo: {
      shardId: 'shardId-000000000001',
      startSequenceNumber: seq(start),
      endSequenceNumber: seq(end),
      approximateArrivalOfFirstRecord: '',
      approximateArrivalOfLastRecord: '',
      batchSize: end - start + 1,
      streamArn: STREAM,
    },
  });
}

/** A shard holding records 0..9, served two per GetRecords page. */
function shard(): void {
  kinesisMock.on(GetShardIteratorCommand).callsFake((input) => ({ ShardIterator: `it-${Number(input.StartingSequenceNumber!.slice(4))}` }));
  kinesisMock.on(GetRecordsCommand).callsFake((input) => {
    const from = Number(input.ShardIterator!.slice(3));
    const page = [from, from + 1].filter((i) => i < 10).map(rec);
    return { Records: page, NextShardIterator: `it-${from + 2}`, MillisBehindLatest: from + 2 >= 10 ? 0 : 1000 };
  });
}

beforeEach(() => {
  kinesisMock.reset();
  sqsMock.reset();
});

describe('replay-dlq', () => {
  it('parses the on-failure record and names a missing field', () => {
    expect(parseFailureMessage(failureBody(2, 5))).toMatchObject({
      shardId: 'shardId-000000000001',
      startSequenceNumber: seq(2),
      endSequenceNumber: seq(5),
      streamArn: STREAM,
    });
    expect(() => parseFailureMessage('{}')).toThrow('no KinesisBatchInfo');
    expect(() => parseFailureMessage(JSON.stringify({ KinesisBatchInfo: { shardId: 's' } }))).toThrow('KinesisBatchInfo.startSequenceNumber is missing');
    expect(() => parseFailureMessage('nope')).toThrow('not JSON');
  });

  it('reads exactly the sequence range across pages', async () => {
    shard();
    const records = await readRange(kinesis, parseFailureMessage(failureBody(3, 6)));
    expect(records.map((r) => r.SequenceNumber)).toEqual([3, 4, 5, 6].map(seq));
  });

  it('says when the range has left the stream', async () => {
    kinesisMock.on(GetShardIteratorCommand).rejects(Object.assign(new Error('sequence number is trimmed'), { name: 'InvalidArgumentException' }));
    await expect(readRange(kinesis, parseFailureMessage(failureBody(0, 1)))).rejects.toThrow(/older than the stream's retention/);
  });

  it('puts the range back with the original partition keys, then deletes the message', async () => {
    shard();
    sqsMock
      .on(ReceiveMessageCommand)
      .resolvesOnce({ Messages: [{ MessageId: 'm1', ReceiptHandle: 'h1', Body: failureBody(1, 4) }] })
      .resolves({ Messages: [] });
    const puts: PutRecordsCommandInput[] = [];
    kinesisMock.on(PutRecordsCommand).callsFake((input: PutRecordsCommandInput) => {
      puts.push(input);
      return { Records: input.Records!.map(() => ({ SequenceNumber: '1', ShardId: 's' })) };
    });
    const lines: string[] = [];
    expect(await main(['--queue-url', 'https://sqs/dlq'], { sqs, kinesis }, (s) => lines.push(s))).toBe(0);
    expect(puts).toHaveLength(1);
    expect(puts[0]!.StreamARN).toBe(STREAM);
    expect(puts[0]!.Records!.map((r) => r.PartitionKey)).toEqual(['user1', 'user2', 'user3', 'user4']);
    expect(sqsMock.commandCalls(DeleteMessageCommand).map((c) => c.args[0].input.ReceiptHandle)).toEqual(['h1']);
    expect(lines.at(-1)).toBe('replayed 1 message(s), 0 failed');
  });

  it('keeps the message when records cannot be put back, and when dry-running', async () => {
    shard();
    sqsMock
      .on(ReceiveMessageCommand)
      .resolvesOnce({ Messages: [{ MessageId: 'm1', ReceiptHandle: 'h1', Body: failureBody(0, 1) }] })
      .resolves({ Messages: [] });
    kinesisMock.on(PutRecordsCommand).rejects(Object.assign(new Error('Stream not found'), { name: 'ResourceNotFoundException' }));
    const lines: string[] = [];
    expect(await main(['--queue-url', 'https://sqs/dlq'], { sqs, kinesis }, (s) => lines.push(s))).toBe(1);
    expect(sqsMock.commandCalls(DeleteMessageCommand)).toHaveLength(0);

    sqsMock.reset();
    sqsMock
      .on(ReceiveMessageCommand)
      .resolvesOnce({ Messages: [{ MessageId: 'm2', ReceiptHandle: 'h2', Body: failureBody(0, 1) }] })
      .resolves({ Messages: [] });
    expect(await main(['--queue-url', 'https://sqs/dlq', '--dry-run'], { sqs, kinesis }, () => undefined)).toBe(0);
    expect(sqsMock.commandCalls(DeleteMessageCommand)).toHaveLength(0);
  });

  it('rejects bad arguments with usage', async () => {
    const lines: string[] = [];
    expect(await main([], { sqs, kinesis }, (s) => lines.push(s))).toBe(2);
    expect(lines[0]).toContain('--queue-url is required');
    expect(await main(['--queue-url', 'q', '--max-messages', '0'], { sqs, kinesis }, (s) => lines.push(s))).toBe(2);
  });
});
