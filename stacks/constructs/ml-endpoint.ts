import { AppautoscalingPolicy } from '@cdktf/provider-aws/lib/appautoscaling-policy';
import { AppautoscalingTarget } from '@cdktf/provider-aws/lib/appautoscaling-target';
import { CloudwatchMetricAlarm } from '@cdktf/provider-aws/lib/cloudwatch-metric-alarm';
import { DataAwsSagemakerPrebuiltEcrImage } from '@cdktf/provider-aws/lib/data-aws-sagemaker-prebuilt-ecr-image';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy';
import { S3Object } from '@cdktf/provider-aws/lib/s3-object';
import { SagemakerEndpoint } from '@cdktf/provider-aws/lib/sagemaker-endpoint';
import { SagemakerEndpointConfiguration } from '@cdktf/provider-aws/lib/sagemaker-endpoint-configuration';
import { SagemakerModel } from '@cdktf/provider-aws/lib/sagemaker-model';
import type { SecurityGroup } from '@cdktf/provider-aws/lib/security-group';
import { AssetType, TerraformAsset } from 'cdktf';
import { Construct } from 'constructs';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { LAKE_PREFIXES } from '../../functions/shared/lake-layout';
import type { SageMakerVariantConfig } from '../config/types';
import { kmsUseStatement, policyDocument, type PolicyStatement, serviceTrustPolicy } from '../iam';
import type { PlatformContext } from '../platform-context';
import type { AlertTopic } from './alerting';
import type { DataLake } from './data-lake';
import type { PlatformKey } from './encryption';
import { EncryptedLogGroup } from './log-group';
import type { Network } from './network';

/** Where the trained archives live: ml/model/<version>/model.tar.gz (ml/train.sh writes them). */
export const MODEL_DIR = modelDirectory();

function modelDirectory(): string {
  // Two levels up is the repository when running from sources, and dist/ when running compiled.
  const root = path.resolve(__dirname, '..', '..');
  return path.join(path.basename(root) === 'dist' ? path.dirname(root) : root, 'ml', 'model');
}

/** The built-in algorithm image the endpoint serves (no container is built here). */
export const XGBOOST_REPOSITORY = 'sagemaker-xgboost';

/** A model archive shipped in the repository. */
export interface ModelArtifact {
  readonly version: string;
  readonly archivePath: string;
  readonly sha256: string;
  readonly md5: string;
}

/** Reads one shipped archive, failing with the command that produces it. */
export function modelArtifact(version: string, modelDir: string = MODEL_DIR): ModelArtifact {
  const archivePath = path.join(modelDir, version, 'model.tar.gz');
  if (!fs.existsSync(archivePath)) {
    const shipped = fs.existsSync(modelDir) ? fs.readdirSync(modelDir).filter((d) => fs.existsSync(path.join(modelDir, d, 'model.tar.gz'))) : [];
    throw new Error(
      `sagemaker.variants: model version "${version}" has no archive at ${archivePath}; shipped versions: ${shipped.join(', ') || 'none'} (train one with ml/train.sh)`,
    );
  }
  const bytes = fs.readFileSync(archivePath);
  return {
    version,
    archivePath,
    sha256: createHash('sha256').update(bytes).digest('hex'),
    md5: createHash('md5').update(bytes).digest('hex'),
  };
}

/** `name` if it fits in `max` characters, else a prefix of it plus a short hash of the whole (still unique and stable). */
export function boundedName(name: string, max: number): string {
  if (name.length <= max) return name;
  const suffix = name.endsWith('-') ? '-' : '';
  const hash = createHash('sha256').update(name).digest('hex').slice(0, 6);
  return `${name.slice(0, max - hash.length - 1 - suffix.length).replace(/-+$/, '')}-${hash}${suffix}`;
}

/** S3 key of a model version's archive in the lake. */
export function modelArtifactKey(version: string): string {
  return `${LAKE_PREFIXES.modelArtifacts}${version}/model.tar.gz`;
}

