/** Producers follow a failover: the active region comes from the platform's SSM parameter. */
import { KinesisClient, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { GetParameterCommand, ParameterNotFound, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { Writable } from 'node:stream';
import { ProducerConfigurationError, resolveActiveRegion } from '../../functions/shared/producer';
import { main, parseCli } from '../../scripts/produce-events';

const ssm = mockClient(SSMClient);
const kinesis = mockClient(KinesisClient);
const PARAMETER = '/data-analytics-ml-analytics/active-region';

function sink(): Writable & { text: () => string } {
  let buf = '';
  const w = new Writable({
    write(chunk, _enc, cb) {
      buf += String(chunk);
      cb();
    },
  }) as Writable & { text: () => string };
  w.text = () => buf;
  return w;
}

beforeEach(() => {
  ssm.reset();
  kinesis.reset();
});

describe('resolveActiveRegion', () => {
  const client = new SSMClient({ region: 'us-east-1' });

  it('returns the region the parameter names, reading exactly that parameter', async () => {
    ssm.on(GetParameterCommand, { Name: PARAMETER }).resolves({ Parameter: { Name: PARAMETER, Value: 'us-west-2' } });
    await expect(resolveActiveRegion(client, PARAMETER)).resolves.toBe('us-west-2');
    expect(ssm.commandCalls(GetParameterCommand)).toHaveLength(1);
  });

  it.each([['not a region'], [''], ['US-WEST-2'], ['us-west-2; rm -rf']])('refuses a value that is not a region name: %j', async (value) => {
    ssm.on(GetParameterCommand).resolves({ Parameter: { Name: PARAMETER, Value: value } });
    const error = await resolveActiveRegion(client, PARAMETER).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProducerConfigurationError);
    expect((error as Error).message).toContain(PARAMETER);
    expect((error as Error).message).toContain('AWS region name');
  });

  it('names the parameter when it cannot be read', async () => {
    ssm.on(GetParameterCommand).rejects(new ParameterNotFound({ message: 'nope', $metadata: {} }));
    await expect(resolveActiveRegion(client, PARAMETER)).rejects.toThrow(/cannot read the active-region parameter .*active-region: ParameterNotFound/);
  });
});

describe('produce-events --follow-active-region', () => {
  it('parses the parameter name and refuses a stream ARN (an ARN fixes the region) or a bad name', () => {
    expect(parseCli(['--stream', 's', '--follow-active-region', PARAMETER]).followActiveRegion).toBe(PARAMETER);
    expect(parseCli(['--stream', 's']).followActiveRegion).toBeUndefined();
    expect(() => parseCli(['--stream', 'arn:aws:kinesis:us-east-1:123456789012:stream/s', '--follow-active-region', PARAMETER])).toThrow(
      /needs --stream as a name/,
    );
    expect(() => parseCli(['--stream', 's', '--follow-active-region', 'active region'])).toThrow(/--follow-active-region must be an SSM parameter name/);
  });

  it('reads SSM in --region and writes to the stream in the active region', async () => {
    ssm.on(GetParameterCommand).resolves({ Parameter: { Name: PARAMETER, Value: 'us-west-2' } });
    kinesis.on(PutRecordsCommand).callsFake((input: { Records: unknown[] }) => ({
      FailedRecordCount: 0,
      Records: input.Records.map((_, i) => ({ SequenceNumber: String(i), ShardId: 'shardId-000000000000' })),
    }));
    const env = { ...process.env };
    process.env.AWS_ACCESS_KEY_ID = 'test';
    process.env.AWS_SECRET_ACCESS_KEY = 'test';
    try {
      const code = await main(['--stream', 'events', '--count', '5', '--region', 'us-east-1', '--follow-active-region', PARAMETER], sink(), sink());
      expect(code).toBe(0);
    } finally {
      process.env = env;
    }
    const ssmCall = ssm.commandCalls(GetParameterCommand)[0]!;
    expect(ssmCall.args[0].input).toEqual({ Name: PARAMETER });
    await expect((ssmCall.thisValue as SSMClient).config.region()).resolves.toBe('us-east-1');
    const puts = kinesis.commandCalls(PutRecordsCommand);
    expect(puts.length).toBeGreaterThan(0);
    for (const put of puts) await expect((put.thisValue as KinesisClient).config.region()).resolves.toBe('us-west-2');
  });

  it('exits 3 with the reason when the parameter cannot be resolved, sending nothing', async () => {
    ssm.on(GetParameterCommand).resolves({ Parameter: { Name: PARAMETER, Value: 'nowhere' } });
    const err = sink();
    expect(await main(['--stream', 'events', '--region', 'us-east-1', '--follow-active-region', PARAMETER], sink(), err)).toBe(3);
    expect(err.text()).toContain('holds "nowhere"');
    expect(kinesis.commandCalls(PutRecordsCommand)).toHaveLength(0);
  });
});
