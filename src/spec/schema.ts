/**
 * The topology schema (`meridian.yaml`), written once with zod: it validates the file, gives the
 * TypeScript types, and exports the JSON Schema for editors (`meridian schema`).
 * Every object is strict: an unknown key is an error, never silently ignored.
 * Cross-references (a policy naming an unknown region, …) are checked in `references.ts`.
 */
import { isIP } from 'node:net';
import { z } from 'zod';
import { DURATION_PATTERN, parseDurationMs } from '../common/duration.ts';

const NAME = /^[a-z][a-z0-9-]{0,30}[a-z0-9]$/;
const DNS_LABELS = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/;

const name = (what: string) =>
  z.string().regex(NAME, `${what} must be 2-32 characters of lowercase letters, digits and '-', starting with a letter`);

/** `500ms`, `2s`, `1m`, or a number of milliseconds. Parsed to milliseconds. */
const duration = z
  .union([z.number().int().positive(), z.string().regex(DURATION_PATTERN, "a duration such as '500ms', '2s' or '1m'")])
  .transform((v) => (typeof v === 'number' ? v : (parseDurationMs(v) ?? 0)));

/**
 * A WAL amount as PostgreSQL writes memory sizes (`wal_keep_size`): `512kB`, `16MB`, `1GB`
 * (multiples of 1024), or a bare number of bytes. Parsed to bytes. Hand-written: it follows
 * PostgreSQL's units exactly, which no size library does (they read `MB` as 10^6).
 */
const SIZE = /^(\d+)\s*(B|kB|MB|GB|TB)$/;
const SIZE_UNIT = { B: 1, kB: 1024, MB: 1024 ** 2, GB: 1024 ** 3, TB: 1024 ** 4 } as const;
const walSize = z
  .union([z.number().int().nonnegative(), z.string().regex(SIZE, "a size such as '512kB', '16MB' or '1GB'")])
  .transform((v) => {
    if (typeof v === 'number') return v;
    const [, n, unit] = SIZE.exec(v)!;
    return Number(n) * SIZE_UNIT[unit as keyof typeof SIZE_UNIT];
  });

/** stores[].failover.approval: who decides a failover (docs/failover.md "Approval"). */
export const APPROVAL_MODES = ['automatic', 'manual', 'off'] as const;
export type ApprovalMode = (typeof APPROVAL_MODES)[number];
/** stores[].failover.approvalExpiry when the topology does not say: 10 minutes. */
export const APPROVAL_EXPIRY_DEFAULT_MS = 10 * 60_000;

/** dns.rateLimit when the topology does not say (window in milliseconds). */
export const RATE_LIMIT_DEFAULTS = { enabled: true, responsesPerSecond: 1000, slip: 2, window: 5000, exemptLoopback: true } as const;

const ipAddress = z.string().refine((v) => isIP(v) !== 0, 'an IPv4 or IPv6 address');
/** `ip:port`, or `[ipv6]:port`. */
const hostPort = z
  .string()
  .regex(/^(\d{1,3}(\.\d{1,3}){3}|\[[0-9a-fA-F:]+\]):\d{1,5}$/, "an address such as '10.0.0.1:53' or '[fd00::1]:53'");

function isCidr(text: string): boolean {
  const [address, prefix, ...rest] = text.split('/');
  const family = isIP(address ?? '');
  if (rest.length > 0 || family === 0 || !prefix || !/^\d{1,3}$/.test(prefix)) return false;
  return Number(prefix) <= (family === 4 ? 32 : 128);
}

const geo = z.strictObject({
  lat: z.number().min(-90).max(90),
  lon: z.number().min(-180).max(180),
});

const cidr = z.string().refine(isCidr, "a CIDR such as '10.0.0.0/8' or 'fd00::/8' (prefix up to /32 for IPv4, /128 for IPv6)");

