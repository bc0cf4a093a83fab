/**
 * Phase "start stand-ins": moto (Kinesis, S3, SQS) as a child process and the Redshift Data API
 * stand-in in this process, each registered with the StandinSet the moment it is up, so Ctrl-C
 * or a failure later stops it. The SageMaker stand-in starts with its endpoint, in
 * create-resources.ts: it loads its models from the lake, as the service does.
 */
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import * as os from 'node:os';
import * as path from 'node:path';
import { FaultInjectingS3Proxy } from '../chaos/s3-proxy';
import type { LocalReport } from '../report/model';
import type { StandinSet } from '../standins/lifecycle';
import { startMoto, type MotoServer } from '../standins/moto';
import { RedshiftDataStandin } from '../standins/redshift-data';
import { parquetDecoder } from '../standins/redshift-on-postgres';
import type { LocalRun } from './run-context';

export type StandinInfo = LocalReport['standins'][number];

export interface StartedStandins {
  readonly moto: MotoServer;
  readonly redshift: RedshiftDataStandin;
  /** In a chaos run: the fault-injecting proxy the functions' S3 clients reach moto through. */
  readonly s3Proxy: FaultInjectingS3Proxy | undefined;
  /** Clients of moto's services, with the local credentials. */
  readonly s3: S3Client;
  readonly kinesis: KinesisClient;
  readonly sqs: SQSClient;
  readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string };
  /** What the report lists of each stand-in, in start order. */
  readonly info: StandinInfo[];
}

export async function readAll(s3: S3Client, bucket: string, key: string): Promise<Uint8Array> {
  const out = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return out.Body!.transformToByteArray();
}

export async function startStandins(run: LocalRun, standins: StandinSet): Promise<StartedStandins> {
  const { platform: p, options, ui } = run;
  const info: StandinInfo[] = [];
  let t = performance.now();
  ui.note('starting moto (Kinesis, S3, SQS) on 127.0.0.1');
  const moto = await startMoto(standins, { repoRoot: run.root, logFile: path.join(options.outDir, 'logs', 'moto.log'), onStatus: ui.note });
  info.push({ name: moto.name, replaces: 'Kinesis Data Streams, S3, SQS', startMs: Math.round(performance.now() - t), pid: moto.pid });

  let s3Proxy: FaultInjectingS3Proxy | undefined;
  if (run.chaos) {
    t = performance.now();
    s3Proxy = standins.add(await FaultInjectingS3Proxy.start({ target: moto.endpoint, fault: run.chaos.s3Fault, hangMode: run.chaos.settings.hangMode }));
    info.push({
      name: s3Proxy.name,
      replaces: `faults on the functions' S3 requests (seed ${run.chaos.settings.seed})`,
      startMs: Math.round(performance.now() - t),
    });
  }

  const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
  const clientConfig = { region: p.region, credentials, endpoint: moto.endpoint };
  const s3 = new S3Client({ ...clientConfig, forcePathStyle: true });
  // HTTP/1.1: the SDK's Kinesis default is HTTP/2, which the service speaks over TLS and moto does not speak at all.
  const kinesis = new KinesisClient({ ...clientConfig, requestHandler: new NodeHttpHandler() });
  const sqs = new SQSClient(clientConfig);

  t = performance.now();
  const redshift = standins.add(
    await RedshiftDataStandin.start({
      clusterIdentifier: p.loader.clusterIdentifier,
      database: p.loader.database,
      readObject: (bucket, key) => readAll(s3, bucket, key),
      // hyparquet is ESM-only; Node's require(esm) loads it.
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      decodeParquet: parquetDecoder(require('hyparquet')),
      // Redshift refuses a manifest whose content_length is not the object's size; so does the run.
      verifyContentLength: true,
      fault: run.chaos?.dataApiFault,
      cacheDir: path.join(process.env.DAML_TOOLCHAIN_DIR ?? path.join(os.homedir(), '.cache', 'data-analytics-ml', 'toolchain'), 'pglite'),
    }),
  );
  info.push({ name: redshift.name, replaces: 'Redshift (SQL) and the Redshift Data API', startMs: Math.round(performance.now() - t) });
  return { moto, redshift, s3Proxy, s3, kinesis, sqs, credentials, info };
}
