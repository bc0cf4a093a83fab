/**
 * The shared deadline: its arithmetic as properties, and its two layers against a real server
 * on 127.0.0.1 that reads each request and never answers, with a real SDK client.
 */
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import fc from 'fast-check';
import { clientConfig, Deadline, DeadlineExceededError, isDeadlineExceeded } from '../../functions/shared/deadline';
import { startSilentServer, type SilentServer } from './helpers/silent-server';

let server: SilentServer;
beforeAll(async () => {
  server = await startSilentServer();
});
afterAll(async () => {
  await server.close();
});

function s3(config: object): S3Client {
  return new S3Client({
    region: 'us-east-1',
    endpoint: server.endpoint,
    forcePathStyle: true,
    credentials: { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'local' },
    ...config,
  });
}
const put = () => new PutObjectCommand({ Bucket: 'lake', Key: 'k', Body: 'x' });

describe('Deadline arithmetic', () => {
  it('is the remaining time minus the reserve, never negative, and retries fit inside it', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 900_000 }),
        fc.integer({ min: 0, max: 60_000 }),
        fc.integer({ min: 0, max: 1_000_000 }),
        fc.nat(2_000_000),
        (remaining, reserve, elapsed, wait) => {
          let now = 1_700_000_000_000;
          const d = Deadline.fromContext({ getRemainingTimeInMillis: () => remaining }, reserve, () => now);
          expect(d.remainingMs()).toBe(Math.max(0, remaining - reserve));
          now += elapsed;
          const left = Math.max(0, remaining - reserve - elapsed);
          expect(d.remainingMs()).toBe(left);
          expect(d.allows(wait)).toBe(wait < left);
          // A compensating call may use the reserve, never past the function's end.
          const later = d.extended(wait);
          expect(later.at).toBe(Math.min(d.at + wait, d.end));
          expect(later.end).toBe(d.end);
        },
      ),
    );
  });

  it('without an invocation clock there is no deadline, and the signal never aborts', () => {
    const d = Deadline.fromContext({}, 3_000);
    expect(d.remainingMs()).toBe(Infinity);
    expect(d.allows(10 ** 9)).toBe(true);
    expect(d.signal().aborted).toBe(false);
  });

  it('a passed deadline aborts at once with DeadlineExceededError as the reason', () => {
    const d = Deadline.fromContext({ getRemainingTimeInMillis: () => 100 }, 500);
    expect(d.signal().aborted).toBe(true);
    expect(d.signal().reason).toBeInstanceOf(DeadlineExceededError);
    expect(isDeadlineExceeded(Object.assign(new Error('Request aborted'), { name: 'AbortError', cause: d.signal().reason }))).toBe(true);
    expect(isDeadlineExceeded(Object.assign(new Error('Request aborted'), { name: 'AbortError' }))).toBe(false);
  });
});

describe('against a server that never answers', () => {
  it('the deadline signal ends a real SDK call at the deadline, long before its request timeout', async () => {
    const client = s3(clientConfig({ connectionTimeoutMs: 1_000, requestTimeoutMs: 60_000, maxAttempts: 3 }));
    const deadline = Deadline.fromContext({ getRemainingTimeInMillis: () => 700 }, 200);
    const before = server.requests.length;
    const started = Date.now();
    const error = await client.send(put(), deadline.sendOptions()).catch((e: unknown) => e);
    const elapsed = Date.now() - started;
    expect(isDeadlineExceeded(error)).toBe(true);
    expect(elapsed).toBeGreaterThanOrEqual(450);
    expect(elapsed).toBeLessThan(1_500);
    // Aborted, not retried: one request reached the server.
    expect(server.requests.length - before).toBe(1);
    client.destroy();
  });

  it("clientConfig's request timeout is enforced per attempt: the SDK retries, then fails with TimeoutError", async () => {
    const client = s3(clientConfig({ connectionTimeoutMs: 1_000, requestTimeoutMs: 200, maxAttempts: 2 }));
    const before = server.requests.length;
    const started = Date.now();
    const error = (await client.send(put()).catch((e: unknown) => e)) as Error;
    expect(error.name).toBe('TimeoutError');
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(server.requests.length - before).toBe(2);
    client.destroy();
  });

  it('a request timeout without throwOnRequestTimeout does not end the call (why clientConfig sets it)', async () => {
    const client = s3({ maxAttempts: 1, requestHandler: { connectionTimeout: 1_000, requestTimeout: 200 } });
    const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
    const outcome = await Promise.race([
      client.send(put()).then(
        () => 'answered',
        () => 'failed',
      ),
      new Promise((r) => setTimeout(() => r('still waiting'), 1_200)),
    ]);
    expect(outcome).toBe('still waiting');
    warn.mockRestore();
    client.destroy();
  });
});
