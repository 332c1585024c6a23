/**
 * Which regions get a stack and which need an account. Plain functions of the plan, with no CDK
 * import: the exporter uses them too, to list in cdk.json only the accounts synth will ask for.
 */
import type { MeridianCdkPlan, PlanRegion } from './plan-types.ts';

/** CloudFormation cannot deploy an empty stack: a region gets one when something lives there. */
export function holdsAnything(plan: MeridianCdkPlan, r: PlanRegion): boolean {
  if (r.vpcCidr !== null) return true;
  return r.name === plan.homeRegion ? plan.repositories.names.length > 0 : plan.secrets.replicateTo.includes(r.name);
}

/** The home region (global stack), every region with a stack, and every ECR replication destination. */
export function regionsNeedingAccount(plan: MeridianCdkPlan): PlanRegion[] {
  return plan.regions.filter((r) => r.name === plan.homeRegion || holdsAnything(plan, r) || plan.repositories.replicateTo.includes(r.name));
}
