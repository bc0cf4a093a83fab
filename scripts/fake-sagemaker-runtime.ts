/**
 * A local stand-in for the SageMaker Runtime InvokeEndpoint API on 127.0.0.1, speaking the
 * same wire format the SDK uses (restJson1: POST /endpoints/<name>/invocations, the target
 * variant in X-Amzn-SageMaker-Target-Variant, the answering variant in
 * X-Amzn-Invoked-Production-Variant, errors named by X-Amzn-ErrorType). Lets the benchmark and
 * the HTTP-level tests run the real SDK (retries, timeouts, signing) over real sockets.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedInvocation {
  readonly endpointName: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

export type FakeAnswer =
  | { readonly kind: 'score'; readonly body: string; readonly variant: string; readonly delayMs?: number }
  | { readonly kind: 'error'; readonly status: number; readonly errorType: string; readonly message: string }
  /** Never answers (the client's timeouts must fire). */
  | { readonly kind: 'hang' };

export type FakeBehaviour = (invocation: ReceivedInvocation, index: number) => FakeAnswer;

/** Weighted routing like the endpoint's: pinned variant if asked, else by a deterministic hash of the body. */
export function weightedScorer(variants: Readonly<Record<string, number>>): FakeBehaviour {
  const names = Object.keys(variants);
  const total = names.reduce((s, n) => s + variants[n]!, 0);
  return (inv, index) => {
    const pinned = inv.headers['x-amzn-sagemaker-target-variant'];
    let variant = typeof pinned === 'string' ? pinned : names[0]!;
    if (typeof pinned !== 'string') {
      let point = ((index * 2654435761) % 1000) / 1000 * total;
      for (const n of names) {
        point -= variants[n]!;
        if (point < 0) {
          variant = n;
          break;
        }
      }
    }
    // A stable pseudo-score from the features, so answers vary like a model's.
    let h = 0;
    for (let i = 0; i < inv.body.length; i++) h = (h * 31 + inv.body.charCodeAt(i)) >>> 0;
    return { kind: 'score', body: `${((h % 10_000) / 10_000).toFixed(6)}\n`, variant };
  };
}

export interface FakeEndpoint {
  readonly url: string;
  readonly invocations: ReceivedInvocation[];
  close(): Promise<void>;
}

export async function startFakeEndpoint(behaviour: FakeBehaviour): Promise<FakeEndpoint> {
  const invocations: ReceivedInvocation[] = [];
  const hanging = new Set<import('node:http').ServerResponse>();
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const match = /^\/endpoints\/([^/]+)\/invocations$/.exec(req.url ?? '');
      if (req.method !== 'POST' || !match) {
        res.writeHead(404, { 'content-type': 'application/json', 'x-amzn-errortype': 'UnknownOperationException' }).end('{"message":"not found"}');
        return;
      }
      const invocation = { endpointName: decodeURIComponent(match[1]!), headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
      invocations.push(invocation);
      const answer = behaviour(invocation, invocations.length - 1);
      if (answer.kind === 'hang') {
        hanging.add(res);
        res.on('close', () => hanging.delete(res));
        return;
      }
      if (answer.kind === 'error') {
        res.writeHead(answer.status, { 'content-type': 'application/json', 'x-amzn-errortype': answer.errorType, 'x-amzn-requestid': `fake-${invocations.length}` }).end(JSON.stringify({ message: answer.message }));
        return;
      }
      const send = () =>
        res
          .writeHead(200, { 'content-type': 'text/csv', 'x-amzn-invoked-production-variant': answer.variant, 'x-amzn-requestid': `fake-${invocations.length}` })
          .end(answer.body);
      if (answer.delayMs) setTimeout(send, answer.delayMs);
      else send();
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    invocations,
    close: () =>
      new Promise<void>((resolve) => {
        for (const res of hanging) res.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
