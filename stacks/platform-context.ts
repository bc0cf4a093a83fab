import type { PlatformConfig } from './config/types';
import type { PlatformNaming, StackRole } from './naming';

/**
 * What every regional construct needs to know about where it is: the validated configuration,
 * the naming scheme, the stack's role and region, and the account id (a Terraform reference).
 */
export interface PlatformContext {
  readonly config: PlatformConfig;
  readonly naming: PlatformNaming;
  readonly role: StackRole;
  readonly region: string;
  /** The other region of the pair (DR for the primary, primary for the DR stack). */
  readonly peerRegion: string;
  /** `data.aws_caller_identity.current.account_id`. */
  readonly accountId: string;
}
