/**
 * The CDK context keys the app reads for what the topology does not know, and the placeholder
 * values the exported cdk.json starts with. Plain strings: the exporter imports this file too.
 */

/** 12-digit AWS account of a region whose topology entry has no `cloud.account`. */
export function accountKey(region: string): string {
  return `meridian:account:${region}`;
}

/** ARN of the load balancer (NLB or ALB) a service's Global Accelerator sends a region's traffic to. */
export function endpointKey(service: string, region: string): string {
  return `meridian:endpoint:${service}:${region}`;
}

export const ACCOUNT_PLACEHOLDER = 'FILL-IN-12-DIGIT-ACCOUNT-ID';
export const ENDPOINT_PLACEHOLDER = 'FILL-IN-NLB-OR-ALB-ARN';