/** Where a region runs in a cloud: used only by the exports (Kubernetes, Argo CD, AWS CDK). */
export const RegionCloudSchema = z.strictObject({
  provider: z.enum(['aws', 'gcp', 'azure']),
  /** The provider's own region name: `eu-west-1`, `europe-west1`, `westeurope`. */
  region: z.string().regex(/^[a-z][a-z0-9-]{1,40}[a-z0-9]$/, "a cloud region name such as 'eu-west-1'"),
  /** AWS account id (12 digits) or the provider's project/subscription id. */
  account: z.string().regex(/^[A-Za-z0-9-]{1,64}$/, 'an account, project or subscription id').optional(),
  /** The region's cluster/VPC networks (aws-cdk keeps its database VPCs clear of them). */
  networks: z.array(cidr).default([]),
});

export const RegionSchema = z.strictObject({
  name: name('a region name'),
  geo: geo.optional(),
  cloud: RegionCloudSchema.optional(),
  /** Where this region's agent serves DNS and its API. Required to run agents; the lab fills it in. */
  agent: z
    .strictObject({
      dns: hostPort,
      api: z.url({ protocol: /^https?$/ }),
      /**
       * Where this region's agent serves the peer routes (views, the coordinator's demote/rejoin)
       * over mutual TLS, when it runs with `--peer-tls` (docs/security.md "Mutual TLS between
       * agents"). Without it peers use `api`, unauthenticated.
       */
      peer: hostPort.optional(),
      /**
       * The addresses this region's agents' connections come from, as its peers see them (a NAT
       * gateway's or egress gateway's fixed IPs). Not `dns`/`api`: those are where peers send to.
       * The k8s export admits only these (as /32 or /128) to the peers' APIs.
       */
      egress: z.array(ipAddress).min(1).optional(),
    })
    .optional(),
  /** This region's etcd member (one per region: the quorum). Required for failover; the lab fills it in. */
  etcd: z
    .strictObject({
      client: z.url({ protocol: /^https?$/ }),
      peer: z.url({ protocol: /^https?$/ }),
    })
    .optional(),
});

export const HealthCheckSchema = z.strictObject({
  path: z.string().startsWith('/', "an HTTP path starting with '/'").default('/healthz'),
  interval: duration.default(500),
  timeout: duration.default(400),
  healthyThreshold: z.number().int().min(1).max(20).default(2),
  unhealthyThreshold: z.number().int().min(1).max(20).default(2),
});

const regionList = z.array(name('a region name')).min(1);

export const PolicySchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('failover'), order: regionList }),
  z.strictObject({ type: z.literal('weighted'), weights: z.record(z.string(), z.number().int().min(0).max(1000)) }),
  z.strictObject({ type: z.literal('geo'), regions: regionList.optional() }),
  z.strictObject({ type: z.literal('latency'), regions: regionList.optional() }),
  z.strictObject({ type: z.literal('all-healthy'), regions: regionList.optional() }),
], { error: 'expected one of: failover, weighted, geo, latency, all-healthy' });

/** services[].capacity.onOverload: what an automatic traffic shift does when the survivors cannot absorb it (docs/capacity.md). */
export const OVERLOAD_POLICIES = ['shift', 'hold'] as const;
export type OverloadPolicy = (typeof OVERLOAD_POLICIES)[number];
/** services[].capacity.load.interval when the topology does not say: 15 s (Prometheus' usual scrape interval). */
export const LOAD_INTERVAL_DEFAULT_MS = 15_000;

/** A Prometheus label name (`region`, `cluster`). */
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const httpUrl = z.url({ protocol: /^https?$/, error: 'an http:// or https:// URL such as "http://prometheus:9090"' });

/**
 * What a service's instances can serve and where its current load is measured (docs/capacity.md).
 * The agents read the load (requests/s per region) from the team's Prometheus; the arithmetic is
 * src/capacity. Optional: a service without it has no capacity check ("no capacity declared").
 */
