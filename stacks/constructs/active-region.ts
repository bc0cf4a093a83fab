import { SsmParameter } from '@cdktf/provider-aws/lib/ssm-parameter';
import { Construct } from 'constructs';
import type { PolicyStatement } from '../iam';
import type { PlatformContext } from '../platform-context';

export interface ActiveRegionProps {
  readonly context: PlatformContext;
}

/**
 * The active region as data: an SSM String parameter `/<project>-<environment>/active-region`
 * in this region, created with the primary region as its value. Producers and inference clients
 * read it to find where to send traffic (docs/operations.md, "Following a failover").
 */
export class ActiveRegion extends Construct {
  readonly parameter: SsmParameter;
  /** The parameter's name (the same in both regions). */
  readonly parameterName: string;

  constructor(scope: Construct, id: string, props: ActiveRegionProps) {
    super(scope, id);
    const { config, naming } = props.context;
    this.parameterName = naming.activeRegionParameter();
    this.parameter = new SsmParameter(this, 'parameter', {
      name: this.parameterName,
      type: 'String',
      description: 'Region that serves producers and inference clients; a failover overwrites it',
      value: config.primaryRegion,
      // The value is the failover tool's to change after creation: Terraform sets it once and
      // never reverts an overwritten value on a later apply (that would undo a failover).
      lifecycle: { ignoreChanges: ['value'] },
    });
  }

  /** What a reader of the active region needs: GetParameter on this parameter only. */
  grantRead(sid: string): PolicyStatement {
    return { Sid: sid, Effect: 'Allow', Action: 'ssm:GetParameter', Resource: this.parameter.arn };
  }
}
