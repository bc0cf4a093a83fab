import * as fc from 'fast-check';
import { addressesReferencedBy, parseReference, referencesIn, replaceReferences, SynthesizedStackView } from '../../stacks/synthesized-stack';

const ref = (address: string, attribute?: string) => {
  const isData = address.startsWith('data.');
  const [type, name] = address.replace(/^data\./, '').split('.');
  return { address, isData, type, name, attribute };
};

describe('parseReference: a value that is one reference as a whole', () => {
  test.each([
    ['${aws_s3_bucket.lake_1A2B.arn}', ref('aws_s3_bucket.lake_1A2B', 'arn')],
    ['${data.aws_caller_identity.current.account_id}', ref('data.aws_caller_identity.current', 'account_id')],
    ['${aws_cloudwatch_log_group.platform_inference-api_access-logs_1A2B.arn}', ref('aws_cloudwatch_log_group.platform_inference-api_access-logs_1A2B', 'arn')],
  ])('%s', (value, expected) => {
    expect(parseReference(value)).toEqual(expected);
  });

  test.each([
    ['embedded in a longer string', 'arn:${aws_s3_bucket.lake.arn}/*'],
    ['two references', '${aws_s3_bucket.a.id}${aws_s3_bucket.b.id}'],
    ['an expression', '${element(data.aws_availability_zones.zones.names, 0)}'],
    ['an index', '${aws_s3_bucket.lake[0]}'],
    ['a bare address', 'aws_s3_bucket.lake'],
    ['an escaped literal', '$${aws_s3_bucket.lake.arn}'],
    ['a variable', '${var.bucket_name.value}'],
    ['a literal', 'data-analytics-ml-analytics-lake'],
  ])('not %s', (_what, value) => {
    expect(parseReference(value)).toBeUndefined();
  });

  test.each([undefined, null, 42, true, ['${aws_s3_bucket.lake.arn}'], { id: '${aws_s3_bucket.lake.arn}' }])('not a non-string (%p)', (value) => {
    expect(parseReference(value)).toBeUndefined();
  });
});

describe('referencesIn: every reference inside the interpolations of a string', () => {
  test('embedded, several, and inside expressions, in order', () => {
    expect(referencesIn('arn:${aws_s3_bucket.lake.arn}/curated/* and ${element(data.aws_availability_zones.zones.names, 1)}')).toEqual([
      ref('aws_s3_bucket.lake', 'arn'),
      ref('data.aws_availability_zones.zones', 'names'),
    ]);
  });

  test('an expression with braces of its own is one interpolation', () => {
    const forExpression = '${{ for key, val in tolist(aws_acm_certificate.cert.domain_validation_options): val.domain_name => val }}';
    expect(referencesIn(forExpression)).toEqual([ref('aws_acm_certificate.cert', 'domain_validation_options')]);
  });

  test('indexes and splats name the resource without an attribute; nested attributes keep the first', () => {
    expect(referencesIn('${aws_signer_signing_job.job.signed_object[0].s3[0].key}')).toEqual([ref('aws_signer_signing_job.job', 'signed_object')]);
    expect(referencesIn('${aws_subnet.private[0]}')).toEqual([ref('aws_subnet.private')]);
    expect(referencesIn('${aws_subnet.private.*.id}')).toEqual([ref('aws_subnet.private')]);
  });

  test('escaped literals, variables, locals, iteration values and unclosed interpolations are not references', () => {
    expect(referencesIn('{"StringEquals":{"redshift-data:statement-owner-iam-userid":"$${aws:userid}"}}')).toEqual([]);
    expect(referencesIn('s3://bucket/dt=$${dt}/hour=$${hour}/')).toEqual([]);
    expect(referencesIn('${var.some_name.attr} ${local.aws_thing.x} ${each.value.some_attr} ${module.my_module.output}')).toEqual([]);
    expect(referencesIn('${aws_s3_bucket.lake.arn')).toEqual([]);
    expect(referencesIn('aws_s3_bucket.lake.arn, without an interpolation')).toEqual([]);
  });

  test('a non-string has none', () => {
    expect(referencesIn(undefined)).toEqual([]);
    expect(referencesIn({ bucket: '${aws_s3_bucket.lake.id}' })).toEqual([]);
  });
});

describe('replaceReferences', () => {
  test('replaces whole and embedded attribute references by what the callback returns; undefined keeps one', () => {
    const value = 'lake-${data.aws_caller_identity.current.account_id}-use1 in ${aws_s3_bucket.other.arn}';
    const replaced = replaceReferences(value, (r) => (r.type === 'aws_caller_identity' ? '123456789012' : undefined));
    expect(replaced).toBe('lake-123456789012-use1 in ${aws_s3_bucket.other.arn}');
  });

  test('leaves expressions and escaped literals alone', () => {
    const value = '${element(data.aws_availability_zones.zones.names, 0)} $${aws_s3_bucket.lake.arn}';
    expect(replaceReferences(value, () => 'X')).toBe(value);
  });
});

