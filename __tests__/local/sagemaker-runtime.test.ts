import { InvokeEndpointCommand, SageMakerRuntimeClient } from '@aws-sdk/client-sagemaker-runtime';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pickVariant, SageMakerRuntimeStandin } from '../../local/standins/sagemaker-runtime';
import { loadModelArchive } from '../../local/standins/xgboost';

const root = path.resolve(__dirname, '..', '..');
const fixture = JSON.parse(fs.readFileSync(path.join(root, '__tests__/fixtures/ml/parity-predictions.json'), 'utf8')) as {
  featureRows: string[];
  predictions: Record<string, { scores: number[] }>;
};
const model = (v: string) => loadModelArchive(fs.readFileSync(path.join(root, 'ml/model', v, 'model.tar.gz')));

describe('pickVariant', () => {
  it('splits the unit interval by weight', () => {
    expect([0, 0.89, 0.9, 0.999].map((u) => pickVariant([90, 10], u))).toEqual([0, 0, 1, 1]);
    expect(pickVariant([0, 5], 0)).toBe(1);
    expect(() => pickVariant([0, 0], 0.5)).toThrow(/positive/);
  });
});

describe('SageMaker runtime stand-in, called by the real SDK client', () => {
  let standin: SageMakerRuntimeStandin;
  let client: SageMakerRuntimeClient;
  const send = (body: string, extra: Partial<{ TargetVariant: string; ContentType: string; EndpointName: string }> = {}) =>
    client.send(new InvokeEndpointCommand({ EndpointName: 'ep', ContentType: 'text/csv', Accept: 'text/csv', Body: body, ...extra }));

  beforeAll(async () => {
    standin = await SageMakerRuntimeStandin.start({
      endpointName: 'ep',
      accountId: '123456789012',
      region: 'us-east-1',
      seed: 3,
      variants: [
        { name: 'champion', weight: 90, modelVersion: 'v1', model: model('v1') },
        { name: 'challenger', weight: 10, modelVersion: 'v2', model: model('v2') },
      ],
    });
    client = new SageMakerRuntimeClient({
      region: 'us-east-1',
      endpoint: standin.endpoint,
      credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
      maxAttempts: 1,
    });
  });
  afterAll(() => standin.stop());

  it("answers a pinned variant with that variant's model score and names it", async () => {
    for (const [variant, version] of [
      ['champion', 'v1'],
      ['challenger', 'v2'],
    ] as const) {
      const out = await send(fixture.featureRows[0]!, { TargetVariant: variant });
      expect(out.InvokedProductionVariant).toBe(variant);
      expect(out.ContentType).toBe('text/csv');
      expect(Math.abs(Number(Buffer.from(out.Body!).toString()) - fixture.predictions[version]!.scores[0]!)).toBeLessThan(1e-6);
    }
  });

  it('routes unpinned requests by weight (about 90/10 over 2,000 requests)', async () => {
    const counts: Record<string, number> = { champion: 0, challenger: 0 };
    for (let i = 0; i < 2000; i++) counts[(await send(fixture.featureRows[i % fixture.featureRows.length]!)).InvokedProductionVariant!]!++;
    expect(counts.challenger! / 2000).toBeGreaterThan(0.07);
    expect(counts.challenger! / 2000).toBeLessThan(0.13);
  });

  it('scores several rows, one per line', async () => {
    const out = await send(fixture.featureRows.slice(0, 3).join('\n'), { TargetVariant: 'champion' });
    expect(Buffer.from(out.Body!).toString().split('\n').map(Number)).toHaveLength(3);
  });

  it('fails like the service: unknown endpoint or variant (ValidationError), a body the container refuses (ModelError)', async () => {
    await expect(send('1', { EndpointName: 'nope' })).rejects.toMatchObject({
      name: 'ValidationError',
      message: expect.stringContaining('Endpoint nope of account 123456789012 not found'),
    });
    await expect(send(fixture.featureRows[0]!, { TargetVariant: 'blue' })).rejects.toMatchObject({ name: 'ValidationError' });
    await expect(send('1,2,3', { TargetVariant: 'champion' })).rejects.toMatchObject({
      name: 'ModelError',
      OriginalStatusCode: 415,
      message: expect.stringContaining('expects 32'),
    });
    await expect(send('{}', { ContentType: 'application/json' })).rejects.toMatchObject({ name: 'ModelError' });
  });

  it('answers injected faults before any validation, records what the client sent, and cuts a hanging request at stop', async () => {
    const faulty = await SageMakerRuntimeStandin.start({
      endpointName: 'ep',
      variants: [{ name: 'only', weight: 1, modelVersion: 'v1', model: model('v1') }],
      recordInvocations: true,
      fault: (invocation, index) =>
        index === 0
          ? { kind: 'error', status: 400, errorType: 'ThrottlingException', message: 'Rate exceeded' }
          : invocation.body === 'hang'
            ? { kind: 'hang' }
            : undefined,
    });
    const faultyClient = new SageMakerRuntimeClient({
      region: 'us-east-1',
      endpoint: faulty.endpoint,
      credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
      maxAttempts: 1,
    });
    const invoke = (body: string, endpointName = 'ep') =>
      faultyClient.send(new InvokeEndpointCommand({ EndpointName: endpointName, ContentType: 'text/csv', Body: body }));
    try {
      await expect(invoke(fixture.featureRows[0]!, 'elsewhere')).rejects.toMatchObject({ name: 'ThrottlingException' });
      expect((await invoke(fixture.featureRows[0]!)).InvokedProductionVariant).toBe('only');
      const hanging = invoke('hang').then(
        () => 'answered',
        () => 'cut',
      );
      for (let i = 0; i < 50 && faulty.received < 3; i++) await new Promise((r) => setTimeout(r, 20));
      await faulty.stop();
      expect(await hanging).toBe('cut');
      expect(faulty.received).toBe(3);
      expect(faulty.invocations.map((i) => [i.endpointName, i.body])).toEqual([
        ['elsewhere', fixture.featureRows[0]],
        ['ep', fixture.featureRows[0]],
        ['ep', 'hang'],
      ]);
      expect(faulty.invocations[0]!.headers.authorization).toMatch(/^AWS4-HMAC-SHA256 /);
      expect(faulty.stats.only!.invocations).toBe(1);
    } finally {
      await faulty.stop();
    }
  });

  it('keeps no requests unless asked to', () => {
    expect(standin.invocations).toEqual([]);
    expect(standin.received).toBeGreaterThan(2000);
  });
});