export const CapacitySchema = z.strictObject({
  /** Requests per second one instance serves at its limit. */
  perInstance: z.number().positive().max(10_000_000),
  /**
   * Instances behind a region's endpoints, when they are load balancers (a region's capacity is
   * then this many instances while its endpoints answer). Absent: one instance per endpoint
   * address of an IP family (the lab's layout: each instance has one IPv4 and one IPv6 address).
   */
  instances: z.record(z.string(), z.number().int().min(1).max(100_000)).optional(),
  /**
   * `shift` (today's behaviour): a region down by majority leaves the answers, whatever the
   * survivors can take. `hold`: a region that is degraded (down by majority, yet still answering
   * some vantage point) stays in the answers while the survivors cannot absorb its load; a dead
   * one (no vantage point gets an answer) is shifted anyway. Manual drains that would overload the
   * survivors are refused unless forced, whatever this says.
   */
  onOverload: z.enum(OVERLOAD_POLICIES, { error: `expected one of: ${OVERLOAD_POLICIES.join(', ')}` }).default('shift'),
  /** Where the agents read the current load; absent: plans say "no load measured". */
  load: z
    .strictObject({
      /** Prometheus (or a compatible API: Thanos, Mimir, VictoriaMetrics) base URL(s), tried in order. */
      prometheus: z.union([httpUrl, z.array(httpUrl).min(1)], { error: 'a Prometheus base URL such as "http://prometheus:9090", or a list of them' })
        .transform((v) => (typeof v === 'string' ? [v] : v)),
      /** An instant query returning requests/s with one series per region, e.g. `sum by (region) (rate(http_requests_total{service="web"}[1m]))`. */
      query: z.string().min(1).max(4000),
      /** The label of the query's series that names the region. */
      regionLabel: z.string().regex(LABEL, 'a Prometheus label name such as "region"').default('region'),
      /** How often each agent asks. */
      interval: duration.default(LOAD_INTERVAL_DEFAULT_MS),
    })
    .optional(),
});

export const ServiceSchema = z.strictObject({
  name: name('a service name'),
  /** Name inside the global zone: `web` serves `web.<zone>`. */
  hostname: z.string().regex(DNS_LABELS, 'lowercase DNS labels such as "web" or "api.eu"'),
  port: z.number().int().min(1).max(65535),
  /** Instances per region that the lab starts. Production regions list `endpoints` instead. */
  instances: z.number().int().min(1).max(16).default(2),
  /** Public endpoints per region: the addresses users reach. Required to run agents; the lab fills them in. */
  endpoints: z.record(z.string(), z.array(ipAddress).min(1)).optional(),
  health: HealthCheckSchema.default({
    path: '/healthz',
    interval: 500,
    timeout: 400,
    healthyThreshold: 2,
    unhealthyThreshold: 2,
  }),
  policy: PolicySchema,
  /**
   * Safety rule of the traffic controls (`meridian traffic drain|weight`): a change that would leave
   * fewer healthy, undrained regions than this is refused unless forced. Absent: 1.
   */
  minHealthyRegions: z.number().int().min(1).max(64).optional(),
  /** Per-instance capacity and where the load is measured: the capacity check of plans, drains and failovers (docs/capacity.md). */
  capacity: CapacitySchema.optional(),
  /** Export an AWS Global Accelerator in front of this service (aws-cdk export). */
  globalAccelerator: z.boolean().default(false),
});

export const ClientNetworkSchema = z.strictObject({
  name: name('a client network name'),
  cidr,
  location: geo.optional(),
  /** Measured round-trip per region, used by the `latency` policy before distance. */
  latencyMs: z.record(z.string(), z.number().min(0)).optional(),
});

