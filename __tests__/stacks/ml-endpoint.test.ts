/** Synthesized-JSON assertions for the SageMaker endpoint of both regional stacks. */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { LAKE_PREFIXES } from '../../functions/shared/lake-layout';
import { boundedName, MODEL_DIR, modelArtifactKey } from '../../stacks/constructs/ml-endpoint';
import { resourcesOf, ROLES, synthPlatform, type TerraformJson } from '../helpers/synth';

const only = (stack: TerraformJson, type: string) => {
  const all = resourcesOf(stack, type);
  expect(all).toHaveLength(1);
  return all[0]!;
};
const ref = (type: string, id: string, attr: string) => `\${${type}.${id}.${attr}}`;
const idOf = (stack: TerraformJson, type: string, predicate: (c: Record<string, any>) => boolean) => resourcesOf(stack, type).find(([, c]) => predicate(c))![0];
const policyOf = (c: Record<string, any>) =>
  JSON.parse(c.policy) as { Statement: { Sid?: string; Action: string | string[]; Resource: string | string[]; Condition?: unknown }[] };

describe.each(ROLES)('%s stack: SageMaker endpoint', (role) => {
  const { config, stacks } = synthPlatform();
  const stack = stacks[role];
  const [keyId] = only(stack, 'aws_kms_key');
  const keyArn = ref('aws_kms_key', keyId, 'arn');
  const lakeId = idOf(stack, 'aws_s3_bucket', (c) => String(c.bucket).includes('-lake-'));
  const [, endpointConfig] = only(stack, 'aws_sagemaker_endpoint_configuration');
  const [, endpoint] = only(stack, 'aws_sagemaker_endpoint');
  const models = Object.fromEntries(resourcesOf(stack, 'aws_sagemaker_model'));

  it('has two production variants, champion and challenger, with the configured weights and their own model versions', () => {
    const variants = endpointConfig.production_variants as Record<string, any>[];
    expect(variants.map((v) => [v.variant_name, v.initial_variant_weight, v.instance_type])).toEqual(
      config.sagemaker.variants.map((v) => [v.name, v.initialWeight, v.instanceType]),
    );
    expect(variants.map((v) => v.variant_name)).toEqual(['champion', 'challenger']);
    const modelIds = variants.map((v) => /^\$\{aws_sagemaker_model\.([^.]+)\.name\}$/.exec(v.model_name)![1]!);
    expect(new Set(modelIds).size).toBe(2);
    const urls = modelIds.map((id) => models[id]!.primary_container.model_data_url);
    expect(urls).toEqual(config.sagemaker.variants.map((v) => `s3://${ref('aws_s3_bucket', lakeId, 'bucket')}/model-artifacts/${v.modelVersion}/model.tar.gz`));
    expect(config.sagemaker.variants.map((v) => v.modelVersion)).toEqual(['v1', 'v2']);
  });

  it('serves the built-in XGBoost image resolved per region, with network isolation in the private subnets', () => {
    const images = Object.entries(stack.data?.aws_sagemaker_prebuilt_ecr_image ?? {});
    expect(images).toHaveLength(1);
    const [imageId, image] = images[0]!;
    expect(image).toMatchObject({ repository_name: 'sagemaker-xgboost', image_tag: config.sagemaker.xgboostImageTag });
    const privateSubnets = resourcesOf(stack, 'aws_subnet')
      .filter(([, s]) => s.tags?.Tier === 'private')
      .map(([id]) => ref('aws_subnet', id, 'id'));
    expect(privateSubnets.length).toBeGreaterThanOrEqual(2);
    for (const model of Object.values(models)) {
      expect(model.enable_network_isolation).toBe(true);
      expect(model.primary_container.image).toBe(`\${data.aws_sagemaker_prebuilt_ecr_image.${imageId}.registry_path}`);
      expect([...model.vpc_config.subnets].sort()).toEqual([...privateSubnets].sort());
      expect(model.vpc_config.security_group_ids).toHaveLength(1);
      expect(model.lifecycle).toEqual({ create_before_destroy: true });
    }
  });

  it('uploads each shipped archive to the lake model-artifacts prefix with KMS and a stable content hash', () => {
    const uploads = resourcesOf(stack, 'aws_s3_object').filter(([, o]) => String(o.key).startsWith(LAKE_PREFIXES.modelArtifacts));
    expect(uploads.map(([, o]) => o.key).sort()).toEqual(['v1', 'v2'].map(modelArtifactKey));
    for (const [, o] of uploads) {
      const version = String(o.key).split('/')[1]!;
      const bytes = fs.readFileSync(path.join(MODEL_DIR, version, 'model.tar.gz'));
      expect(o).toMatchObject({ bucket: ref('aws_s3_bucket', lakeId, 'bucket'), server_side_encryption: 'aws:kms', kms_key_id: keyArn });
      expect(o.source_hash).toBe(createHash('md5').update(bytes).digest('hex'));
      expect(o.source).toMatch(/^assets\/.+\/model\.tar\.gz$/);
    }
  });

  it('encrypts the storage volume and captures inputs and outputs to the data-capture prefix', () => {
    expect(endpointConfig.kms_key_arn).toBe(keyArn);
    const capture = endpointConfig.data_capture_config;
    expect(capture).toMatchObject({ enable_capture: true, initial_sampling_percentage: config.sagemaker.dataCaptureSamplingPercent, kms_key_id: keyArn });
    expect(capture.capture_options.map((o: { capture_mode: string }) => o.capture_mode).sort()).toEqual(['Input', 'Output']);
    // SageMaker writes to <destination>/<endpoint>/<variant>/..., inside the role's data-capture/<endpoint>/* grant.
    expect(capture.destination_s3_uri).toBe(`s3://${ref('aws_s3_bucket', lakeId, 'bucket')}/data-capture`);
  });

  it('replaces endpoint configurations (immutable) with name_prefix and create_before_destroy', () => {
    expect(endpointConfig.name).toBeUndefined();
    expect(endpointConfig.name_prefix.length).toBeLessThanOrEqual(37);
    expect(endpointConfig.lifecycle).toEqual({ create_before_destroy: true });
  });

  it('deploys blue/green with a canary step and rolls back on its own 5XX and model-latency alarms', () => {
    const policy = endpoint.deployment_config.blue_green_update_policy;
    expect(policy.traffic_routing_configuration).toMatchObject({
      type: 'CANARY',
      canary_size: { type: 'CAPACITY_PERCENT', value: config.sagemaker.canaryPercent },
    });
    const rollbackNames = endpoint.deployment_config.auto_rollback_configuration.alarms.map((a: { alarm_name: string }) => a.alarm_name);
    // Referenced, so Terraform creates the alarms before the endpoint that lists them.
    const alarms = resourcesOf(stack, 'aws_cloudwatch_metric_alarm')
      .filter(([id]) => rollbackNames.includes(ref('aws_cloudwatch_metric_alarm', id, 'alarm_name')))
      .map(([, a]) => a);
    expect(alarms).toHaveLength(4);
    for (const variant of ['champion', 'challenger']) {
      const mine = alarms.filter((a) => a.dimensions.VariantName === variant);
      expect(mine.every((a) => a.dimensions.EndpointName === endpoint.name && a.namespace === 'AWS/SageMaker')).toBe(true);
      expect(mine.find((a) => a.metric_name === 'Invocation5XXErrors')!.threshold).toBe(config.observability.alarms.sagemaker5xx);
      expect(mine.find((a) => a.metric_name === 'ModelLatency')!.threshold).toBe(config.observability.alarms.sagemakerModelLatencyMicros);
    }
  });

  it('registers an autoscaling target per variant, tracking invocations per instance', () => {
    const targets = resourcesOf(stack, 'aws_appautoscaling_target').map(([, t]) => t);
    const endpointId = only(stack, 'aws_sagemaker_endpoint')[0];
    expect(targets.map((t) => t.resource_id).sort()).toEqual(
      ['challenger', 'champion'].map((v) => `endpoint/${ref('aws_sagemaker_endpoint', endpointId, 'name')}/variant/${v}`),
    );
    for (const t of targets) {
      expect(t).toMatchObject({
        service_namespace: 'sagemaker',
        scalable_dimension: 'sagemaker:variant:DesiredInstanceCount',
        max_capacity: config.sagemaker.autoscalingMaxInstances,
      });
    }
    const policies = resourcesOf(stack, 'aws_appautoscaling_policy').map(([, p]) => p);
    expect(policies).toHaveLength(2);
    for (const p of policies) {
      expect(p.policy_type).toBe('TargetTrackingScaling');
      expect(p.target_tracking_scaling_policy_configuration).toMatchObject({
        predefined_metric_specification: { predefined_metric_type: 'SageMakerVariantInvocationsPerInstance' },
        target_value: config.sagemaker.targetInvocationsPerInstance,
      });
    }
  });

  it('scopes the execution role to the artifact keys, the data-capture prefix and the platform key', () => {
    const [, policy] = resourcesOf(stack, 'aws_iam_role_policy').find(([, p]) => p.name === 'model-artifacts-data-capture-logs-vpc')!;
    const statements = policyOf(policy).Statement;
    const lakeArn = ref('aws_s3_bucket', lakeId, 'arn');
    expect(statements.find((s) => s.Sid === 'ReadModelArtifacts')).toMatchObject({
      Action: 's3:GetObject',
      Resource: ['v1', 'v2'].map((v) => `${lakeArn}/${modelArtifactKey(v)}`),
    });
    expect(statements.find((s) => s.Sid === 'WriteDataCapture')).toMatchObject({
      Action: 's3:PutObject',
      Resource: `${lakeArn}/${LAKE_PREFIXES.dataCapture}${endpoint.name}/*`,
    });
    expect(statements.find((s) => s.Sid === 'UsePlatformKey')!.Resource).toBe(keyArn);
    for (const s of statements) {
      for (const action of [s.Action].flat()) expect(action).not.toMatch(/^(\*|[a-z0-9-]+:\*)$/);
      if ([s.Resource].flat().includes('*')) expect([s.Action].flat().every((a) => a.startsWith('ec2:'))).toBe(true);
    }
  });
});

