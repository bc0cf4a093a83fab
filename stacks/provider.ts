import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import type { Construct } from 'constructs';
import type { PlatformConfig } from './config/types';
import type { StackRole } from './naming';

/**
 * Default-tag keys activated as cost-allocation tags (Cost Explorer, AWS Budgets, Cost Anomaly
 * Detection split and filter spend by them); in billing data they appear as `user:<key>`.
 */
export const ACTIVATED_COST_ALLOCATION_TAG_KEYS = ['project', 'environment', 'cost-center'] as const;

export function costAllocationTags(config: PlatformConfig, role: StackRole): Record<string, string> {
  return {
    ...config.tags.extra,
    project: config.projectName,
    environment: config.environment,
    owner: config.tags.owner,
    'cost-center': config.tags.costCenter,
    'platform-role': role,
    'managed-by': 'cdktf',
  };
}

/** The AWS provider of a regional stack, with cost-allocation default tags. */
export function createAwsProvider(scope: Construct, id: string, config: PlatformConfig, role: StackRole, region: string, alias?: string): AwsProvider {
  return new AwsProvider(scope, id, {
    region,
    alias,
    defaultTags: [{ tags: costAllocationTags(config, role) }],
  });
}
