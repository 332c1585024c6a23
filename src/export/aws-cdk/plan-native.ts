/**
 * One service in Route 53's `native` mode: an HTTP health check per public endpoint and, per
 * address family, the records its policy calls for. Route 53 decides per A and AAAA separately,
 * as Meridian's agents do, so a region without IPv6 simply has no AAAA record.
 */
import { BlockList, isIPv4 } from 'node:net';
import { InputError } from '../../common/errors.ts';
import { fqdn, type Region, type Service, type Topology } from '../../spec/index.ts';
import type { HealthCheckPlan, NativeService, RecordPlan, RecordType, Routing } from './app/lib/plan-types.ts';
import { clamp, healthInterval } from './plan-health.ts';

/** Route 53's weights are 0-255; the topology allows up to 1000. */
const MAX_ROUTE53_WEIGHT = 255;

export function nativeService(t: Topology, s: Service, notes: string[]): NativeService {
  const endpoints = s.endpoints ?? {};
  if (Object.keys(endpoints).length === 0) {
    throw new InputError(`export aws-cdk: route53 'native' health-checks each region's public endpoints, but service '${s.name}' lists no endpoints`);
  }
  for (const ip of Object.values(endpoints).flat()) {
    if (isPrivate(ip)) throw new InputError(`export aws-cdk: service '${s.name}': Route 53 health checkers probe over the internet and cannot reach the private address ${ip}`);
  }
  const candidates = policyRegions(t, s);
  const empty = candidates.filter((r) => !endpoints[r.name]);
  if (empty.length > 0) notes.push(`service ${s.name}: region(s) ${empty.map((r) => r.name).join(', ')} list no endpoints; Route 53 leaves them out`);

  const checks = new HealthChecks(s);
  const records = (['A', 'AAAA'] as const).flatMap((type) => {
    const members = candidates
      .map((r) => ({ region: r, ips: (endpoints[r.name] ?? []).filter((ip) => familyOf(ip) === type) }))
      .filter((m) => m.ips.length > 0);
    return recordsFor(s, type, members, checks, notes);
  });
  if (records.length === 0) {
    throw new InputError(`export aws-cdk: service '${s.name}': no region its ${s.policy.type} policy answers with lists endpoints, so Route 53 would have no record`);
  }
  return { service: s.name, name: fqdn(t, s), healthChecks: checks.all(), records };
}

interface Member {
  readonly region: Region;
  readonly ips: readonly string[];
}

function recordsFor(s: Service, type: RecordType, members: readonly Member[], checks: HealthChecks, notes: string[]): RecordPlan[] {
  const record = (m: Member, routing: Routing): RecordPlan => ({
    id: `${s.name}-${m.region.name}-${type}`,
    type,
    setIdentifier: m.region.name,
    values: m.ips,
    healthCheck: checks.forRegion(m.region.name, type, m.ips),
    routing,
  });
  const p = s.policy;
  switch (p.type) {
    case 'failover': {
      // Route 53 failover has two roles only: the first two regions of the order that have addresses.
      const dropped = members.slice(2).map((m) => m.region.name);
      if (dropped.length > 0) notes.push(`service ${s.name} (${type}): Route 53 failover has only PRIMARY and SECONDARY; ${dropped.join(', ')} left out`);
      return members.slice(0, 2).map((m, i) => record(m, { policy: 'failover', role: i === 0 ? 'PRIMARY' : 'SECONDARY' }));
    }
    case 'weighted': {
      const scale = route53Weights(p.weights);
      if (scale.scaled && type === 'A') notes.push(`service ${s.name}: weights scaled to Route 53's 0-${MAX_ROUTE53_WEIGHT}`);
      return members.map((m) => record(m, { policy: 'weighted', weight: scale.weight(m.region.name) }));
    }
    case 'latency':
      return members.map((m) => record(m, { policy: 'latency', awsRegion: awsRegionOf(m.region, s) }));
    case 'geo':
      return members.map((m) => record(m, geoproximity(m.region, s)));
    case 'all-healthy':
      // Multivalue answers: one record per address, each with that address's own check.
      return members.flatMap((m) => m.ips.map((ip): RecordPlan => ({
        id: `${s.name}-${m.region.name}-${token(ip)}`,
        type,
        setIdentifier: `${m.region.name}-${token(ip)}`,
        values: [ip],
        healthCheck: checks.forAddress(m.region.name, ip),
        routing: { policy: 'multivalue' },
      })));
  }
}

