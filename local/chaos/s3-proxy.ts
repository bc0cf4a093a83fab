/**
 * A fault-injecting HTTP proxy in front of moto's S3, for the functions' S3 clients only (the
 * run's own clients, and the warehouse stand-in's COPY reads, go to moto directly). Faults are
 * on the wire, so the handlers' real HTTP handler, SDK error parsing and retry code meet them:
 * an S3 error document with its status, a socket destroyed under the request, a request that is
 * never answered.
 *
 * A hang is either `hold` (never answered: only the client's own timeout ends it, the socket is
 * dropped when the client gives up or the proxy stops) or `reset` (held for `hangMs`, then the
 * connection is reset): the second bounds a hang for clients that do not enforce a timeout.
 */
import { randomUUID } from 'node:crypto';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Stoppable } from '../standins/lifecycle';

export type HangMode = 'hold' | 'reset';

export type S3Fault =
  | { readonly kind: 'error'; readonly status: number; readonly code: string; readonly message: string }
  | { readonly kind: 'reset'; readonly after: 'before-forwarding' | 'after-forwarding' }
  | { readonly kind: 'hang' };

/** What the fault decision sees of a request. */
export interface ProxiedRequest {
  readonly method: string;
  readonly path: string;
}

export interface S3ProxyOptions {
  /** moto's endpoint, e.g. http://127.0.0.1:5000. */
  readonly target: string;
  readonly fault: (request: ProxiedRequest) => S3Fault | undefined;
  readonly hangMode: HangMode;
  /** How long a `reset`-mode hang holds the connection. @default 1500 */
  readonly hangMs?: number;
}

export class FaultInjectingS3Proxy implements Stoppable {
  readonly name = 'fault-injecting S3 proxy (chaos run)';
  endpoint = '';
  /** Requests forwarded to S3, and requests failed here. */
  forwarded = 0;
  failed = 0;
  private server: http.Server | undefined;
  private readonly target: URL;
  private readonly held = new Set<http.ServerResponse>();
  private readonly timers = new Set<NodeJS.Timeout>();

  private constructor(private readonly options: S3ProxyOptions) {
    this.target = new URL(options.target);
  }

  static async start(options: S3ProxyOptions): Promise<FaultInjectingS3Proxy> {
    const proxy = new FaultInjectingS3Proxy(options);
    proxy.server = http.createServer((req, res) => void proxy.handle(req, res));
    await new Promise<void>((resolve, reject) => {
      proxy.server!.once('error', reject);
      proxy.server!.listen(0, '127.0.0.1', () => resolve());
    });
    proxy.endpoint = `http://127.0.0.1:${(proxy.server!.address() as AddressInfo).port}`;
    return proxy;
  }

  async stop(): Promise<void> {
    for (const t of this.timers) clearTimeout(t);
    for (const res of this.held) res.destroy();
    if (!this.server) return;
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server!.close(() => resolve()));
    this.server = undefined;
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    try {
      for await (const chunk of req) chunks.push(chunk as Buffer);
    } catch {
      return;
    }
    const body = Buffer.concat(chunks);
    const fault = this.options.fault({ method: req.method ?? 'GET', path: req.url ?? '/' });
    if (fault) this.failed++;
    if (fault?.kind === 'error') {
      const requestId = randomUUID();
      const xml = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${fault.code}</Code><Message>${fault.message}</Message><RequestId>${requestId}</RequestId></Error>`;
      res.writeHead(fault.status, { 'content-type': 'application/xml', 'content-length': Buffer.byteLength(xml), 'x-amz-request-id': requestId });
      res.end(xml);
      return;
    }
    if (fault?.kind === 'reset' && fault.after === 'before-forwarding') return void req.socket.destroy();
    if (fault?.kind === 'hang') return this.hang(req, res);

    let answer: { status: number; headers: http.IncomingHttpHeaders; body: Buffer };
    try {
      answer = await this.forward(req, body);
      this.forwarded++;
    } catch (error) {
      res.writeHead(502, { 'content-type': 'text/plain' });
      res.end(`proxy could not reach S3: ${(error as Error).message}`);
      return;
    }
    if (fault?.kind === 'reset') return void req.socket.destroy();
    res.writeHead(answer.status, answer.headers);
    res.end(answer.body);
  }

  private hang(req: http.IncomingMessage, res: http.ServerResponse): void {
    this.held.add(res);
    res.on('close', () => this.held.delete(res));
    if (this.options.hangMode === 'reset') {
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        req.socket.destroy();
      }, this.options.hangMs ?? 1500);
      this.timers.add(timer);
    }
  }

  private forward(req: http.IncomingMessage, body: Buffer): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }> {
    return new Promise((resolve, reject) => {
      // The Host header stays the client's: it is part of the request's signature.
      const headers = { ...req.headers };
      // The body is already read: send it whole, without asking the target to confirm first.
      delete headers.expect;
      const upstream = http.request({ host: this.target.hostname, port: this.target.port, method: req.method, path: req.url, headers }, (out) => {
        const chunks: Buffer[] = [];
        out.on('data', (c: Buffer) => chunks.push(c));
        out.on('end', () => resolve({ status: out.statusCode ?? 502, headers: out.headers, body: Buffer.concat(chunks) }));
        out.on('error', reject);
      });
      upstream.on('error', reject);
      upstream.end(body);
    });
  }
}
