import { DataAwsCallerIdentity } from '@cdktf/provider-aws/lib/data-aws-caller-identity';
import { LocalBackend, S3Backend, TerraformOutput, TerraformStack } from 'cdktf';
import type { Construct } from 'constructs';
import * as path from 'path';
import type { PlatformConfig } from './config/types';
import { PlatformNaming, type StackRole } from './naming';
import type { PlatformContext } from './platform-context';
import { createAwsProvider } from './provider';
import { failoverCapacity } from './constructs/ml-endpoint';
import { RegionalPlatform } from './regional-platform';

/**
 * Oldest Terraform the stacks run on: the S3 backend's native state locking (`use_lockfile`)
 * arrived in 1.10.
 */
export const REQUIRED_TERRAFORM_VERSION = '>= 1.10';

/**
 * Local state of a stack when no TF_STATE_BUCKET is set, relative to the stack's directory
 * (`<outdir>/stacks/<stack>`, where Terraform runs): `state/<stack>.tfstate` beside the output
 * directory, so at the project root for the default `cdktf.out`. Outside the output directory,
 * because `cdktf synth` deletes stack folders it no longer synthesizes (another environment's)
 * and `rm -rf cdktf.out` is a routine clean-up; neither may take a state file with it.
 */
export function localStatePath(stackName: string): string {
  return path.posix.join('..', '..', '..', 'state', `${stackName}.tfstate`);
}

export interface RegionalStackProps {
  readonly config: PlatformConfig;
  readonly role: StackRole;
}

/** One Terraform stack per region: provider, state backend, the regional platform and its outputs. */
export class RegionalStack extends TerraformStack {
  readonly platform: RegionalPlatform;
  readonly context: PlatformContext;

  constructor(scope: Construct, props: RegionalStackProps) {
    const naming = new PlatformNaming(props.config);
    const stackName = naming.stackName(props.role);
    super(scope, stackName);
    const { config, role } = props;
    const region = naming.regionOf(role);
    const peerRegion = naming.regionOf(role === 'primary' ? 'dr' : 'primary');

    createAwsProvider(this, 'aws', config, role, region);
    const peerProvider = createAwsProvider(this, 'aws-peer', config, role, peerRegion, 'peer');

    if (config.remoteState.bucket) {
      new S3Backend(this, {
        bucket: config.remoteState.bucket,
        key: `${naming.prefix}/${stackName}.tfstate`,
        region: config.remoteState.region,
        encrypt: true,
      });
      // S3-native state locking (Terraform >= 1.10) instead of a DynamoDB lock table.
      this.addOverride('terraform.backend.s3.use_lockfile', true);
    } else {
      new LocalBackend(this, { path: localStatePath(stackName) });
    }
    this.addOverride('terraform.required_version', REQUIRED_TERRAFORM_VERSION);

    const identity = new DataAwsCallerIdentity(this, 'current');
    this.context = { config, naming, role, region, peerRegion, accountId: identity.accountId };
    this.platform = new RegionalPlatform(this, 'platform', { context: this.context, peerProvider });
    this.addOutputs();
  }

  private addOutputs(): void {
    const { platform } = this;
    const outputs: Record<string, { value: string; description: string }> = {
      region: { value: this.context.region, description: 'Region of this stack' },
      vpc_id: { value: platform.network.vpc.id, description: 'VPC id' },
      platform_key_arn: { value: platform.key.arn, description: 'ARN of the platform KMS key' },
      lake_bucket: { value: platform.dataLake.lake.name, description: 'Data lake bucket' },
      athena_results_bucket: { value: platform.dataLake.athenaResults.name, description: 'Athena query results bucket' },
      access_logs_bucket: { value: platform.dataLake.accessLogs.name, description: 'S3 server access log bucket' },
      inference_api_url: { value: platform.inferenceApi.url, description: 'Inference API base URL (POST /predict, GET /health)' },
      inference_endpoint_name: { value: platform.mlEndpoint.endpointName, description: 'SageMaker endpoint serving the models' },
      ingestion_stream_name: { value: platform.ingestion.name, description: 'Kinesis stream producers write to (partition key: user_id)' },
      processor_dead_letter_queue_url: {
        value: platform.streamProcessor.deadLetterQueue.url,
        description: 'Dead-lettered batches of the stream processor (scripts/replay-dlq.ts)',
      },
      glue_database: { value: platform.catalog.database.name, description: 'Glue database of the lake tables' },
      active_region_parameter: {
        value: platform.activeRegion.parameterName,
        description: 'SSM parameter (String) naming the region that serves traffic; a failover overwrites it, Terraform never reverts it',
      },
      inference_failover_capacity: {
        value: JSON.stringify(failoverCapacity(this.context)),
        description: 'JSON {"<variant>": <instances>}: the capacity a failover scales the DR endpoint to (the primary per-variant counts)',
      },
    };
    if (platform.replication) {
      outputs.replication_destination_bucket = { value: platform.replication.destinationBucketName, description: 'DR lake the primary lake replicates to' };
    }
    for (const [name, output] of Object.entries(outputs)) {
      new TerraformOutput(this, name, output);
    }
  }
}
