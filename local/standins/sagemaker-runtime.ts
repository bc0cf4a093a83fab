/**
 * SageMaker runtime stand-in: `POST /endpoints/<name>/invocations` on 127.0.0.1, the REST-JSON
 * contract the inference function's real `SageMakerRuntimeClient` speaks (SigV4, retries and
 * timeouts all run for real over the socket). text/csv rows in, one score per row out (the
 * built-in XGBoost container's answer), the answering variant in
 * `X-Amzn-Invoked-Production-Variant`. Variants are picked by their configured weights (seeded,
 * so a run is repeatable) unless the caller pins one with `X-Amzn-SageMaker-Target-Variant`.
 * Each variant evaluates its own shipped model.tar.gz (xgboost.ts).
 *
 * One stand-in serves `npm run local`, the inference benchmark (scripts/bench-inference.ts) and
 * the tests; the HTTP-level tests of the handler inject faults (throttling, container errors, an
 * endpoint that never answers) and read back what the client sent.
 *
 * Not emulated: instance capacity, autoscaling, data capture, throttling (unless injected); errors
 * follow the service's shapes (ValidationError 400 for an unknown endpoint or variant, ModelError
 * 424 when the container refuses the body).
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createPrng } from '../../functions/shared/generator';
import type { Stoppable } from './lifecycle';
import { parseCsvRows } from './xgboost';

/** A model as the container runs it: one feature row in, one score out (XgboostModel is one). */
export interface RowScorer {
  predict(features: readonly number[]): number;
}

export interface LocalVariant {
  readonly name: string;
  readonly weight: number;
  readonly modelVersion: string;
  readonly model: RowScorer;
}

/** A request as it reached the endpoint, before any validation. */
export interface ReceivedInvocation {
  readonly endpointName: string;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
}

export type InjectedFault =
  | { readonly kind: 'error'; readonly status: number; readonly errorType: string; readonly message: string }
  /** Never answers: the client's timeouts must fire. */
  | { readonly kind: 'hang' };

/** Decides, per request (0-based count of requests received), whether to fail it instead of scoring it. */
export type FaultInjector = (invocation: ReceivedInvocation, index: number) => InjectedFault | undefined;

export interface SageMakerStandinOptions {
  readonly endpointName: string;
  readonly variants: readonly LocalVariant[];
  /** Seed of the weighted variant draw. @default 1 */
  readonly seed?: number;
  /** Account named in error messages and log ARNs. @default '123456789012' (moto's default account, as the local run uses) */
  readonly accountId?: string;
  /** Region named in log ARNs. @default 'us-east-1' */
  readonly region?: string;
  /** Fails chosen requests instead of scoring them. @default every request is scored */
  readonly fault?: FaultInjector;
  /** Keep every request received in `invocations` (tests read them; long runs need not hold them). @default false */
  readonly recordInvocations?: boolean;
}

export interface VariantStats {
  invocations: number;
  /** Model evaluation time per invocation, microseconds (what CloudWatch's ModelLatency measures). */
  readonly modelLatencyMicros: number[];
}

/** Picks a variant index for a uniform draw u in [0, 1) by cumulative weight. */
export function pickVariant(weights: readonly number[], u: number): number {
  const total = weights.reduce((s, w) => s + w, 0);
  if (!(total > 0)) throw new RangeError('variant weights must sum to a positive number');
  let r = u * total;
  for (let i = 0; i < weights.length; i++) {
    r -= weights[i]!;
    if (r < 0) return i;
  }
  return weights.length - 1;
}

export class SageMakerRuntimeStandin implements Stoppable {
  readonly name = 'SageMaker runtime stand-in (XGBoost in TypeScript)';
  /** Scored invocations per variant. */
  readonly stats: Record<string, VariantStats>;
  /** Requests received, when `recordInvocations` is on. */
  readonly invocations: ReceivedInvocation[] = [];
  /** Requests received on the invocations route, answered or not. */
  received = 0;
  private readonly random: () => number;
  private readonly accountId: string;
  private readonly region: string;
  private readonly hanging = new Set<http.ServerResponse>();
  private server: http.Server | undefined;
  endpoint = '';

  private constructor(private readonly options: SageMakerStandinOptions) {
    if (options.variants.length === 0) throw new Error('the endpoint needs at least one production variant');
    this.random = createPrng(options.seed ?? 1);
    this.accountId = options.accountId ?? '123456789012';
    this.region = options.region ?? 'us-east-1';
    this.stats = Object.fromEntries(options.variants.map((v) => [v.name, { invocations: 0, modelLatencyMicros: [] }]));
  }

