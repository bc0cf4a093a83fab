/**
 * Phase "create resources": what the stacks deploy, from the same definitions (local/platform.ts):
 * the stream, the lake and manifest buckets, the queues with their redrive, the lake's
 * notifications to the loader's queue, the model archives in the lake and the endpoint serving
 * them, and the warehouse schema, applied as the deployment applies it (each statement through the
 * Data API). Once the endpoints are known, the process's AWS SDK environment points at them.
 */
import { CreateStreamCommand } from '@aws-sdk/client-kinesis';
import { RedshiftDataClient } from '@aws-sdk/client-redshift-data';
import { CreateBucketCommand, PutBucketNotificationConfigurationCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { CreateQueueCommand } from '@aws-sdk/client-sqs';
import * as fs from 'node:fs';
import { TABLES } from '../../functions/shared/contract';
import { DataApi } from '../../functions/warehouse-loader/data-api';
import { schemaStatements, WAREHOUSE_TABLES } from '../../functions/warehouse-loader/sql';
import type { StandinSet } from '../standins/lifecycle';
import { SageMakerRuntimeStandin } from '../standins/sagemaker-runtime';
import { loadModelArchive } from '../standins/xgboost';
import { pointAwsSdkAtStandins } from './functions';
import type { LocalRun } from './run-context';
import { readAll, type StartedStandins } from './start-standins';

export interface LocalResources {
  readonly streamArn: string;
  readonly processorDlqUrl: string;
  readonly loaderDlqUrl: string;
  readonly loaderQueueUrl: string;
  readonly loaderQueueArn: string;
  readonly sagemaker: SageMakerRuntimeStandin;
  /** The warehouse as the deployment and the report's queries reach it: the Data API with the admin secret. */
  readonly redshiftData: RedshiftDataClient;
  readonly dataApi: DataApi;
}

export async function createResources(run: LocalRun, aws: StartedStandins, standins: StandinSet): Promise<LocalResources> {
  const { platform: p, options } = run;
  const { kinesis, s3, sqs } = aws;
  const streamArn = `arn:aws:kinesis:${p.region}:${p.accountId}:stream/${p.streamName}`;
  await kinesis.send(new CreateStreamCommand({ StreamName: p.streamName, ShardCount: p.shardCount }));
  for (const bucket of [p.lakeBucket, p.manifestBucket]) await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  const queueUrl = async (name: string, attributes: Record<string, string> = {}) =>
    (await sqs.send(new CreateQueueCommand({ QueueName: name, Attributes: attributes }))).QueueUrl!;
  const queueArn = (name: string) => `arn:aws:sqs:${p.region}:${p.accountId}:${name}`;
  const processorDlqUrl = await queueUrl(p.processor.onFailureQueue, { MessageRetentionPeriod: '1209600' });
  const loaderDlqUrl = await queueUrl(p.loader.deadLetterQueue, { MessageRetentionPeriod: '1209600' });
  const loaderQueueUrl = await queueUrl(p.loader.queue, {
    VisibilityTimeout: String(p.loader.timeoutSeconds * 6),
    RedrivePolicy: JSON.stringify({ deadLetterTargetArn: queueArn(p.loader.deadLetterQueue), maxReceiveCount: p.loader.maxReceiveCount }),
  });
  // The warehouse loader hears about every Parquet object of the tables it loads.
  await s3.send(
    new PutBucketNotificationConfigurationCommand({
      Bucket: p.lakeBucket,
      NotificationConfiguration: {
        QueueConfigurations: Object.values(WAREHOUSE_TABLES).map((spec) => ({
          Id: `load-${spec.name}`,
          QueueArn: queueArn(p.loader.queue),
          Events: ['s3:ObjectCreated:*'],
          Filter: {
            Key: {
              FilterRules: [
                { Name: 'prefix', Value: TABLES[spec.tableId].prefix },
                { Name: 'suffix', Value: '.parquet' },
              ],
            },
          },
        })),
      },
    }),
  );
  // The stack uploads each variant's shipped archive to the lake; SageMaker loads it from there.
  for (const v of p.inference.variants) {
    await s3.send(new PutObjectCommand({ Bucket: p.lakeBucket, Key: v.artifactKey, Body: fs.readFileSync(v.archivePath) }));
  }
  const t = performance.now();
  const variants = [];
  for (const v of p.inference.variants) variants.push({ ...v, model: loadModelArchive(await readAll(s3, p.lakeBucket, v.artifactKey)) });
  const sagemaker = standins.add(
    await SageMakerRuntimeStandin.start({
      endpointName: p.inference.endpointName,
      accountId: p.accountId,
      region: p.region,
      seed: options.seed,
      variants,
      fault: run.chaos?.sagemakerFault,
    }),
  );
  aws.info.push({
    name: sagemaker.name,
    replaces: 'SageMaker runtime (InvokeEndpoint, built-in XGBoost container)',
    startMs: Math.round(performance.now() - t),
  });
  pointAwsSdkAtStandins(p, { moto: aws.moto.endpoint, s3: aws.s3Proxy?.endpoint, redshiftData: aws.redshift.endpoint, sagemaker: sagemaker.endpoint });

  const redshiftData = new RedshiftDataClient({ region: p.region, credentials: aws.credentials, endpoint: aws.redshift.endpoint });
  const dataApi = new DataApi(redshiftData, { clusterIdentifier: p.loader.clusterIdentifier, database: p.loader.database, secretArn: p.secretArn });
  for (const statement of schemaStatements()) await dataApi.execute(statement.sql, [], Date.now() + 60_000, `schema-${statement.name}`);
  return { streamArn, processorDlqUrl, loaderDlqUrl, loaderQueueUrl, loaderQueueArn: queueArn(p.loader.queue), sagemaker, redshiftData, dataApi };
}