export const StoreSchema = z.strictObject({
  name: name('a store name'),
  /**
   * `postgres`: Meridian runs the failover (the lab, the agents). `aurora-postgresql`: an Aurora
   * Global Database that AWS fails over; Meridian only exports it (aws-cdk).
   */
  engine: z.enum(['postgres', 'aurora-postgresql']),
  primaryRegion: name('a region name'),
  replicaRegions: z.array(name('a region name')).default([]),
  /** `sync`: a commit waits for at least one standby in another region (RPO 0). */
  replication: z.enum(['async', 'sync']).default('async'),
  port: z.number().int().min(1).max(65535).default(5432),
  database: z.string().regex(/^[a-z_][a-z0-9_]{0,62}$/, 'a lowercase SQL identifier').default('app'),
  /** GSLB name apps use for the current primary: `<primaryHostname>.<zone>`. */
  primaryHostname: z.string().regex(DNS_LABELS, 'lowercase DNS labels such as "primary.orders.db"'),
  /** GSLB name for the local read replica of the client's region. */
  replicaHostname: z.string().regex(DNS_LABELS, 'lowercase DNS labels such as "replica.orders.db"').optional(),
  /** Database address per region. Required to run failover; the lab fills it in. */
  endpoints: z.record(z.string(), ipAddress).optional(),
  targets: z
    .strictObject({ rto: duration.default(30_000), rpo: z.union([z.literal(0), duration]).default(0) })
    .default({ rto: 30_000, rpo: 0 }),
  /**
   * Who decides this store's automatic failover (docs/failover.md "Approval"). Optional, so a
   * parsed topology (and its k8s ConfigMap) shows only what was written; absent: automatic.
   */
  failover: z
    .strictObject({
      /**
       * `automatic`: the coordinator fails over by itself. `manual`: it records a pending run and
       * waits for `meridian approve`. `off`: it never fails over by itself. Rebuilds, repoints, the
       * sync set and each agent fencing its own database never wait, whatever this says.
       */
      approval: z.enum(APPROVAL_MODES, { error: `expected one of: ${APPROVAL_MODES.join(', ')}` }).default('automatic'),
      /** A pending run not approved within this expires (and a rejection holds this long). */
      approvalExpiry: duration.default(APPROVAL_EXPIRY_DEFAULT_MS),
    })
    .optional(),
});

