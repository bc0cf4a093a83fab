import { KinesisClient, type PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { Writable } from 'node:stream';
import { main, parseCli, progressReporter } from '../../scripts/produce-events';

function sink(isTTY = false): Writable & { text: () => string; isTTY: boolean } {
  const chunks: string[] = [];
  const w = new Writable({
    write(chunk, _enc, cb) {
      chunks.push(String(chunk));
      cb();
    },
  });
  return Object.assign(w, { text: () => chunks.join(''), isTTY });
}

describe('produce-events CLI', () => {
  it('parses flags with defaults', () => {
    const o = parseCli(['--stream', 's', '--count', '10', '--malformed-share', '0.2'], Date.UTC(2024, 0, 1, 12));
    expect(o).toMatchObject({ stream: 's', count: 10, malformedShare: 0.2, duplicateShare: 0, seed: 1, spanHours: 1, concurrency: 4, dryRun: false });
    expect(o.start).toBe(Date.UTC(2024, 0, 1, 11));
  });

  it.each([
    [['--count', '0', '--stream', 's'], '--count must be an integer between 1 and 5000000, got "0"'],
    [['--count', '1.5', '--stream', 's'], '--count must be an integer'],
    [['--malformed-share', '2', '--stream', 's'], '--malformed-share must be a number between 0 and 1, got "2"'],
    [['--start', 'yesterday', '--stream', 's'], '--start must be an ISO-8601 date-time'],
    [['--count', '5'], '--stream is required'],
    [['--stream', 's', '--malformed-share', '0.7', '--duplicate-share', '0.7'], 'must not exceed 1'],
    [['--nope'], "Unknown option '--nope'"],
  ])('%j -> usage error naming the problem, exit code 2', async (argv, message) => {
    const err = sink();
    expect(await main(argv, sink(), err)).toBe(2);
    expect(err.text()).toContain(message);
    expect(err.text()).toContain('Usage: produce-events');
  });

  it('--help prints usage and exits 0', async () => {
    const out = sink();
    expect(await main(['--help'], out, sink())).toBe(0);
    expect(out.text()).toMatch(/^Usage: produce-events/);
  });

  it('--dry-run prints the same records for the same seed and start', async () => {
    const run = async () => {
      const out = sink();
      expect(await main(['--dry-run', '--count', '50', '--seed', '9', '--start', '2024-03-20T00:00:00Z', '--malformed-share', '0.1'], out, sink())).toBe(0);
      return out.text();
    };
    const a = await run();
    expect(a.trim().split('\n')).toHaveLength(50);
    expect(a.split('\n').filter((l) => l.includes('"kind":"valid"')).length).toBe(45);
    expect(await run()).toBe(a);
  });

  describe('AWS configuration', () => {
    const saved = { ...process.env };
    // Nothing from this machine's profile, metadata service or container may stand in for what a test leaves out.
    beforeEach(() => {
      for (const k of Object.keys(process.env)) if (k.startsWith('AWS_')) delete process.env[k];
      Object.assign(process.env, {
        AWS_CONFIG_FILE: '/nonexistent/config',
        AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/credentials',
        AWS_EC2_METADATA_DISABLED: 'true',
      });
    });
    afterEach(() => {
      for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
      Object.assign(process.env, saved);
      jest.restoreAllMocks();
    });
    const fakeKeys = { AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE', AWS_SECRET_ACCESS_KEY: 'secret' };
    // One attempt per record: a configuration error counted as failed records would end with exit 1 at once.
    const send = ['--stream', 'clicks', '--count', '5', '--max-attempts', '1'];

    it.each([
      ['no region', {}, [], /no AWS region: pass --region <region>, export AWS_REGION/],
      ['no credentials', { AWS_REGION: 'us-east-1' }, [], /no usable AWS credentials .*AWS_PROFILE .*AWS_ACCESS_KEY_ID/],
      ['no credentials, region from --region', {}, ['--region', 'eu-west-1'], /no usable AWS credentials/],
      [
        'an endpoint that is not a URL',
        { AWS_REGION: 'us-east-1', ...fakeKeys, AWS_ENDPOINT_URL: 'localhost-4566' },
        [],
        /AWS_ENDPOINT_URL="localhost-4566" is not an http\(s\) URL/,
      ],
      [
        'a Kinesis endpoint that is not a URL',
        { AWS_REGION: 'us-east-1', ...fakeKeys, AWS_ENDPOINT_URL_KINESIS: 'ftp://x' },
        [],
        /AWS_ENDPOINT_URL_KINESIS="ftp:\/\/x" is not an http\(s\) URL/,
      ],
      ['a region that is no hostname', { AWS_REGION: 'us east 1', ...fakeKeys }, [], /AWS region not usable: .*"us east 1"/],
    ])('%s: exit 3 with one line saying what to set, before any call', async (_name, env, extra, message) => {
      Object.assign(process.env, env);
      const calls = jest.spyOn(KinesisClient.prototype, 'send');
      const out = sink();
      const err = sink();
      expect(await main([...send, ...extra], out, err)).toBe(3);
      expect(err.text()).toMatch(message);
      expect(err.text().trim().split('\n')).toHaveLength(1);
      expect(out.text()).toBe('');
      expect(calls).not.toHaveBeenCalled();
    });

    it.each([
      [false, 'a pipe or file gets no carriage returns'],
      [true, 'a terminal gets the progress line rewritten in place'],
    ])('progress on stderr (isTTY %s): %s', async (isTTY) => {
      Object.assign(process.env, { AWS_REGION: 'us-east-1', ...fakeKeys });
      // send is overloaded (promise and callback forms); only the promise form is called here.
      const accept = async (command: PutRecordsCommand) => ({
        Records: (command.input.Records ?? []).map((_, i) => ({ SequenceNumber: String(i), ShardId: 'shardId-000000000000' })),
      });
      jest.spyOn(KinesisClient.prototype, 'send').mockImplementation(accept as unknown as KinesisClient['send']);
      const out = sink();
      const err = sink(isTTY);
      expect(await main(['--stream', 'clicks', '--count', '1200'], out, err)).toBe(0);
      expect(JSON.parse(out.text())).toMatchObject({ total: 1200, sent: 1200, failed: 0 });
      if (isTTY) expect(err.text()).toMatch(/^\rsent \d+\/1200(\rsent \d+\/1200)*\n$/);
      else expect(err.text()).not.toContain('\r');
    });
  });

  it('progress off a terminal: a plain line at most every 10 s; on a terminal one line rewritten at most every second', () => {
    let t = 0;
    const plain = sink();
    const p = progressReporter(plain, 100, () => t);
    for (t = 0; t <= 25_000; t += 500) p.update(t / 500);
    p.done();
    expect(plain.text()).toBe('sent 20/100\nsent 40/100\n');
    t = 0;
    const tty = sink(true);
    const q = progressReporter(tty, 100, () => t);
    for (t = 0; t <= 2_500; t += 500) q.update(t / 500);
    q.done();
    expect(tty.text()).toBe('\rsent 0/100\rsent 2/100\rsent 4/100\n');
  });
});