/** The regions a policy may answer with, in the policy's (failover) or the topology's order. */
function policyRegions(t: Topology, s: Service): readonly Region[] {
  const byName = (names: readonly string[]) => names.map((n) => t.regions.find((r) => r.name === n)).filter((r): r is Region => r !== undefined);
  const p = s.policy;
  if (p.type === 'failover') return byName(p.order);
  if (p.type === 'weighted') return t.regions.filter((r) => r.name in p.weights);
  return p.regions ? t.regions.filter((r) => p.regions?.includes(r.name)) : t.regions;
}

function route53Weights(weights: Readonly<Record<string, number>>): { scaled: boolean; weight: (region: string) => number } {
  const heaviest = Math.max(...Object.values(weights));
  const scaled = heaviest > MAX_ROUTE53_WEIGHT;
  return {
    scaled,
    weight: (region) => {
      const w = weights[region] ?? 0;
      return !scaled || w === 0 ? w : Math.max(1, Math.round((w * MAX_ROUTE53_WEIGHT) / heaviest));
    },
  };
}

function awsRegionOf(r: Region, s: Service): string {
  if (r.cloud?.provider !== 'aws') {
    throw new InputError(`export aws-cdk: service '${s.name}': Route 53 latency records name an AWS region, and region ${r.name} has no 'cloud: { provider: aws }'`);
  }
  return r.cloud.region;
}

/** Route 53 takes coordinates as strings with at most two decimals. */
function geoproximity(r: Region, s: Service): Routing {
  if (!r.geo) throw new InputError(`export aws-cdk: service '${s.name}': geoproximity records need 'geo' on region ${r.name}`);
  return { policy: 'geoproximity', latitude: r.geo.lat.toFixed(2), longitude: r.geo.lon.toFixed(2) };
}

/** Builds each check once, in the order records first use them. */
class HealthChecks {
  private readonly checks = new Map<string, HealthCheckPlan>();
  constructor(private readonly service: Service) {}

  forAddress(region: string, ip: string): string {
    const id = `${this.service.name}-${region}-${token(ip)}`;
    if (!this.checks.has(id)) {
      const h = this.service.health;
      this.checks.set(id, {
        id, type: 'HTTP', region, ip, port: this.service.port, path: h.path,
        requestInterval: healthInterval(this.service), failureThreshold: clamp(h.unhealthyThreshold, 1, 10),
      });
    }
    return id;
  }

  /** One address: its own check. Several: healthy while any of them is. */
  forRegion(region: string, type: RecordType, ips: readonly string[]): string {
    const children = ips.map((ip) => this.forAddress(region, ip));
    if (children.length === 1) return children[0] as string;
    const id = `${this.service.name}-${region}-${type === 'A' ? 'ipv4' : 'ipv6'}`;
    if (!this.checks.has(id)) this.checks.set(id, { id, type: 'CALCULATED', region, children });
    return id;
  }

  all(): HealthCheckPlan[] {
    return [...this.checks.values()];
  }
}

function familyOf(ip: string): RecordType {
  return isIPv4(ip) ? 'A' : 'AAAA';
}

/** An address as an id part: `198.51.100.10` → `198-51-100-10`, `2001:db8::10` → `2001-db8--10`. */
function token(ip: string): string {
  return ip.replace(/[.:]/g, '-');
}

const PRIVATE = new BlockList();
for (const [net, prefix] of [['10.0.0.0', 8], ['172.16.0.0', 12], ['192.168.0.0', 16], ['127.0.0.0', 8], ['169.254.0.0', 16], ['100.64.0.0', 10]] as const) {
  PRIVATE.addSubnet(net, prefix, 'ipv4');
}
for (const [net, prefix] of [['fc00::', 7], ['fe80::', 10], ['::1', 128]] as const) PRIVATE.addSubnet(net, prefix, 'ipv6');

function isPrivate(ip: string): boolean {
  return PRIVATE.check(ip, isIPv4(ip) ? 'ipv4' : 'ipv6');
}
