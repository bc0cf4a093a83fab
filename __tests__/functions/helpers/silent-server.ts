/**
 * An HTTP server on 127.0.0.1 that accepts every connection, reads every request to its end and
 * never answers: what a hung S3, Data API or SageMaker connection looks like to an SDK client.
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface SilentRequest {
  readonly method: string;
  readonly url: string;
  readonly bytes: number;
  readonly target?: string;
}

export interface SilentServer {
  /** http://127.0.0.1:<port> */
  readonly endpoint: string;
  /** Requests read in full so far (none answered). */
  readonly requests: readonly SilentRequest[];
  close(): Promise<void>;
}

export async function startSilentServer(): Promise<SilentServer> {
  const requests: SilentRequest[] = [];
  const server = http.createServer((req) => {
    let bytes = 0;
    req.on('data', (chunk: Buffer) => (bytes += chunk.byteLength));
    req.on('end', () => requests.push({ method: req.method ?? '', url: req.url ?? '', bytes, target: req.headers['x-amz-target'] as string | undefined }));
  });
  // Node's own server timeouts would answer 408 or drop the socket: a hung server does neither.
  server.requestTimeout = 0;
  server.headersTimeout = 0;
  server.keepAliveTimeout = 0;
  server.timeout = 0;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((e) => (e ? reject(e) : resolve()));
      }),
  };
}

/** A Lambda context whose remaining time runs down from `remainingMs` with the wall clock. */
export function runningContext(remainingMs: number, functionName = 'function') {
  const end = Date.now() + remainingMs;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:us-east-1:123456789012:function:${functionName}`,
    memoryLimitInMB: '1024',
    awsRequestId: 'req-deadline',
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => Math.max(0, end - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

/** Environment that points the SDK's default chains at a local endpoint with static credentials. */
export function localAwsEnvironment(endpoint: string): Record<string, string> {
  return {
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'AKIDLOCAL',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_ENDPOINT_URL: endpoint,
    AWS_S3_FORCE_PATH_STYLE: 'true',
    POWERTOOLS_LOG_LEVEL: 'CRITICAL',
    POWERTOOLS_DEV: 'true',
  };
}
