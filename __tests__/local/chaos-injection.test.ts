/**
 * Where the chaos run's faults meet the handlers' code: the S3 proxy's faults as the real SDK
 * client sees them over the wire, and a stopped invocation whose further AWS calls never leave
 * the process.
 */
import { PutObjectCommand, S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ExecutionEnvironmentStopped, installInvocationGuard, runStoppable } from '../../local/chaos/invocations';
import { FaultInjectingS3Proxy, type S3Fault } from '../../local/chaos/s3-proxy';

/** Stands in for S3 behind the proxy: answers every PUT with 200 and remembers its key. */
async function fakeS3(): Promise<{ endpoint: string; keys: string[]; close: () => Promise<void> }> {
  const keys: string[] = [];
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      keys.push(req.url ?? '');
      res.writeHead(200, { etag: '"abc"', 'content-length': 0 });
      res.end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    keys,
    close: () =>
      new Promise((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

const client = (endpoint: string, requestHandler?: S3ClientConfig['requestHandler']) =>
  new S3Client({
    endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    maxAttempts: 1,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    requestHandler,
  });
/** Node's text for a connection reset under a request (ECONNRESET; under jest the SDK wraps the error and keeps only its text). */
const SOCKET_RESET = /socket hang up/;
const put = (s3: S3Client, key: string) => s3.send(new PutObjectCommand({ Bucket: 'lake', Key: key, Body: 'x' }));

describe('fault-injecting S3 proxy', () => {
  let upstream: Awaited<ReturnType<typeof fakeS3>>;
  let next: S3Fault | undefined;
  const proxies: FaultInjectingS3Proxy[] = [];
  const start = async (hangMode: 'hold' | 'reset', hangMs = 300) => {
    const proxy = await FaultInjectingS3Proxy.start({ target: upstream.endpoint, hangMode, hangMs, fault: () => next });
    proxies.push(proxy);
    return proxy;
  };

  beforeAll(async () => {
    upstream = await fakeS3();
  });
  afterAll(async () => {
    for (const p of proxies) await p.stop();
    await upstream.close();
  });
  beforeEach(() => {
    upstream.keys.length = 0;
    next = undefined;
  });

  it('forwards a request without a fault, signature and all', async () => {
    const proxy = await start('reset');
    await expect(put(client(proxy.endpoint), 'ok')).resolves.toMatchObject({ ETag: '"abc"' });
    expect(upstream.keys).toEqual(['/lake/ok?x-id=PutObject']);
  });

  it.each([
    [500, 'InternalError'],
    [503, 'SlowDown'],
  ])('answers %i %s as S3 does, without forwarding: the SDK names the error', async (status, code) => {
    const proxy = await start('reset');
    next = { kind: 'error', status, code, message: 'injected' };
    const error = await put(client(proxy.endpoint), 'k').catch((e: unknown) => e);
    expect(error).toMatchObject({ name: code, $metadata: { httpStatusCode: status } });
    expect(upstream.keys).toEqual([]);
  });

  it('resets the connection before forwarding (S3 never sees the request) or after (S3 applied it, the answer is lost)', async () => {
    const proxy = await start('reset');
    next = { kind: 'reset', after: 'before-forwarding' };
    await expect(put(client(proxy.endpoint), 'before')).rejects.toThrow(SOCKET_RESET);
    expect(upstream.keys).toEqual([]);
    next = { kind: 'reset', after: 'after-forwarding' };
    await expect(put(client(proxy.endpoint), 'after')).rejects.toThrow(SOCKET_RESET);
    expect(upstream.keys).toEqual(['/lake/after?x-id=PutObject']);
  });

  it('holds a hung request until the client gives up, in hold mode', async () => {
    const proxy = await start('hold');
    next = { kind: 'hang' };
    const started = Date.now();
    const error = await put(client(proxy.endpoint, { requestTimeout: 400, throwOnRequestTimeout: true }), 'hung').catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'TimeoutError' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(380);
    expect(upstream.keys).toEqual([]);
  });

  it('resets a hung request after hangMs in reset mode, for clients that enforce no timeout', async () => {
    const proxy = await start('reset', 300);
    next = { kind: 'hang' };
    const started = Date.now();
    await expect(put(client(proxy.endpoint), 'hung')).rejects.toThrow(SOCKET_RESET);
    expect(Date.now() - started).toBeGreaterThanOrEqual(280);
  });
});

describe('stoppable invocations', () => {
  let upstream: Awaited<ReturnType<typeof fakeS3>>;
  let removeGuard: () => void;

  beforeAll(async () => {
    upstream = await fakeS3();
    removeGuard = installInvocationGuard();
  });
  afterAll(async () => {
    removeGuard();
    await upstream.close();
  });

  it('refuses every call of a stopped invocation and reports the stop as a function error, whatever the handler returned', async () => {
    const s3 = client(upstream.endpoint);
    let refused = 0;
    const handler = async () => {
      for (const key of ['a', 'b', 'c', 'd']) {
        try {
          await put(s3, key);
        } catch (e) {
          if (e instanceof ExecutionEnvironmentStopped) refused++;
        }
      }
      return { batchItemFailures: [] };
    };
    let puts = 0;
    const outcome = runStoppable(
      handler,
      {},
      {},
      { beforeCall: (command, scope) => command instanceof PutObjectCommand && ++puts > 2 && scope.stop('test crash') },
    );
    await expect(outcome).rejects.toThrow(new ExecutionEnvironmentStopped('Runtime exited: test crash'));
    expect(upstream.keys.map((k) => k.split('?')[0])).toEqual(['/lake/a', '/lake/b']);
    expect(refused).toBe(2);
  });

  it('loses the answer of the call after which an invocation is stopped', async () => {
    upstream.keys.length = 0;
    const s3 = client(upstream.endpoint);
    const outcome = runStoppable(() => put(s3, 'applied'), {}, {}, { afterCall: (_c, _o, scope) => scope.stop('after the call') });
    await expect(outcome).rejects.toBeInstanceOf(ExecutionEnvironmentStopped);
    expect(upstream.keys.map((k) => k.split('?')[0])).toEqual(['/lake/applied']);
  });

  it("stops an invocation at its context's deadline: what it does after never reaches a service", async () => {
    upstream.keys.length = 0;
    const s3 = client(upstream.endpoint);
    const handler = async () => {
      await new Promise((r) => setTimeout(r, 150));
      return put(s3, 'late');
    };
    await expect(runStoppable(handler, {}, { getRemainingTimeInMillis: () => 50 }, {})).rejects.toThrow('Runtime exited: Task timed out');
    expect(upstream.keys).toEqual([]);
  });

  it('leaves calls outside an invocation, and invocations never stopped, alone', async () => {
    const s3 = client(upstream.endpoint);
    await expect(put(s3, 'outside')).resolves.toBeDefined();
    await expect(runStoppable(async () => (await put(s3, 'inside')).ETag, {}, {}, {})).resolves.toBe('"abc"');
    await expect(runStoppable(async () => Promise.reject(new Error('handler error')), {}, {}, {})).rejects.toThrow('handler error');
  });
});