export const TopologySchema = z.strictObject({
  apiVersion: z.literal('meridian/v1'),
  zone: z.string().regex(DNS_LABELS, 'a DNS zone such as "global.example.com"'),
  dns: z
    .strictObject({
      /** TTL of service answers, in seconds. Short: it bounds how long clients keep a dead region. */
      ttl: z.number().int().min(0).max(86400).default(2),
      /**
       * TTL of the data store names (primary, replicas), in seconds. It is part of every
       * failover's RTO (clients keep the old primary this long); database clients resolve only
       * when they connect, so a short TTL costs few queries.
       */
      storeTtl: z.number().int().min(0).max(3600).default(1),
      /**
       * Response rate limiting of UDP answers per client network (/24, /56), against reflection
       * (docs/security.md "Limits"). Here, not in agent flags: it is the zone's policy, the same on
       * every agent. Optional, so that a parsed topology (and its k8s ConfigMap) shows only what
       * was written; absent, RATE_LIMIT_DEFAULTS apply (gslb rateLimitOf).
       */
      rateLimit: z
        .strictObject({
          enabled: z.boolean().default(RATE_LIMIT_DEFAULTS.enabled),
          /** Answers per second to one client network, also the burst it may take at once. */
          responsesPerSecond: z.number().int().min(1).max(1_000_000).default(RATE_LIMIT_DEFAULTS.responsesPerSecond),
          /** Every Nth dropped answer is sent truncated (TC=1, empty) so a real resolver retries over TCP; 0: drop all. */
          slip: z.number().int().min(0).max(10).default(RATE_LIMIT_DEFAULTS.slip),
          /** How long a network that flooded stays limited once it stops (bind9's window). */
          window: duration.default(RATE_LIMIT_DEFAULTS.window),
          /** Never limit 127.0.0.0/8 and ::1: no forged packet arrives from there, and local tools (dnsperf) query fast. */
          exemptLoopback: z.boolean().default(RATE_LIMIT_DEFAULTS.exemptLoopback),
        })
        .optional(),
    })
    .default({ ttl: 2, storeTtl: 1 }),
  /** How the global zone reaches users in AWS (aws-cdk export). */
  route53: z
    .strictObject({
      /**
       * `delegate`: NS + glue hand the zone to each region's agent DNS (Meridian answers).
       * `native`: Route 53 health checks and records per the service policies (Route 53 answers).
       */
      mode: z.enum(['delegate', 'native']).default('delegate'),
      /** Existing hosted zone of the parent domain, where the delegation goes. */
      parentZoneId: z.string().regex(/^Z[A-Z0-9]{1,32}$/, "a hosted zone id such as 'Z0123456789ABC'").optional(),
    })
    .optional(),
  regions: z.array(RegionSchema).min(1),
  services: z.array(ServiceSchema).default([]),
  clientNetworks: z.array(ClientNetworkSchema).default([]),
  stores: z.array(StoreSchema).default([]),
  /**
   * Rollout order of changes (Argo CD progressive sync): groups of regions, synced one group
   * after the other. Absent: one region per wave, in file order.
   */
  waves: z.array(z.array(name('a region name')).min(1)).min(1).optional(),
  /** Container repositories the services run from, replicated to every region (ECR). */
  repositories: z.array(z.string().regex(/^[a-z0-9]+([._/-][a-z0-9]+)*$/, "a repository name such as 'shop/web'")).default([]),
  /** Secrets replicated to every region (Secrets Manager + multi-region KMS keys). Names only, never values. */
  secrets: z.array(z.strictObject({ name: z.string().regex(/^[A-Za-z0-9/_+=.@-]{1,256}$/, 'a secret name'), description: z.string().optional() })).default([]),
  /** How the agent runs in each region's cluster (k8s export). */
  kubernetes: z
    .strictObject({
      namespace: z.string().regex(/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/, 'a Kubernetes namespace name').default('meridian'),
      /** The agent's container image (built from the repository's Dockerfile); `repo@sha256:…` pins it. */
      image: z.string().min(1),
      /**
       * Operators' networks (CLI, dashboard, Prometheus): admitted to the agent's API beside the
       * peers. Optional, so the k8s ConfigMap shows only what was written.
       */
      operatorCidrs: z.array(cidr).optional(),
    })
    .optional(),
  /** The Git repository Argo CD syncs from (argocd export). */
  gitops: z
    .strictObject({
      repoURL: z.string().min(1),
      revision: z.string().min(1).default('HEAD'),
      /** Folder in that repository holding the k8s export (`base/`, `overlays/<region>/`). */
      path: z.string().min(1).default('deploy'),
    })
    .optional(),
  failover: z
    .strictObject({
      /** Primary lease TTL. A primary cut off from the etcd majority stops acting within it. */
      leaseTtl: duration.default(4000),
      /** Run the failover runbook automatically when a primary is lost. */
      automatic: z.boolean().default(true),
      /**
       * Rebuild returned old primaries, diverged and stuck standbys as standbys by themselves
       * (pg_rewind, else a base backup). false: they are fenced and marked, and wait for
       * `meridian db rejoin`.
       */
      autoRejoin: z.boolean().default(true),
      /**
       * Sync stores with no standby left to confirm commits: true keeps commits waiting (RPO 0);
       * false lets them through asynchronously, with an alert, until a standby streams again.
       */
      syncStrict: z.boolean().default(true),
      /**
       * Async promotion (async stores, or a degraded sync set) may lose at most this much WAL
       * behind the old primary's last known position; beyond it the failover waits. Unset: no bound.
       */
      maxLagOnFailover: walSize.optional(),
    })
    .default({ leaseTtl: 4000, automatic: true, autoRejoin: true, syncStrict: true }),
});

type DeepReadonly<T> = T extends (infer E)[]
  ? readonly DeepReadonly<E>[]
  : T extends object
    ? { readonly [K in keyof T]: DeepReadonly<T[K]> }
    : T;

export type Topology = DeepReadonly<z.output<typeof TopologySchema>>;
export type Region = Topology['regions'][number];
export type Service = Topology['services'][number];
export type Policy = Service['policy'];
export type HealthCheck = Service['health'];
export type Capacity = NonNullable<Service['capacity']>;
export type ClientNetwork = Topology['clientNetworks'][number];
export type GeoPoint = NonNullable<Region['geo']>;
export type Store = Topology['stores'][number];
export type RegionCloud = NonNullable<Region['cloud']>;

/** JSON Schema of the file as a person writes it (durations as strings, defaults optional). */
export function topologyJsonSchema(): unknown {
  return z.toJSONSchema(TopologySchema, { io: 'input', target: 'draft-2020-12' });
}
