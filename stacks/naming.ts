import { regionShortCode } from './config/regions';
import type { PlatformConfig } from './config/types';

export type StackRole = 'primary' | 'dr';

/**
 * Deterministic resource names. Both regional stacks derive each other's names from here, so the
 * primary stack can replicate to the DR lake or copy snapshots to the DR grant without a
 * cross-stack Terraform reference (which would need remote state between the stacks).
 */
export class PlatformNaming {
  /** `<project>-<environment>`: prefix of every name. */
  readonly prefix: string;

  constructor(private readonly config: Pick<PlatformConfig, 'projectName' | 'environment' | 'primaryRegion' | 'drRegion'>) {
    this.prefix = `${config.projectName}-${config.environment}`;
  }

  stackName(role: StackRole): string {
    return `${this.prefix}-${role}`;
  }

  regionOf(role: StackRole): string {
    return role === 'primary' ? this.config.primaryRegion : this.config.drRegion;
  }

  /** Regional resource name: `<prefix>-<purpose>-<region code>` (IAM roles, log groups, streams...). */
  regional(purpose: string, region: string): string {
    return `${this.prefix}-${purpose}-${regionShortCode(region)}`;
  }

  /** Globally unique bucket name: the account id keeps it unique across accounts. */
  bucketName(purpose: string, region: string, accountId: string): string {
    return `${this.prefix}-${purpose}-${accountId}-${regionShortCode(region)}`;
  }

  /** KMS alias of the region's platform key. */
  keyAlias(region: string): string {
    return `alias/${this.regional('platform', region)}`;
  }

  keyAliasArn(region: string, accountId: string): string {
    return `arn:aws:kms:${region}:${accountId}:${this.keyAlias(region)}`;
  }

  /** Glue database of the lake: the same in both regions, so queries work unchanged after a failover. */
  lakeDatabase(): string {
    return `${this.prefix}_lake`.replace(/[^a-z0-9_]/g, '_');
  }

  /**
   * SSM parameter holding the region that serves traffic: the same name in both regions, so a
   * producer or client reads it wherever it is pointed and a failover tool writes it in both.
   */
  activeRegionParameter(): string {
    return `/${this.prefix}/active-region`;
  }

  /** Name of the Redshift snapshot-copy grant that the DR stack creates for the primary cluster. */
  snapshotCopyGrantName(drRegion: string): string {
    return this.regional('snapshot-copy', drRegion);
  }
}