describe('capacity by region and DR mode', () => {
  const twoInstances = {
    sagemaker: {
      variants: [
        { name: 'champion', modelVersion: 'v1', instanceType: 'ml.c5.xlarge', initialInstanceCount: 2, initialWeight: 80 },
        { name: 'challenger', modelVersion: 'v2', instanceType: 'ml.m5.large', initialInstanceCount: 2, initialWeight: 20 },
      ],
      autoscalingMinInstances: 2,
    },
  };
  const counts = (stack: TerraformJson) =>
    only(stack, 'aws_sagemaker_endpoint_configuration')[1].production_variants.map((v: { initial_instance_count: number }) => v.initial_instance_count);
  const minima = (stack: TerraformJson) => resourcesOf(stack, 'aws_appautoscaling_target').map(([, t]) => t.min_capacity);

  it('pilot-light: the DR endpoint runs one instance per variant and can scale to the primary ceiling', () => {
    const { stacks } = synthPlatform({ ...twoInstances, drMode: 'pilot-light' });
    expect(counts(stacks.primary)).toEqual([2, 2]);
    expect(minima(stacks.primary)).toEqual([2, 2]);
    expect(counts(stacks.dr)).toEqual([1, 1]);
    expect(minima(stacks.dr)).toEqual([1, 1]);
    expect(resourcesOf(stacks.dr, 'aws_appautoscaling_target').map(([, t]) => t.max_capacity)).toEqual([4, 4]);
  });

  it('warm-standby: the DR endpoint runs the configured capacity', () => {
    const { stacks } = synthPlatform({ ...twoInstances, drMode: 'warm-standby' });
    expect(counts(stacks.dr)).toEqual([2, 2]);
    expect(minima(stacks.dr)).toEqual([2, 2]);
  });
});

