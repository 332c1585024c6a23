/**
 * The app's stacks. Global (home region): Route 53, Global Accelerators, the secrets' primary
 * KMS key. Regional (one per AWS region that holds any of these): database VPC, Aurora clusters, ECR (home region), the
 * KMS replica key. Secrets (home region, deployed last): the secrets, which need every region's
 * replica key to exist first; in a regional stack they would close a dependency cycle with the
 * Aurora stacks (a store's primary region must deploy before its replica regions).
 */
import { Fn, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { ServiceAccelerator } from './accelerator.ts';
import { AuroraPrimary, AuroraSecondary } from './aurora.ts';
import { DelegatedZone } from './dns-delegate.ts';
import { NativeZone } from './dns-native.ts';
import { databaseVpc } from './network.ts';
import type { MeridianCdkPlan, PlanRegion } from './plan-types.ts';
import { Repositories, type ReplicaRegistry } from './registry.ts';
import { primarySecretsKey, ReplicatedSecrets, replicaSecretsKey } from './secrets.ts';

export class GlobalStack extends Stack {
  /** ARN of the secrets' multi-region primary key; null when the topology lists no secrets. */
  readonly secretsKeyArn: string | null;

  constructor(scope: Construct, id: string, plan: MeridianCdkPlan, props: StackProps) {
    super(scope, id, props);
    if (plan.dns.mode === 'delegate') new DelegatedZone(this, 'Dns', plan.zone, plan.dns);
    else new NativeZone(this, 'Dns', plan.zone, plan.dns);
    for (const accelerator of plan.accelerators) new ServiceAccelerator(this, `Accelerator-${accelerator.service}`, accelerator);
    this.secretsKeyArn = plan.secrets.items.length > 0 ? primarySecretsKey(this, plan.secrets).keyArn : null;
  }
}

export interface RegionalStackProps extends StackProps {
  readonly plan: MeridianCdkPlan;
  readonly region: PlanRegion;
  /** Account per region name, for ECR replication destinations. */
  readonly accounts: ReadonlyMap<string, string>;
  readonly secretsKeyArn: string | null;
}

export class RegionalStack extends Stack {
  constructor(scope: Construct, id: string, props: RegionalStackProps) {
    super(scope, id, props);
    const { plan, region } = props;
    const awsRegionOf = (name: string) => plan.regions.find((r) => r.name === name)?.awsRegion ?? name;
    const vpc = region.vpcCidr !== null ? databaseVpc(this, region.vpcCidr) : null;
    for (const db of plan.databases) {
      const isPrimary = db.primaryRegion === region.name;
      if (!isPrimary && !db.secondaryRegions.includes(region.name)) continue;
      if (!vpc) throw new Error(`plan.json: region ${region.name} holds store ${db.store} but has no vpcCidr`);
      if (isPrimary) new AuroraPrimary(this, `Aurora-${db.store}`, db, vpc, db.secondaryRegions.map(awsRegionOf));
      else new AuroraSecondary(this, `Aurora-${db.store}`, db, vpc);
    }
    if (region.name === plan.homeRegion) {
      const replicas: ReplicaRegistry[] = plan.repositories.replicateTo.map((name) => ({
        awsRegion: awsRegionOf(name),
        account: props.accounts.get(name) ?? '',
      }));
      new Repositories(this, 'Repositories', plan.repositories.names, replicas);
    } else if (props.secretsKeyArn !== null) {
      replicaSecretsKey(this, plan.secrets, props.secretsKeyArn);
    }
  }

  /**
   * Two zones chosen by CloudFormation at deploy time (Fn::GetAZs), as for an environment-agnostic
   * stack: synth needs no availability-zone lookup, so it runs offline and stays deterministic.
   */
  override get availabilityZones(): string[] {
    return [Fn.select(0, Fn.getAzs()), Fn.select(1, Fn.getAzs())];
  }
}

export class SecretsStack extends Stack {
  constructor(scope: Construct, id: string, plan: MeridianCdkPlan, props: StackProps) {
    super(scope, id, props);
    const replicaAwsRegions = plan.secrets.replicateTo.map((name) => plan.regions.find((r) => r.name === name)?.awsRegion ?? name);
    new ReplicatedSecrets(this, 'Secrets', plan.secrets, replicaAwsRegions);
  }
}
