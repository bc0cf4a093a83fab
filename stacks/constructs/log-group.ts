import { CloudwatchLogGroup } from '@cdktf/provider-aws/lib/cloudwatch-log-group';
import { Construct } from 'constructs';
import type { PlatformKey } from './encryption';
import type { PlatformContext } from '../platform-context';

export interface EncryptedLogGroupProps {
  readonly context: PlatformContext;
  /** Log group name, e.g. `/aws/lambda/<function>`. */
  readonly name: string;
  readonly platformKey: PlatformKey;
  /** Retention in days. @default config.observability.logRetentionDays */
  readonly retentionDays?: number;
}

/** A CloudWatch log group that is always KMS-encrypted and always has a retention. */
export class EncryptedLogGroup extends Construct {
  readonly logGroup: CloudwatchLogGroup;

  constructor(scope: Construct, id: string, props: EncryptedLogGroupProps) {
    super(scope, id);
    this.logGroup = new CloudwatchLogGroup(this, 'group', {
      name: props.name,
      kmsKeyId: props.platformKey.key.arn,
      retentionInDays: props.retentionDays ?? props.context.config.observability.logRetentionDays,
    });
  }

  get arn(): string {
    return this.logGroup.arn;
  }

  get name(): string {
    return this.logGroup.name;
  }
}
