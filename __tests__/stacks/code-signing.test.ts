import { LAMBDA_SIGNING_PLATFORM, SIGNED_PREFIX, UNSIGNED_PREFIX } from '../../stacks/constructs/code-signing';
import { resourcesOf, synthPlatform, type TerraformJson } from '../helpers/synth';

const signedTypes = ['aws_signer_signing_profile', 'aws_lambda_code_signing_config', 'aws_signer_signing_job'];

function only(stack: TerraformJson, type: string): [string, Record<string, any>] {
  const all = resourcesOf(stack, type);
  expect(all).toHaveLength(1);
  return all[0]!;
}

describe('Lambda code signing (observability.lambdaCodeSigning)', () => {
  it('is off by default: functions deploy the local zip, and no Signer resource exists', () => {
    const { stacks } = synthPlatform();
    for (const stack of Object.values(stacks)) {
      for (const type of signedTypes) expect(resourcesOf(stack, type)).toEqual([]);
      for (const [, fn] of resourcesOf(stack, 'aws_lambda_function')) {
        expect(fn.filename).toEqual(expect.any(String));
        expect(fn.code_signing_config_arn).toBeUndefined();
      }
    }
  });

  describe('when on', () => {
    const { stacks } = synthPlatform({ drMode: 'warm-standby', observability: { lambdaCodeSigning: true } });

    it.each(['primary', 'dr'] as const)('%s: every function deploys code its own region signed, under an Enforce configuration', (role) => {
      const stack = stacks[role];
      const [profileId, profile] = only(stack, 'aws_signer_signing_profile');
      expect(profile).toMatchObject({ platform_id: LAMBDA_SIGNING_PLATFORM, signature_validity_period: { type: 'MONTHS', value: 135 } });
      expect(profile.name).toMatch(/^[A-Za-z0-9_]{2,64}$/);
      const [configId, config] = only(stack, 'aws_lambda_code_signing_config');
      expect(config.allowed_publishers.signing_profile_version_arns).toEqual([`\${aws_signer_signing_profile.${profileId}.version_arn}`]);
      expect(config.policies.untrusted_artifact_on_deployment).toBe('Enforce');

      const functions = resourcesOf(stack, 'aws_lambda_function');
      const jobs = new Map(resourcesOf(stack, 'aws_signer_signing_job'));
      const uploads = new Map(resourcesOf(stack, 'aws_s3_object').filter(([, o]) => String(o.key).startsWith(UNSIGNED_PREFIX)));
      expect(functions.length).toBeGreaterThanOrEqual(4);
      expect(jobs.size).toBe(functions.length);
      for (const [, fn] of functions) {
        expect(fn.filename).toBeUndefined();
        expect(fn.code_signing_config_arn).toBe(`\${aws_lambda_code_signing_config.${configId}.arn}`);
        const job = /^\$\{aws_signer_signing_job\.([^.]+)\.signed_object\[0\]\.s3\[0\]\.key\}$/.exec(fn.s3_key);
        expect(job).not.toBeNull();
        expect(fn.s3_bucket).toBe(`\${aws_signer_signing_job.${job![1]}.signed_object[0].s3[0].bucket}`);
        const signing = jobs.get(job![1]!)!;
        expect(signing.profile_name).toBe(`\${aws_signer_signing_profile.${profileId}.name}`);
        expect(signing.ignore_signing_job_failure).toBe(false);
        expect(signing.destination.s3.prefix).toMatch(new RegExp(`^${SIGNED_PREFIX}[a-z-]+/$`));
        // The job signs the exact object version uploaded from this function's bundle.
        const upload = /^\$\{aws_s3_object\.([^.]+)\.version_id\}$/.exec(signing.source.s3.version);
        expect(upload).not.toBeNull();
        const object = uploads.get(upload![1]!)!;
        expect(signing.source.s3.key).toBe(`\${aws_s3_object.${upload![1]}.key}`);
        expect(object.key).toMatch(new RegExp(`^${UNSIGNED_PREFIX}[a-z-]+/[0-9a-f]{64}\\.zip$`));
        expect(object.source_hash).toBe(fn.source_code_hash);
        expect(Buffer.from(fn.source_code_hash, 'base64').toString('hex')).toBe(object.key.split('/')[2].replace('.zip', ''));
      }
    });

    it('keeps the artifacts in a versioned, private bucket that logs access', () => {
      const stack = stacks.primary;
      const [bucketId] = resourcesOf(stack, 'aws_s3_bucket').find(([, b]) => String(b.bucket).includes('-lambda-code-'))!;
      const ref = `\${aws_s3_bucket.${bucketId}.id}`;
      const versioning = resourcesOf(stack, 'aws_s3_bucket_versioning').find(([, v]) => v.bucket === ref)![1];
      expect(versioning.versioning_configuration.status).toBe('Enabled');
      expect(resourcesOf(stack, 'aws_s3_bucket_public_access_block').find(([, b]) => b.bucket === ref)![1]).toMatchObject({
        block_public_acls: true,
        restrict_public_buckets: true,
      });
      expect(resourcesOf(stack, 'aws_s3_bucket_logging').some(([, l]) => l.bucket === ref)).toBe(true);
      for (const [, upload] of resourcesOf(stack, 'aws_s3_object').filter(([, o]) => String(o.key).startsWith(UNSIGNED_PREFIX))) {
        expect(upload.depends_on).toEqual([expect.stringMatching(/^aws_s3_bucket_versioning\./)]);
      }
    });
  });
});
