/**
 * The polling half of the Kinesis event source mapping: one poller per shard reads with
 * GetRecords (at most one batch at a time, as with a parallelization factor of 1) and hands the
 * records to deliverShardRecords, which decides batches, retries, bisection and the on-failure
 * destination. Stops when the producer is done and every shard is read to its end.
 */
import { GetRecordsCommand, GetShardIteratorCommand, ListShardsCommand, type KinesisClient } from '@aws-sdk/client-kinesis';
import type { KinesisStreamEvent } from 'aws-lambda';
import {
  addStats,
  deliverShardRecords,
  emptyStats,
  type EventSourceMappingSettings,
  type InvocationOutcome,
  type MappingStats,
  type OnFailureMessage,
  type ShardRecord,
} from './event-source-mapping';

export interface KinesisSourceOptions {
  readonly client: KinesisClient;
  readonly streamName: string;
  readonly streamArn: string;
  readonly region: string;
  readonly functionArn: string;
  readonly mapping: EventSourceMappingSettings;
  readonly invoke: (event: KinesisStreamEvent, batch: readonly ShardRecord[]) => Promise<InvocationOutcome>;
  readonly onFailure: (message: OnFailureMessage, records: readonly ShardRecord[]) => Promise<void>;
  /** True once nothing more will be put on the stream. */
  readonly producerDone: () => boolean;
  /** Called after each GetRecords chunk is fully handled, with the records in it. */
  readonly onProgress?: (handledRecords: number) => void;
  readonly pollIntervalMs?: number;
}

export function kinesisEvent(batch: readonly ShardRecord[], shardId: string, streamArn: string, region: string): KinesisStreamEvent {
  return {
    Records: batch.map((r) => ({
      kinesis: {
        kinesisSchemaVersion: '1.0',
        partitionKey: r.partitionKey,
        sequenceNumber: r.sequenceNumber,
        data: Buffer.from(r.data).toString('base64'),
        approximateArrivalTimestamp: r.approximateArrivalTimestamp,
      },
      eventSource: 'aws:kinesis',
      eventVersion: '1.0',
      eventID: `${shardId}:${r.sequenceNumber}`,
      eventName: 'aws:kinesis:record',
      invokeIdentityArn: `arn:aws:iam::${streamArn.split(':')[4]}:role/local-event-source-mapping`,
      awsRegion: region,
      eventSourceARN: streamArn,
    })),
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function consumeStream(o: KinesisSourceOptions): Promise<{ stats: MappingStats; recordsRead: number; shards: string[] }> {
  const shards = (await o.client.send(new ListShardsCommand({ StreamName: o.streamName }))).Shards?.map((s) => s.ShardId!) ?? [];
  if (shards.length === 0) throw new Error(`stream ${o.streamName} has no shards`);
  const total = emptyStats();
  let recordsRead = 0;

  await Promise.all(
    shards.map(async (shardId) => {
      let iterator = (await o.client.send(new GetShardIteratorCommand({ StreamName: o.streamName, ShardId: shardId, ShardIteratorType: 'TRIM_HORIZON' })))
        .ShardIterator;
      // A read that comes back empty after the producer finished means the shard is drained.
      for (;;) {
        const doneBeforeRead = o.producerDone();
        const out = await o.client.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: o.mapping.batchSize }));
        iterator = out.NextShardIterator;
        const records: ShardRecord[] = (out.Records ?? []).map((r) => ({
          sequenceNumber: r.SequenceNumber!,
          partitionKey: r.PartitionKey!,
          data: r.Data!,
          approximateArrivalTimestamp: (r.ApproximateArrivalTimestamp ?? new Date()).getTime() / 1000,
        }));
        if (records.length > 0) {
          recordsRead += records.length;
          const { stats } = await deliverShardRecords(
            records,
            o.mapping,
            { shardId, streamArn: o.streamArn, functionArn: o.functionArn },
            {
              invoke: (batch) => o.invoke(kinesisEvent(batch, shardId, o.streamArn, o.region), batch),
              onFailure: o.onFailure,
              now: Date.now,
            },
          );
          addStats(total, stats);
          o.onProgress?.(records.length);
          continue;
        }
        if (doneBeforeRead || !iterator) break;
        await sleep(o.pollIntervalMs ?? 100);
      }
    }),
  );
  return { stats: total, recordsRead, shards };
}