describe('addressesReferencedBy: a configuration (or a stack) as a list of the addresses it refers to', () => {
  test('interpolations in every string and depends_on entries, in order; CDKTF metadata skipped', () => {
    const config = {
      '//': { metadata: { path: 'stack/aws_s3_bucket.in_metadata' } },
      bucket: '${aws_s3_bucket.lake.id}',
      policy: '{"Resource":"${aws_s3_bucket.lake.arn}/*","Principal":"${data.aws_iam_role.reader.arn}"}',
      nested: [{ destination_arn: '${aws_sqs_queue.dlq.arn}' }],
      depends_on: ['aws_iam_role_policy.write', 'data.aws_kms_alias.peer'],
      provider: 'aws.peer',
      description: 'aws_s3_bucket.literal_text is not a reference',
    };
    expect(addressesReferencedBy(config)).toEqual([
      'aws_s3_bucket.lake',
      'aws_s3_bucket.lake',
      'data.aws_iam_role.reader',
      'aws_sqs_queue.dlq',
      'aws_iam_role_policy.write',
      'data.aws_kms_alias.peer',
    ]);
  });
});

describe('properties', () => {
  const type = fc.stringMatching(/^aws_[a-z][a-z0-9_]{0,20}$/);
  const name = fc.stringMatching(/^[A-Za-z0-9_-]{1,30}$/);
  const attribute = fc.stringMatching(/^[a-z_][a-z0-9_]{0,15}$/);
  const address = fc.tuple(fc.boolean(), type, name).map(([isData, t, n]) => `${isData ? 'data.' : ''}${t}.${n}`);
  // Text between interpolations: anything without a `$` or a brace.
  const literal = fc.stringMatching(/^[^${}]{0,20}$/);

  test('a whole reference parses back to its address and attribute', () => {
    fc.assert(
      fc.property(address, attribute, (a, attr) => {
        expect(parseReference(`\${${a}.${attr}}`)).toMatchObject({ address: a, attribute: attr, isData: a.startsWith('data.') });
      }),
    );
  });

  test('references embedded in text are all found, in order; escaped ones never', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(literal, address, attribute, fc.boolean()), { maxLength: 6 }), literal, (parts, tail) => {
        const text = parts.map(([before, a, attr, escaped]) => `${before}${escaped ? '$' : ''}\${${a}.${attr}}`).join('') + tail;
        const expected = parts.filter(([, , , escaped]) => !escaped).map(([, a, attr]) => [a, attr]);
        expect(referencesIn(text).map((r) => [r.address, r.attribute])).toEqual(expected);
      }),
    );
  });

  test('replacing with nothing, or with each reference itself, changes nothing', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(literal, address, attribute), { maxLength: 5 }), (parts) => {
        const text = parts.map(([before, a, attr]) => `${before}\${${a}.${attr}}`).join('');
        expect(replaceReferences(text, () => undefined)).toBe(text);
        expect(replaceReferences(text, (r) => `\${${r.address}.${r.attribute}}`)).toBe(text);
      }),
    );
  });
});

describe('SynthesizedStackView', () => {
  const view = new SynthesizedStackView({
    resource: {
      aws_s3_bucket: { lake: { bucket: 'lake' }, logs: { bucket: 'logs' } },
      aws_s3_bucket_versioning: { lake: { bucket: '${aws_s3_bucket.lake.id}' } },
      aws_s3_bucket_policy: { lake: { bucket: '${aws_s3_bucket.lake.id}' }, both: { bucket: 'prefix-${aws_s3_bucket.logs.bucket}' } },
    },
    data: { aws_caller_identity: { current: {} } },
  });
  const [lake, logs] = view.ofType('aws_s3_bucket');

  test('ofType lists the resources of one type with their logical ids', () => {
    expect(view.ofType('aws_s3_bucket').map((r) => r.logicalId)).toEqual(['lake', 'logs']);
    expect(view.ofType('aws_sqs_queue')).toEqual([]);
  });

  test('referencing finds whole and embedded references in one attribute', () => {
    expect(view.referencing('aws_s3_bucket_policy', 'bucket', lake).map((r) => r.logicalId)).toEqual(['lake']);
    expect(view.referencing('aws_s3_bucket_policy', 'bucket', logs).map((r) => r.logicalId)).toEqual(['both']);
    expect(view.referencing('aws_s3_bucket_versioning', 'bucket', logs)).toEqual([]);
  });

  test('target follows a reference to a resource or a data source', () => {
    expect(view.target(parseReference('${aws_s3_bucket.logs.arn}')!)).toEqual({ type: 'aws_s3_bucket', logicalId: 'logs', config: { bucket: 'logs' } });
    expect(view.target(parseReference('${data.aws_caller_identity.current.account_id}')!)).toEqual({
      type: 'aws_caller_identity',
      logicalId: 'current',
      config: {},
    });
    expect(view.target(parseReference('${aws_s3_bucket.gone.arn}')!)).toBeUndefined();
  });

  test('addresses lists every resource and data source', () => {
    expect([...view.addresses()].sort()).toEqual([
      'aws_s3_bucket.lake',
      'aws_s3_bucket.logs',
      'aws_s3_bucket_policy.both',
      'aws_s3_bucket_policy.lake',
      'aws_s3_bucket_versioning.lake',
      'data.aws_caller_identity.current',
    ]);
  });
});
