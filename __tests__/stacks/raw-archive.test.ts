import { KinesisFirehoseDeliveryStream } from '@cdktf/provider-aws/lib/kinesis-firehose-delivery-stream';
import { resourcesOf, ROLES, synthPlatform } from '../helpers/synth';

describe.each(ROLES)('%s stack: raw archive', (role) => {
  const stack = synthPlatform().stacks[role];

  test('Firehose reads the ingestion stream and writes gzip, KMS-encrypted objects under raw/ by arrival hour', () => {
    const [[, delivery]] = resourcesOf(stack, 'aws_kinesis_firehose_delivery_stream');
    expect(delivery.kinesis_source_configuration.kinesis_stream_arn).toMatch(/^\$\{aws_kinesis_stream\./);
    const s3 = delivery.extended_s3_configuration;
    expect(s3.bucket_arn).toMatch(/^\$\{aws_s3_bucket\.platform_data-lake_bucket_/);
    expect(s3.prefix).toBe('raw/dt=!{timestamp:yyyy-MM-dd}/hour=!{timestamp:HH}/');
    expect(s3.error_output_prefix.startsWith('raw/_errors/')).toBe(true);
    expect(s3.compression_format).toBe('GZIP');
    expect(s3.kms_key_arn).toMatch(/^\$\{aws_kms_key\./);
    expect(s3.buffering_interval).toBe(300);
    expect(s3.cloudwatch_logging_options.enabled).toBe(true);
  });

  test('its role can write only the raw/ prefix', () => {
    const policy = resourcesOf(stack, 'aws_iam_role_policy')
      .map(([, p]) => p)
      .find((p) => p.name === 'read-stream-write-raw')!;
    const statements: any[] = JSON.parse(policy.policy).Statement;
    const writes = statements.filter((s) => [s.Action].flat().includes('s3:PutObject'));
    expect(writes.map((s) => s.Resource)).toEqual([expect.stringMatching(/\/raw\/\*$/)]);
  });
});

test('no raw archive when disabled', () => {
  const { synthesized } = synthPlatform({ kinesis: { rawArchiveEnabled: false } });
  for (const role of ROLES) expect(synthesized[role]).not.toHaveResource(KinesisFirehoseDeliveryStream);
});