  static async start(options: SageMakerStandinOptions): Promise<SageMakerRuntimeStandin> {
    const standin = new SageMakerRuntimeStandin(options);
    standin.server = http.createServer((req, res) => void standin.handle(req, res));
    // Longer than any client's idle time, so a benchmark's keep-alive socket is never closed under it.
    standin.server.keepAliveTimeout = 60_000;
    await new Promise<void>((resolve, reject) => {
      standin.server!.once('error', reject);
      standin.server!.listen(0, '127.0.0.1', () => resolve());
    });
    standin.endpoint = `http://127.0.0.1:${(standin.server!.address() as AddressInfo).port}`;
    return standin;
  }

  async stop(): Promise<void> {
    if (!this.server) return;
    for (const res of this.hanging) res.destroy();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server!.close(() => resolve()));
    this.server = undefined;
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const send = (status: number, body: string, headers: Record<string, string>) => {
      res.writeHead(status, { 'content-length': Buffer.byteLength(body), 'x-amzn-RequestId': `local-${this.received}-${Date.now().toString(36)}`, ...headers });
      res.end(body);
    };
    const error = (status: number, type: string, message: string, extra: Record<string, unknown> = {}) =>
      send(status, JSON.stringify({ message, ...extra }), { 'content-type': 'application/json', 'x-amzn-ErrorType': type });

    const m = /^\/endpoints\/([^/]+)\/invocations$/.exec((req.url ?? '').split('?')[0]!);
    if (req.method !== 'POST' || !m)
      return error(404, 'UnknownOperationException', `expected POST /endpoints/<name>/invocations, got ${req.method} ${req.url}`);
    const invocation: ReceivedInvocation = { endpointName: decodeURIComponent(m[1]!), headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
    const index = this.received++;
    if (this.options.recordInvocations) this.invocations.push(invocation);
    const fault = this.options.fault?.(invocation, index);
    if (fault?.kind === 'hang') {
      this.hanging.add(res);
      res.on('close', () => this.hanging.delete(res));
      return;
    }
    if (fault?.kind === 'error') return error(fault.status, fault.errorType, fault.message);

    const { endpointName } = invocation;
    if (endpointName !== this.options.endpointName) {
      return error(400, 'ValidationError', `Endpoint ${endpointName} of account ${this.accountId} not found.`);
    }
    const contentType = String(req.headers['content-type'] ?? '')
      .split(';')[0]!
      .trim()
      .toLowerCase();
    const target = req.headers['x-amzn-sagemaker-target-variant'];
    let variantIndex: number;
    if (typeof target === 'string' && target !== '') {
      variantIndex = this.options.variants.findIndex((v) => v.name === target);
      if (variantIndex < 0)
        return error(
          400,
          'ValidationError',
          `Target variant ${target} not found for Endpoint ${endpointName}. Known variants: ${this.options.variants.map((v) => v.name).join(', ')}`,
        );
    } else {
      variantIndex = pickVariant(
        this.options.variants.map((v) => v.weight),
        this.random(),
      );
    }
    const variant = this.options.variants[variantIndex]!;
    const modelError = (message: string) =>
      error(424, 'ModelError', `Received client error (415) from primary with message "${message}". See CloudWatch logs for details.`, {
        OriginalStatusCode: 415,
        OriginalMessage: message,
        LogStreamArn: `arn:aws:logs:${this.region}:${this.accountId}:log-group:/aws/sagemaker/Endpoints/${endpointName}`,
      });
    if (contentType !== 'text/csv') return modelError(`Content type ${contentType || '(none)'} is not supported by this algorithm; use text/csv`);

    const started = process.hrtime.bigint();
    let scores: number[];
    try {
      scores = parseCsvRows(invocation.body).map((row) => variant.model.predict(row));
    } catch (e) {
      return modelError((e as Error).message);
    }
    const stats = this.stats[variant.name]!;
    stats.invocations++;
    stats.modelLatencyMicros.push(Number(process.hrtime.bigint() - started) / 1000);
    send(200, scores.map((s) => String(s)).join('\n'), { 'content-type': 'text/csv', 'x-amzn-invoked-production-variant': variant.name });
  }
}
