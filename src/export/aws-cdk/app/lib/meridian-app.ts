/**
 * Builds every stack of the plan into an App (or any scope) and orders their deployment.
 * bin/app.ts calls it with plan.json; the tests call it with a plan made from a topology.
 */
import type { Construct } from 'constructs';
import { accountOf } from './context.ts';
import { holdsAnything, regionsNeedingAccount } from './layout.ts';
import { PLAN_VERSION, type MeridianCdkPlan, type PlanRegion } from './plan-types.ts';
import { GlobalStack, RegionalStack, SecretsStack } from './stacks.ts';

export const GLOBAL_STACK = 'Meridian-Global';
export const SECRETS_STACK = 'Meridian-Secrets';
export const regionalStackName = (region: string) => `Meridian-${region}`;

export interface MeridianStacks {
  readonly global: GlobalStack;
  readonly regional: ReadonlyMap<string, RegionalStack>;
  readonly secrets: SecretsStack | null;
}

export function buildMeridianApp(scope: Construct, plan: MeridianCdkPlan): MeridianStacks {
  if (plan.version !== PLAN_VERSION) throw new Error(`plan.json is version ${String(plan.version)}; this app reads version ${PLAN_VERSION}: export it again`);
  const home = regionNamed(plan, plan.homeRegion);
  const accounts = new Map(regionsNeedingAccount(plan).map((r) => [r.name, accountOf(scope, r)]));
  checkOneAccount(plan, accounts);
  const env = (r: PlanRegion) => ({ account: accounts.get(r.name), region: r.awsRegion });
  const hasSecrets = plan.secrets.items.length > 0;

  // Cross-region references only for the KMS replica keys (their primary's ARN is made up by
  // KMS); anywhere else, one would be a mistake and fails synth instead of adding machinery.
  const global = new GlobalStack(scope, GLOBAL_STACK, plan, {
    env: env(home),
    crossRegionReferences: hasSecrets,
    description: `Meridian ${plan.zone}: Route 53 (${plan.dns.mode}), Global Accelerators, secrets' primary key`,
  });
  const regional = new Map(plan.regions.filter((r) => holdsAnything(plan, r)).map((r) => [r.name, new RegionalStack(scope, regionalStackName(r.name), {
    env: env(r),
    crossRegionReferences: hasSecrets && r.name !== home.name,
    description: `Meridian ${plan.zone}: region ${r.name} (${r.awsRegion})`,
    plan,
    region: r,
    accounts,
    secretsKeyArn: r.name === home.name ? null : global.secretsKeyArn,
  })]));
  for (const db of plan.databases) {
    const primary = regional.get(db.primaryRegion);
    for (const name of db.secondaryRegions) {
      if (primary) regional.get(name)?.addStackDependency(primary, `Aurora ${db.store}: the global cluster and its primary come first`);
    }
  }
  let secrets: SecretsStack | null = null;
  if (hasSecrets) {
    secrets = new SecretsStack(scope, SECRETS_STACK, plan, { env: env(home), description: `Meridian ${plan.zone}: replicated secrets` });
    secrets.addStackDependency(global, 'the key alias in the home region');
    for (const name of plan.secrets.replicateTo) {
      const stack = regional.get(name);
      if (stack) secrets.addStackDependency(stack, 'the replica key alias in each replica region');
    }
  }
  return { global, regional, secrets };
}

function regionNamed(plan: MeridianCdkPlan, name: string): PlanRegion {
  const region = plan.regions.find((r) => r.name === name);
  if (!region) throw new Error(`plan.json: home region ${name} is not among the regions`);
  return region;
}

/** Accounts from context are known only here: Aurora Global and multi-region keys stay in one account. */
function checkOneAccount(plan: MeridianCdkPlan, accounts: ReadonlyMap<string, string>): void {
  const spans: [string, readonly string[]][] = plan.databases.map((d) => [`Aurora store ${d.store}`, [d.primaryRegion, ...d.secondaryRegions]]);
  if (plan.secrets.items.length > 0) spans.push(['the replicated secrets', plan.regions.map((r) => r.name)]);
  for (const [what, regions] of spans) {
    const distinct = new Set(regions.map((r) => accounts.get(r)));
    if (distinct.size > 1) throw new Error(`${what} spans regions ${regions.join(', ')} in different AWS accounts (${[...distinct].join(', ')}); it needs one account`);
  }
}