/** Instances and autoscaling bounds of one variant in this region. */
export interface VariantCapacity {
  readonly initialInstanceCount: number;
  readonly minInstances: number;
  readonly maxInstances: number;
}

/**
 * A pilot-light DR region keeps the endpoint warm at the minimum (one instance per variant, the
 * floor SageMaker allows for a real-time endpoint) and lets autoscaling grow it to the primary's
 * ceiling once traffic fails over. Warm standby and the primary run the configured capacity.
 */
export function variantCapacity(context: PlatformContext, variant: SageMakerVariantConfig): VariantCapacity {
  const { sagemaker, drMode } = context.config;
  if (context.role === 'dr' && drMode === 'pilot-light') {
    return { initialInstanceCount: 1, minInstances: 1, maxInstances: sagemaker.autoscalingMaxInstances };
  }
  const minInstances = sagemaker.autoscalingMinInstances;
  const maxInstances = sagemaker.autoscalingMaxInstances;
  return { initialInstanceCount: Math.min(Math.max(variant.initialInstanceCount, minInstances), maxInstances), minInstances, maxInstances };
}

/**
 * The capacity a failover scales the DR endpoint to: per variant the DR endpoint has, the
 * primary's instance count. The same in both stacks (it is derived from the configuration alone),
 * so a failover tool can read it from either stack's outputs and pass it to
 * `update-endpoint-weights-and-capacities`; the DR autoscaling ceiling (autoscalingMaxInstances)
 * is at least this, so autoscaling does not undo it.
 */
export function failoverCapacity(context: PlatformContext): Record<string, number> {
  const primary: PlatformContext = { ...context, role: 'primary' };
  return Object.fromEntries(context.config.sagemaker.variants.map((v) => [v.name, variantCapacity(primary, v).initialInstanceCount]));
}

export interface MlEndpointProps {
  readonly context: PlatformContext;
  readonly platformKey: PlatformKey;
  readonly network: Network;
  /** The lake: model archives are uploaded to its model-artifacts/ prefix, data capture goes to data-capture/. */
  readonly dataLake: DataLake;
  /** Receives the rollback guards' ALARM and OK notifications. */
  readonly alertTopic: AlertTopic;
  /** Directory holding <version>/model.tar.gz. @default ml/model of the repository */
  readonly modelDirectory?: string;
  /** Seconds each traffic-shifting step bakes before the next one (and before the blue fleet goes). @default 600 */
  readonly bakeSeconds?: number;
}

/** One production variant as deployed. */
export interface DeployedVariant {
  readonly name: string;
  readonly modelVersion: string;
  readonly model: SagemakerModel;
  readonly capacity: VariantCapacity;
  readonly scalingTarget: AppautoscalingTarget;
}

/**
 * The real-time SageMaker endpoint: the shipped XGBoost archives uploaded to the lake (KMS), one
 * model per production variant (A/B: champion and challenger, each its own version) in the
 * private subnets with network isolation, an endpoint configuration with a KMS-encrypted storage
 * volume and input/output data capture, an endpoint that deploys blue/green with a canary step
 * and rolls back on its own 5XX / latency alarms, and target-tracking autoscaling per variant.
 */
export class MlEndpoint extends Construct {
  readonly endpoint: SagemakerEndpoint;
  readonly endpointConfiguration: SagemakerEndpointConfiguration;
  readonly endpointName: string;
  readonly executionRole: IamRole;
  readonly securityGroup: SecurityGroup;
  readonly variants: readonly DeployedVariant[];
  readonly rollbackAlarms: readonly CloudwatchMetricAlarm[];
  readonly artifacts: ReadonlyMap<string, S3Object>;
  readonly dataCaptureUri: string;

