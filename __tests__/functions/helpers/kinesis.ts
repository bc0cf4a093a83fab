/** Builders for Kinesis-shaped test input. */
import type { KinesisStreamEvent, KinesisStreamRecord } from 'aws-lambda';
import type { StreamRecord } from '../../../functions/stream-processor/domain';

export const SHARD = 'shardId-000000000003';

/** A realistic 56-digit sequence number whose order follows `i`. */
export function sequenceNumber(i: number): string {
  return `4963${String(i).padStart(52, '0')}`;
}

export function streamRecords(
  payloads: readonly Buffer[],
  opts: { shardId?: string; firstIndex?: number; arrivalMs?: (i: number) => number } = {},
): StreamRecord[] {
  return payloads.map((p, j) => {
    const i = (opts.firstIndex ?? 0) + j;
    return {
      shardId: opts.shardId ?? SHARD,
      sequenceNumber: sequenceNumber(i),
      data: p.toString('base64'),
      arrivalMs: opts.arrivalMs ? opts.arrivalMs(i) : Date.UTC(2024, 2, 20, 12) + i,
    };
  });
}

export function kinesisEvent(records: readonly StreamRecord[]): KinesisStreamEvent {
  return {
    Records: records.map((r): KinesisStreamRecord => ({
      awsRegion: 'us-east-1',
      eventID: `${r.shardId}:${r.sequenceNumber}`,
      eventName: 'aws:kinesis:record',
      eventSource: 'aws:kinesis',
      eventSourceARN: 'arn:aws:kinesis:us-east-1:123456789012:stream/events',
      eventVersion: '1.0',
      invokeIdentityArn: 'arn:aws:iam::123456789012:role/processor',
      kinesis: {
        approximateArrivalTimestamp: r.arrivalMs / 1000,
        data: r.data,
        kinesisSchemaVersion: '1.0',
        partitionKey: 'user',
        sequenceNumber: r.sequenceNumber,
      },
    })),
  };
}
