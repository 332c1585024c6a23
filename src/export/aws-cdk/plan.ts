/**
 * Topology → the CDK app's plan (app/lib/plan-types.ts). Pure: every decision the exported app
 * makes is taken here, so it is table-tested without aws-cdk-lib; what the topology cannot know
 * (accounts left out, load balancer ARNs) is left to CDK context and named in the plan's notes.
 */
import { InputError } from '../../common/errors.ts';
import type { Region, Service, Store, Topology } from '../../spec/index.ts';
import {
  PLAN_VERSION,
  type AcceleratorPlan,
  type AuroraPlan,
  type MeridianCdkPlan,
  type PlanRegion,
} from './app/lib/plan-types.ts';
import { planDns } from './plan-dns.ts';
import { databaseCidrs } from './plan-network.ts';
import { clamp, healthInterval } from './plan-health.ts';

/** A version Aurora Global Database supports; change it in plan.json to pick another. */
export const AURORA_ENGINE_VERSION = '16.6';
/** Aurora Global Database runs on memory-optimized classes only (no burstable `t` classes). */
export const AURORA_INSTANCE_CLASS = 'r6g.large';
export const SECRETS_KEY_ALIAS = 'alias/meridian-secrets';

type AwsRegion = Region & { readonly cloud: NonNullable<Region['cloud']> };

export function planAwsCdk(topology: Topology): MeridianCdkPlan {
  const aws = topology.regions.filter((r): r is AwsRegion => r.cloud?.provider === 'aws');
  const home = aws[0];
  if (!home) {
    throw new InputError("export aws-cdk: no region has 'cloud: { provider: aws, region: ... }'; the app builds stacks only in AWS regions");
  }
  const notes: string[] = [];
  const others = aws.slice(1).map((r) => r.name);
  const databases = topology.stores.filter((s) => s.engine === 'aurora-postgresql').map(auroraPlan);
  const dbRegions = new Set(databases.flatMap((d) => [d.primaryRegion, ...d.secondaryRegions]));
  const cidrs = databaseCidrs(topology, aws.filter((r) => dbRegions.has(r.name)).map((r) => r.name));
  const plan: MeridianCdkPlan = {
    version: PLAN_VERSION,
    zone: topology.zone,
    homeRegion: home.name,
    regions: aws.map((r) => planRegion(r, cidrs)),
    dns: planDns(topology, notes),
    accelerators: topology.services.filter((s) => s.globalAccelerator).map((s) => acceleratorPlan(s, aws, notes)),
    databases,
    repositories: { names: [...topology.repositories], replicateTo: topology.repositories.length > 0 ? others : [] },
    secrets: {
      keyAlias: SECRETS_KEY_ALIAS,
      items: topology.secrets.map((s) => ({ name: s.name, description: s.description ?? null })),
      replicateTo: topology.secrets.length > 0 ? others : [],
    },
    notes,
  };
  checkOneAccount(plan);
  return plan;
}

function planRegion(r: AwsRegion, cidrs: ReadonlyMap<string, string>): PlanRegion {
  return { name: r.name, awsRegion: r.cloud.region, account: r.cloud.account ?? null, vpcCidr: cidrs.get(r.name) ?? null };
}

function auroraPlan(s: Store): AuroraPlan {
  return {
    store: s.name,
    globalClusterIdentifier: `meridian-${s.name}`,
    engineVersion: AURORA_ENGINE_VERSION,
    instanceClass: AURORA_INSTANCE_CLASS,
    database: s.database,
    port: s.port,
    primaryRegion: s.primaryRegion,
    secondaryRegions: [...s.replicaRegions],
  };
}

/**
 * Traffic dials are not weights: the accelerator sends each client to its nearest healthy region
 * and a dial only caps that region's share. The heaviest weight gets 100, the others in proportion.
 */
function acceleratorPlan(s: Service, aws: readonly AwsRegion[], notes: string[]): AcceleratorPlan {
  const weights = s.policy.type === 'weighted' ? s.policy.weights : null;
  const heaviest = weights ? Math.max(...Object.values(weights)) : 0;
  const dial = (region: string) => {
    if (!weights) return 100;
    const w = weights[region] ?? 0;
    return w === 0 ? 0 : Math.max(1, Math.round((100 * w) / heaviest));
  };
  if (s.policy.type === 'failover') {
    notes.push(`service ${s.name}: the Global Accelerator sends clients to their nearest healthy region; the failover order does not apply to it`);
  }
  return {
    service: s.name,
    name: `meridian-${s.name}`,
    port: s.port,
    health: { path: s.health.path, intervalSeconds: healthInterval(s), threshold: clamp(s.health.unhealthyThreshold, 1, 10) },
    groups: aws.map((r) => ({ region: r.name, awsRegion: r.cloud.region, trafficDialPercentage: dial(r.name) })),
  };
}

/** Multi-region KMS keys and Aurora Global Database both live in one account. */
function checkOneAccount(plan: MeridianCdkPlan): void {
  const accountOf = new Map(plan.regions.map((r) => [r.name, r.account]));
  const groups: [string, readonly string[]][] = [
    ...plan.databases.map((d): [string, readonly string[]] => [`Aurora store '${d.store}'`, [d.primaryRegion, ...d.secondaryRegions]]),
    ...(plan.secrets.items.length > 0 ? [['replicated secrets (multi-region KMS keys)', plan.regions.map((r) => r.name)] as [string, string[]]] : []),
  ];
  for (const [what, regions] of groups) {
    const known = new Set(regions.map((r) => accountOf.get(r)).filter((a) => a !== null && a !== undefined));
    if (known.size > 1) {
      throw new InputError(`export aws-cdk: ${what} spans regions ${regions.join(', ')} in different AWS accounts (${[...known].join(', ')}); it needs them in one account`);
    }
  }
}