describe('configuration', () => {
  it('any number of variants: one model, one autoscaling target and two rollback alarms each', () => {
    const variants = ['a', 'b', 'c'].map((name, i) => ({
      name,
      modelVersion: i === 2 ? 'v2' : 'v1',
      instanceType: 'ml.m5.large',
      initialInstanceCount: 1,
      initialWeight: i + 1,
    }));
    const { stacks } = synthPlatform({ sagemaker: { variants } });
    const stack = stacks.primary;
    expect(resourcesOf(stack, 'aws_sagemaker_model')).toHaveLength(3);
    expect(resourcesOf(stack, 'aws_appautoscaling_target')).toHaveLength(3);
    expect(only(stack, 'aws_sagemaker_endpoint')[1].deployment_config.auto_rollback_configuration.alarms).toHaveLength(6);
    expect(
      only(stack, 'aws_sagemaker_endpoint_configuration')[1].production_variants.map((v: { initial_variant_weight: number }) => v.initial_variant_weight),
    ).toEqual([1, 2, 3]);
  });

  it('a sampling percentage of 0 turns data capture off', () => {
    const { stacks } = synthPlatform({ sagemaker: { dataCaptureSamplingPercent: 0 } });
    expect(only(stacks.primary, 'aws_sagemaker_endpoint_configuration')[1].data_capture_config.enable_capture).toBe(false);
  });

  it('a model version without a shipped archive fails synth naming the version and the shipped ones', () => {
    const variants = [{ name: 'champion', modelVersion: 'v9', instanceType: 'ml.m5.large', initialInstanceCount: 1, initialWeight: 1 }];
    expect(() => synthPlatform({ sagemaker: { variants } })).toThrow(/model version "v9" has no archive .*shipped versions: v1, v2/);
  });

  it('boundedName keeps names within SageMaker limits, stable and distinct', () => {
    expect(boundedName('short', 63)).toBe('short');
    const a = boundedName(`${'x'.repeat(70)}-a`, 63);
    const b = boundedName(`${'x'.repeat(70)}-b`, 63);
    expect(a.length).toBeLessThanOrEqual(63);
    expect(a).not.toBe(b);
    expect(boundedName(`${'x'.repeat(70)}-a`, 63)).toBe(a);
    expect(boundedName(`${'y'.repeat(50)}-`, 37)).toMatch(/^y+-[0-9a-f]{6}-$/);
  });
});
