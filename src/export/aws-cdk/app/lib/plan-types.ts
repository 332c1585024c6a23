/**
 * The plan: everything the CDK app builds, as plain JSON data. `meridian export aws-cdk` derives
 * it from the topology and writes it to plan.json; the constructs in this folder read it and
 * decide nothing else (accounts and load balancer ARNs, which the topology does not know, come
 * from CDK context). Names are meridian region names unless a field says `awsRegion`.
 */

export const PLAN_VERSION = 1;

export interface MeridianCdkPlan {
  readonly version: typeof PLAN_VERSION;
  /** The global zone, e.g. `global.example.com`. */
  readonly zone: string;
  /** The first AWS region: hosts the global stack, the ECR repositories and the secrets' primaries. */
  readonly homeRegion: string;
  /** AWS regions only, in topology order. */
  readonly regions: readonly PlanRegion[];
  readonly dns: DelegatedDns | NativeDns;
  readonly accelerators: readonly AcceleratorPlan[];
  readonly databases: readonly AuroraPlan[];
  readonly repositories: RepositoriesPlan;
  readonly secrets: SecretsPlan;
  /** What the export could not express exactly (also printed by the CLI). */
  readonly notes: readonly string[];
}

export interface PlanRegion {
  readonly name: string;
  readonly awsRegion: string;
  /** 12-digit account id; null: taken from CDK context `meridian:account:<name>`. */
  readonly account: string | null;
  /** CIDR of the VPC created for databases; null when the region holds no Aurora cluster. */
  readonly vpcCidr: string | null;
}

export type RecordType = 'A' | 'AAAA';

/** The parent zone delegates the global zone to Meridian's agents (they answer). */
export interface DelegatedDns {
  readonly mode: 'delegate';
  readonly parentZoneId: string;
  readonly ttl: number;
  /** `ns-<region>.<zone>`, one per region's agent, with its glue address. */
  readonly nameServers: readonly { readonly name: string; readonly type: RecordType; readonly address: string }[];
}

/** A Route 53 hosted zone answers, with Route 53 health checks. */
export interface NativeDns {
  readonly mode: 'native';
  /** Where to put the NS records delegating the zone to Route 53; null: the user delegates by hand. */
  readonly parentZoneId: string | null;
  /** TTL of the delegation NS records. */
  readonly nsTtl: number;
  /** TTL of the service records (the topology's dns.ttl). */
  readonly ttl: number;
  readonly services: readonly NativeService[];
}

export interface NativeService {
  readonly service: string;
  /** Fully qualified name, without the final dot. */
  readonly name: string;
  readonly healthChecks: readonly HealthCheckPlan[];
  readonly records: readonly RecordPlan[];
}

export type HealthCheckPlan =
  | {
    readonly id: string;
    readonly type: 'HTTP';
    readonly region: string;
    readonly ip: string;
    readonly port: number;
    readonly path: string;
    /** Route 53 allows only 10 or 30 seconds. */
    readonly requestInterval: 10 | 30;
    readonly failureThreshold: number;
  }
  | {
    readonly id: string;
    /** Healthy while at least one child is: one region with several addresses of a family. */
    readonly type: 'CALCULATED';
    readonly region: string;
    readonly children: readonly string[];
  };

export type Routing =
  | { readonly policy: 'failover'; readonly role: 'PRIMARY' | 'SECONDARY' }
  | { readonly policy: 'weighted'; readonly weight: number }
  | { readonly policy: 'latency'; readonly awsRegion: string }
  | { readonly policy: 'geoproximity'; readonly latitude: string; readonly longitude: string }
  | { readonly policy: 'multivalue' };

export interface RecordPlan {
  readonly id: string;
  readonly type: RecordType;
  readonly setIdentifier: string;
  readonly values: readonly string[];
  /** The id of one of the service's health checks: every record carries one. */
  readonly healthCheck: string;
  readonly routing: Routing;
}

export interface AcceleratorPlan {
  readonly service: string;
  readonly name: string;
  readonly port: number;
  readonly health: { readonly path: string; readonly intervalSeconds: 10 | 30; readonly threshold: number };
  /** One per AWS region; the endpoint ARN comes from context `meridian:endpoint:<service>:<region>`. */
  readonly groups: readonly { readonly region: string; readonly awsRegion: string; readonly trafficDialPercentage: number }[];
}

export interface AuroraPlan {
  readonly store: string;
  /** Also the stem of the clusters' identifiers (`<id>-<awsRegion>`). */
  readonly globalClusterIdentifier: string;
  readonly engineVersion: string;
  /** Without the `db.` prefix, e.g. `r6g.large` (Aurora Global needs memory-optimized classes). */
  readonly instanceClass: string;
  readonly database: string;
  readonly port: number;
  readonly primaryRegion: string;
  readonly secondaryRegions: readonly string[];
}

export interface RepositoriesPlan {
  readonly names: readonly string[];
  /** Regions the home region's registry replicates to. */
  readonly replicateTo: readonly string[];
}

export interface SecretsPlan {
  /** Alias of the multi-region key in every region (primary in the home region, replicas elsewhere). */
  readonly keyAlias: string;
  readonly items: readonly { readonly name: string; readonly description: string | null }[];
  readonly replicateTo: readonly string[];
}