  constructor(scope: Construct, id: string, props: MlEndpointProps) {
    super(scope, id);
    const { context, platformKey, network, dataLake } = props;
    const { config, naming, region, accountId } = context;
    const sm = config.sagemaker;
    const lake = dataLake.lake;
    this.endpointName = boundedName(naming.regional('inference', region), 63);
    const bakeSeconds = props.bakeSeconds ?? 600;

    const image = new DataAwsSagemakerPrebuiltEcrImage(this, 'xgboost-image', { repositoryName: XGBOOST_REPOSITORY, imageTag: sm.xgboostImageTag });

    // One upload per model version in use; the key carries the version, the hash triggers re-upload.
    const versions = [...new Set(sm.variants.map((v) => v.modelVersion))].sort();
    const artifacts = new Map(versions.map((v) => [v, modelArtifact(v, props.modelDirectory)] as const));
    const uploads = new Map<string, S3Object>();
    for (const [version, artifact] of artifacts) {
      const asset = new TerraformAsset(this, `model-${version}-asset`, { path: artifact.archivePath, type: AssetType.FILE });
      uploads.set(
        version,
        new S3Object(this, `model-${version}-artifact`, {
          bucket: lake.name,
          key: modelArtifactKey(version),
          source: asset.path,
          // SSE-KMS objects have no MD5 etag, so changes are detected from the file's own hash.
          sourceHash: artifact.md5,
          serverSideEncryption: 'aws:kms',
          kmsKeyId: platformKey.arn,
          bucketKeyEnabled: true,
          contentType: 'application/gzip',
          tags: { ModelVersion: version, Sha256: artifact.sha256 },
        }),
      );
    }
    this.artifacts = uploads;

    const logGroup = new EncryptedLogGroup(this, 'endpoint-logs', { context, platformKey, name: `/aws/sagemaker/Endpoints/${this.endpointName}` });
    // SageMaker appends <endpoint>/<variant>/yyyy/mm/dd/hh/ to the destination itself.
    this.dataCaptureUri = `s3://${lake.name}/${LAKE_PREFIXES.dataCapture.replace(/\/$/, '')}`;

    this.executionRole = new IamRole(this, 'execution-role', {
      name: naming.regional('sagemaker-model', region),
      assumeRolePolicy: serviceTrustPolicy('sagemaker.amazonaws.com', accountId),
    });
    const rolePolicy = new IamRolePolicy(this, 'execution-policy', {
      role: this.executionRole.id,
      name: 'model-artifacts-data-capture-logs-vpc',
      policy: policyDocument([
        lake.grantRead('ReadModelArtifacts', versions.map(modelArtifactKey)),
        lake.grantWrite('WriteDataCapture', `${LAKE_PREFIXES.dataCapture}${this.endpointName}/*`),
        kmsUseStatement(platformKey.arn),
        {
          Sid: 'ContainerLogs',
          Effect: 'Allow',
          Action: ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents', 'logs:DescribeLogStreams'],
          Resource: [logGroup.arn, `${logGroup.arn}:*`],
        },
        // ENIs in the private subnets; EC2 describe calls cannot be scoped to resources.
        {
          Sid: 'DescribeNetwork',
          Effect: 'Allow',
          Action: ['ec2:DescribeNetworkInterfaces', 'ec2:DescribeVpcs', 'ec2:DescribeDhcpOptions', 'ec2:DescribeSubnets', 'ec2:DescribeSecurityGroups'],
          Resource: '*',
        },
        {
          Sid: 'ManageEnisInPlatformVpc',
          Effect: 'Allow',
          Action: ['ec2:CreateNetworkInterface', 'ec2:CreateNetworkInterfacePermission', 'ec2:DeleteNetworkInterface', 'ec2:DeleteNetworkInterfacePermission'],
          Resource: '*',
          Condition: { ArnEquals: { 'ec2:Vpc': network.vpc.arn } },
        },
      ]),
    });

    this.securityGroup = network.createSecurityGroup('sg-ml-endpoint', 'ml-endpoint', 'SageMaker endpoint ENIs: no inbound, HTTPS out to S3 and AWS APIs');
    network.allowHttpsEgress('ml-endpoint-https-egress', this.securityGroup);

    const models = sm.variants.map((variant) => {
      const artifact = artifacts.get(variant.modelVersion)!;
      const modelName = boundedName(naming.regional(`${variant.name}-${variant.modelVersion}-${artifact.sha256.slice(0, 8)}`, region), 63);
      return new SagemakerModel(this, `model-${variant.name}`, {
        name: modelName,
        executionRoleArn: this.executionRole.arn,
        enableNetworkIsolation: true,
        primaryContainer: {
          image: image.registryPath,
          modelDataUrl: `s3://${lake.name}/${modelArtifactKey(variant.modelVersion)}`,
          environment: { MODEL_VERSION: variant.modelVersion, MODEL_ARTIFACT_SHA256: artifact.sha256 },
        },
        vpcConfig: { subnets: network.privateSubnets.map((s) => s.id), securityGroupIds: [this.securityGroup.id] },
        tags: { Variant: variant.name, ModelVersion: variant.modelVersion },
        // The name carries the archive hash, so a retrained archive is a new model created before the old one goes.
        lifecycle: { createBeforeDestroy: true },
        dependsOn: [uploads.get(variant.modelVersion)!, rolePolicy],
      });
    });

    this.endpointConfiguration = new SagemakerEndpointConfiguration(this, 'endpoint-config', {
      // Endpoint configurations are immutable: every change is a new one, created before the old is deleted.
      namePrefix: boundedName(`${naming.regional('ep', region)}-`, 37),
      kmsKeyArn: platformKey.arn,
      productionVariants: sm.variants.map((variant, i) => {
        const capacity = variantCapacity(context, variant);
        return {
          variantName: variant.name,
          modelName: models[i]!.name,
          instanceType: variant.instanceType,
          initialInstanceCount: capacity.initialInstanceCount,
          initialVariantWeight: variant.initialWeight,
        };
      }),
      dataCaptureConfig: {
        enableCapture: sm.dataCaptureSamplingPercent > 0,
        initialSamplingPercentage: sm.dataCaptureSamplingPercent,
        destinationS3Uri: this.dataCaptureUri,
        kmsKeyId: platformKey.arn,
        captureOptions: [{ captureMode: 'Input' }, { captureMode: 'Output' }],
        captureContentTypeHeader: { csvContentTypes: ['text/csv'] },
      },
      lifecycle: { createBeforeDestroy: true },
    });

    // Rollback guards, one pair per variant, on 1-minute periods (faster than the paging alarms, so
    // they fire within a canary's bake time). They read metrics by endpoint *name* (a plain
    // string), so the endpoint can list them without a dependency cycle; they page like the others.
    const alertActions = { alarmActions: [props.alertTopic.arn], okActions: [props.alertTopic.arn] };
    const alarms = config.observability.alarms;
    this.rollbackAlarms = sm.variants.flatMap((variant) => {
      const dimensions = { EndpointName: this.endpointName, VariantName: variant.name };
      return [
        new CloudwatchMetricAlarm(this, `rollback-${variant.name}-5xx`, {
          alarmName: naming.regional(`inference-${variant.name}-5xx-rollback`, region),
          alarmDescription: `Deployment guardrail: rolls back a blue/green update of ${this.endpointName} when variant ${variant.name} returns ${alarms.sagemaker5xx}+ 5XX errors a minute. Missing data: notBreaching (no traffic, no errors). Runbook: docs/operations.md#sagemaker-5xx`,
          namespace: 'AWS/SageMaker',
          metricName: 'Invocation5XXErrors',
          dimensions,
          statistic: 'Sum',
          period: 60,
          evaluationPeriods: 2,
          datapointsToAlarm: 1,
          threshold: alarms.sagemaker5xx,
          comparisonOperator: 'GreaterThanOrEqualToThreshold',
          treatMissingData: 'notBreaching',
          ...alertActions,
        }),
        new CloudwatchMetricAlarm(this, `rollback-${variant.name}-latency`, {
          alarmName: naming.regional(`inference-${variant.name}-latency-rollback`, region),
          alarmDescription: `Deployment guardrail: rolls back a blue/green update of ${this.endpointName} when variant ${variant.name}'s p99 model latency exceeds ${alarms.sagemakerModelLatencyMicros} µs for 2 minutes. Missing data: notBreaching (no traffic). Runbook: docs/operations.md#sagemaker-model-latency`,
          namespace: 'AWS/SageMaker',
          metricName: 'ModelLatency',
          dimensions,
          extendedStatistic: 'p99',
          period: 60,
          evaluationPeriods: 2,
          datapointsToAlarm: 2,
          threshold: alarms.sagemakerModelLatencyMicros,
          comparisonOperator: 'GreaterThanThreshold',
          treatMissingData: 'notBreaching',
          ...alertActions,
        }),
      ];
    });

    this.endpoint = new SagemakerEndpoint(this, 'endpoint', {
      name: this.endpointName,
      endpointConfigName: this.endpointConfiguration.name,
      deploymentConfig: {
        blueGreenUpdatePolicy: {
          trafficRoutingConfiguration: {
            type: 'CANARY',
            canarySize: { type: 'CAPACITY_PERCENT', value: sm.canaryPercent },
            waitIntervalInSeconds: bakeSeconds,
          },
          terminationWaitInSeconds: bakeSeconds,
          maximumExecutionTimeoutInSeconds: Math.min(14_400, Math.max(600, 4 * bakeSeconds + 1_800)),
        },
        autoRollbackConfiguration: { alarms: this.rollbackAlarms.map((a) => ({ alarmName: a.alarmName })) },
      },
      dependsOn: [logGroup.logGroup],
    });

    this.variants = sm.variants.map((variant, i) => {
      const capacity = variantCapacity(context, variant);
      const scalingTarget = new AppautoscalingTarget(this, `scaling-target-${variant.name}`, {
        serviceNamespace: 'sagemaker',
        resourceId: `endpoint/${this.endpoint.name}/variant/${variant.name}`,
        scalableDimension: 'sagemaker:variant:DesiredInstanceCount',
        minCapacity: capacity.minInstances,
        maxCapacity: capacity.maxInstances,
      });
      new AppautoscalingPolicy(this, `scaling-policy-${variant.name}`, {
        name: naming.regional(`inference-${variant.name}-invocations`, region),
        policyType: 'TargetTrackingScaling',
        serviceNamespace: scalingTarget.serviceNamespace,
        resourceId: scalingTarget.resourceId,
        scalableDimension: scalingTarget.scalableDimension,
        targetTrackingScalingPolicyConfiguration: {
          predefinedMetricSpecification: { predefinedMetricType: 'SageMakerVariantInvocationsPerInstance' },
          targetValue: sm.targetInvocationsPerInstance,
          // Out quickly, in slowly: a new instance needs minutes to load, an idle one costs little.
          scaleOutCooldown: 60,
          scaleInCooldown: 300,
        },
      });
      return { name: variant.name, modelVersion: variant.modelVersion, model: models[i]!, capacity, scalingTarget };
    });
  }

  /** Variant name -> model version, as the inference function reports it. */
  get variantModelVersions(): Record<string, string> {
    return Object.fromEntries(this.variants.map((v) => [v.name, v.modelVersion]));
  }

  /** What a client of the endpoint needs: InvokeEndpoint on this endpoint (every variant). */
  grantInvoke(sid: string): PolicyStatement {
    return { Sid: sid, Effect: 'Allow', Action: 'sagemaker:InvokeEndpoint', Resource: this.endpoint.arn };
  }

  /** What a readiness check needs: DescribeEndpoint (its status) on this endpoint. */
  grantDescribe(sid: string): PolicyStatement {
    return { Sid: sid, Effect: 'Allow', Action: 'sagemaker:DescribeEndpoint', Resource: this.endpoint.arn };
  }
}
