/**
 * Pure readiness logic of GET /ready: what each dependency's answer means for serving
 * predictions, the report and its HTTP status, and the cache that keeps Route 53's checkers
 * (several per interval, from many locations) from turning into a control-plane call each.
 * No AWS calls here (see readiness-probe.ts).
 */
import { isDeadlineExceeded } from '../shared/deadline';

/** One dependency's verdict, as /ready reports it. */
export interface DependencyStatus {
  readonly status: 'ok' | 'down';
  /** Why it is down; absent when ok. */
  readonly reason?: string;
}

/** The dependencies a prediction needs: the endpoint answers, the stream feeds, the lake stores. */
export const DEPENDENCIES = ['endpoint', 'stream', 'lakeBucket'] as const;
export type Dependency = (typeof DEPENDENCIES)[number];

export interface ReadinessReport {
  readonly status: 'ready' | 'not_ready';
  /** When the checks ran (ISO 8601); a cached answer keeps its time. */
  readonly checkedAt: string;
  readonly dependencies: Readonly<Record<Dependency, DependencyStatus>>;
}

const OK: DependencyStatus = { status: 'ok' };

const down = (reason: string): DependencyStatus => ({ status: 'down', reason });

/**
 * Statuses in which the endpoint answers InvokeEndpoint: InService, and Updating / SystemUpdating,
 * during which the current fleet keeps serving while a deployment (a new model, the blue/green
 * canary) or AWS maintenance runs. Counting Updating as down would fail the region over on every
 * model deployment. Creating, RollingBack, OutOfService, Failed and anything unknown count as down.
 */
export const SERVING_ENDPOINT_STATUSES: readonly string[] = ['InService', 'Updating', 'SystemUpdating'];

export function judgeEndpoint(endpointStatus: string | undefined, failureReason?: string): DependencyStatus {
  if (endpointStatus !== undefined && SERVING_ENDPOINT_STATUSES.includes(endpointStatus)) return OK;
  const detail = failureReason ? `: ${failureReason.slice(0, 200)}` : '';
  return down(`endpoint status is ${endpointStatus ?? '(none)'}, not one that serves (${SERVING_ENDPOINT_STATUSES.join(', ')})${detail}`);
}

/** Kinesis accepts writes while a stream is ACTIVE, and also while UPDATING (resharding, mode change). */
export function judgeStream(streamStatus: string | undefined): DependencyStatus {
  if (streamStatus === 'ACTIVE' || streamStatus === 'UPDATING') return OK;
  return down(`stream status is ${streamStatus ?? '(none)'}, not ACTIVE or UPDATING`);
}

interface SdkLikeError {
  readonly name?: string;
  readonly $metadata?: { readonly httpStatusCode?: number };
}

/**
 * A check whose call failed. The reason names the error and HTTP status only: /ready is open to
 * unauthenticated callers, so SDK messages (which can carry ARNs and account ids) stay in the logs.
 */
export function judgeFailure(error: unknown, timeoutMs: number): DependencyStatus {
  const e = (error ?? {}) as SdkLikeError;
  if (isDeadlineExceeded(error) || e.name === 'TimeoutError' || e.name === 'AbortError') return down(`check timed out after ${timeoutMs} ms`);
  const status = e.$metadata?.httpStatusCode;
  return down(`check failed: ${e.name || 'Error'}${status ? ` (HTTP ${status})` : ''}`);
}

/** Ready only when every dependency is ok. */
export function readinessReport(dependencies: Readonly<Record<Dependency, DependencyStatus>>, checkedAt: number): ReadinessReport {
  const ready = DEPENDENCIES.every((d) => dependencies[d].status === 'ok');
  return { status: ready ? 'ready' : 'not_ready', checkedAt: new Date(checkedAt).toISOString(), dependencies };
}

/** 200 lets Route 53 keep the region; 503 fails the health check (any 2xx/3xx passes it). */
export function readinessHttpStatus(report: ReadinessReport): 200 | 503 {
  return report.status === 'ready' ? 200 : 503;
}

export interface CachedAnswer {
  readonly report: ReadinessReport;
  /** Whether this answer was reused rather than checked now. */
  readonly cached: boolean;
}

/**
 * Reuses one report for `ttlMs` (a down one too: its dependency is not expected back within the
 * TTL, and repeating the calls would only add load to a struggling region). Concurrent callers
 * share the checks in flight. A TTL of 0 checks every time.
 */
export class ReadinessCache {
  private last: { readonly report: ReadinessReport; readonly at: number } | undefined;
  private inflight: Promise<ReadinessReport> | undefined;

  constructor(
    private readonly ttlMs: number,
    private readonly clock: () => number = Date.now,
  ) {}

  /** The cached report while fresh, else the one `check` produces (shared with concurrent callers). */
  async get(check: () => Promise<ReadinessReport>): Promise<CachedAnswer> {
    const now = this.clock();
    if (this.last && now - this.last.at < this.ttlMs) return { report: this.last.report, cached: true };
    if (!this.inflight) {
      this.inflight = check()
        .then((report) => {
          this.last = { report, at: now };
          return report;
        })
        .finally(() => {
          this.inflight = undefined;
        });
    }
    return { report: await this.inflight, cached: false };
  }
}
