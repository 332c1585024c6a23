/**
 * Cross-checks of the fields only the exports use (cloud placement, waves, Aurora, Global
 * Accelerator, Route 53): each a clear error at its path, like the rest of the topology.
 */
import type { Topology } from './schema.ts';
import type { SpecIssue } from './issue.ts';

export function checkCloudReferences(t: Topology, regions: ReadonlySet<string>): SpecIssue[] {
  return [...checkWaves(t, regions), ...checkAccounts(t), ...checkAurora(t), ...checkAccelerators(t)];
}

function checkWaves(t: Topology, regions: ReadonlySet<string>): SpecIssue[] {
  if (!t.waves) return [];
  const issues: SpecIssue[] = [];
  const placed = new Map<string, number>();
  t.waves.forEach((wave, i) => wave.forEach((r, j) => {
    const path = ['waves', i, j];
    if (!regions.has(r)) issues.push({ path, message: `unknown region '${r}' (regions: ${[...regions].join(', ')})` });
    else if (placed.has(r)) issues.push({ path, message: `region '${r}' is already in wave ${placed.get(r)! + 1}; a region syncs in exactly one wave` });
    else placed.set(r, i);
  }));
  const missing = [...regions].filter((r) => !placed.has(r));
  if (missing.length > 0 && issues.length === 0) {
    issues.push({ path: ['waves'], message: `region(s) ${missing.join(', ')} are in no wave; every region must be in exactly one` });
  }
  return issues;
}

function checkAccounts(t: Topology): SpecIssue[] {
  return t.regions.flatMap((r, i) =>
    r.cloud?.provider === 'aws' && r.cloud.account !== undefined && !/^\d{12}$/.test(r.cloud.account)
      ? [{ path: ['regions', i, 'cloud', 'account'], message: `an AWS account id is 12 digits, not '${r.cloud.account}'` }]
      : []);
}

function nonAws(t: Topology, names: readonly string[]): string[] {
  return names.filter((n) => {
    const region = t.regions.find((r) => r.name === n);
    return region !== undefined && region.cloud?.provider !== 'aws';
  });
}

function checkAurora(t: Topology): SpecIssue[] {
  return t.stores.flatMap((s, i) => {
    if (s.engine !== 'aurora-postgresql') return [];
    const outside = nonAws(t, [s.primaryRegion, ...s.replicaRegions]);
    return outside.length === 0 ? [] : [{
      path: ['stores', i, 'engine'],
      message: `'aurora-postgresql' runs only in AWS; region(s) ${outside.join(', ')} have no 'cloud: { provider: aws }'`,
    }];
  });
}

function checkAccelerators(t: Topology): SpecIssue[] {
  return t.services.flatMap((s, i) => {
    if (!s.globalAccelerator) return [];
    const outside = nonAws(t, t.regions.map((r) => r.name));
    return outside.length === 0 ? [] : [{
      path: ['services', i, 'globalAccelerator'],
      message: `a Global Accelerator needs every region in AWS; region(s) ${outside.join(', ')} have no 'cloud: { provider: aws }'`,
    }];
  });
}
