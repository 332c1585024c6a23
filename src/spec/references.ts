/**
 * Checks the schema cannot express: names that must refer to something declared elsewhere,
 * uniqueness, and values that only make sense together. Pure; returns issues with their paths
 * so the loader can point at the exact line and column.
 */
import { checkCloudReferences } from './cloud-references.ts';
import type { SpecIssue } from './issue.ts';
import type { Topology } from './schema.ts';

export type { SpecIssue } from './issue.ts';

export function checkReferences(t: Topology): SpecIssue[] {
  const issues: SpecIssue[] = [];
  const regions = new Set(t.regions.map((r) => r.name));
  const known = [...regions].join(', ');
  const unknownRegion = (path: (string | number)[], region: string, atKey = false) =>
    issues.push({ path, atKey, message: `unknown region '${region}' (regions: ${known})` });

  reportDuplicates(t.regions.map((r) => r.name), ['regions'], 'region name', issues, 'name');
  reportDuplicates(t.services.map((s) => s.name), ['services'], 'service name', issues, 'name');
  reportDuplicates(t.services.map((s) => s.hostname), ['services'], 'service hostname', issues, 'hostname');
  reportDuplicates(t.clientNetworks.map((c) => c.name), ['clientNetworks'], 'client network name', issues, 'name');

  t.services.forEach((s, i) => {
    const at = ['services', i];
    if (/^ns-/.test(s.hostname) && regions.has(s.hostname.slice(3))) {
      issues.push({ path: [...at, 'hostname'], message: `'${s.hostname}' is the name server name of region '${s.hostname.slice(3)}'` });
    }
    if (s.health.timeout >= s.health.interval) {
      issues.push({ path: [...at, 'health', 'timeout'], message: `timeout (${s.health.timeout}ms) must be shorter than interval (${s.health.interval}ms)` });
    }
    for (const region of Object.keys(s.endpoints ?? {})) {
      if (!regions.has(region)) unknownRegion([...at, 'endpoints', region], region, true);
    }
    const p = s.policy;
    if (p.type === 'failover') {
      p.order.forEach((r, j) => regions.has(r) || unknownRegion([...at, 'policy', 'order', j], r));
      reportDuplicates(p.order, [...at, 'policy', 'order'], 'region', issues);
    } else if (p.type === 'weighted') {
      for (const r of Object.keys(p.weights)) if (!regions.has(r)) unknownRegion([...at, 'policy', 'weights', r], r, true);
      if (Object.values(p.weights).every((w) => w === 0)) {
        issues.push({ path: [...at, 'policy', 'weights'], message: 'at least one region needs a weight above 0' });
      }
    } else {
      p.regions?.forEach((r, j) => regions.has(r) || unknownRegion([...at, 'policy', 'regions', j], r));
    }
    const candidates = candidateCount(t, p);
    if (s.minHealthyRegions !== undefined && s.minHealthyRegions > candidates) {
      issues.push({ path: [...at, 'minHealthyRegions'], message: `minHealthyRegions ${s.minHealthyRegions} is more than the ${candidates} region(s) policy '${p.type}' can answer with: every drain would be refused` });
    }
    for (const region of Object.keys(s.capacity?.instances ?? {})) {
      if (!regions.has(region)) unknownRegion([...at, 'capacity', 'instances', region], region, true);
    }
    if (s.capacity?.load && s.capacity.load.interval < 1000) {
      issues.push({ path: [...at, 'capacity', 'load', 'interval'], message: `interval ${s.capacity.load.interval}ms is too short: every agent queries Prometheus this often (at least 1s)` });
    }
    if ((p.type === 'geo' || p.type === 'latency') && !hasLocations(t)) {
      issues.push({ path: [...at, 'policy', 'type'], message: `policy '${p.type}' needs 'geo' on every region it may answer with` });
    }
  });

  reportDuplicates(t.stores.map((s) => s.name), ['stores'], 'store name', issues, 'name');
  const hostnames = new Set(t.services.map((s) => s.hostname));
  t.stores.forEach((s, i) => {
    const at = ['stores', i];
    if (!regions.has(s.primaryRegion)) unknownRegion([...at, 'primaryRegion'], s.primaryRegion);
    s.replicaRegions.forEach((r, j) => {
      if (!regions.has(r)) unknownRegion([...at, 'replicaRegions', j], r);
      if (r === s.primaryRegion) issues.push({ path: [...at, 'replicaRegions', j], message: `replica region '${r}' is the primary region; replicas must be in other regions` });
    });
    reportDuplicates(s.replicaRegions, [...at, 'replicaRegions'], 'replica region', issues);
    if (s.replication === 'sync' && s.replicaRegions.length === 0) {
      issues.push({ path: [...at, 'replication'], message: "'sync' needs at least one replica region (a commit waits for a standby in another region)" });
    }
    for (const key of ['primaryHostname', 'replicaHostname'] as const) {
      const host = s[key];
      if (host && hostnames.has(host)) issues.push({ path: [...at, key], message: `'${host}' is already a service or store hostname` });
      if (host) hostnames.add(host);
    }
    for (const region of Object.keys(s.endpoints ?? {})) {
      if (!regions.has(region)) unknownRegion([...at, 'endpoints', region], region, true);
      else if (region !== s.primaryRegion && !s.replicaRegions.includes(region)) {
        issues.push({ path: [...at, 'endpoints', region], atKey: true, message: `region '${region}' holds no member of store '${s.name}'` });
      }
    }
  });

  if (t.failover.leaseTtl < 2000) {
    issues.push({ path: ['failover', 'leaseTtl'], message: 'leaseTtl must be at least 2s (etcd grants leases in whole seconds, 2s minimum)' });
  }

  t.clientNetworks.forEach((c, i) => {
    for (const r of Object.keys(c.latencyMs ?? {})) if (!regions.has(r)) unknownRegion(['clientNetworks', i, 'latencyMs', r], r, true);
  });
  issues.push(...checkCloudReferences(t, regions));
  return issues;
}

/** Regions a policy may answer with: weighted counts every listed region (an operator may raise a 0 weight). */
function candidateCount(t: Topology, p: Topology['services'][number]['policy']): number {
  if (p.type === 'failover') return p.order.length;
  if (p.type === 'weighted') return Object.keys(p.weights).length;
  return p.regions?.length ?? t.regions.length;
}

function hasLocations(t: Topology): boolean {
  return t.regions.every((r) => r.geo !== undefined);
}

function reportDuplicates(
  values: readonly string[],
  path: (string | number)[],
  what: string,
  issues: SpecIssue[],
  field?: string,
): void {
  const seen = new Set<string>();
  values.forEach((v, i) => {
    if (seen.has(v)) issues.push({ path: field ? [...path, i, field] : [...path, i], message: `duplicate ${what} '${v}'` });
    seen.add(v);
  });
}
