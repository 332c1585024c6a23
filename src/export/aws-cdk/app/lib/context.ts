/** Reads the values the plan leaves to CDK context, failing synth with a line that says what to set. */
import type { Construct } from 'constructs';
import { accountKey, endpointKey } from './context-keys.ts';
import type { PlanRegion } from './plan-types.ts';

export function accountOf(scope: Construct, region: PlanRegion): string {
  if (region.account !== null) return region.account;
  const key = accountKey(region.name);
  const value: unknown = scope.node.tryGetContext(key);
  if (typeof value === 'string' && /^\d{12}$/.test(value)) return value;
  throw new Error(`region ${region.name} (${region.awsRegion}) has no AWS account: put its 12-digit id in cdk.json under "context" as "${key}" (or pass -c ${key}=123456789012)`);
}

export function endpointArnOf(scope: Construct, service: string, region: string): string {
  const key = endpointKey(service, region);
  const value: unknown = scope.node.tryGetContext(key);
  if (typeof value === 'string' && value.startsWith('arn:')) return value;
  throw new Error(`service ${service} has a Global Accelerator but no endpoint in region ${region}: put the ARN of its load balancer (NLB or ALB) there in cdk.json under "context" as "${key}"`);
}
