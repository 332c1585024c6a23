import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from 'yaml';
import { METRIC_LIST } from '../../../src/observe/index.ts';
import { EXPORT_FILES, FEDERATE_JOB, agentTargets, alertingRules, probeThresholdsMs, prometheusExport } from '../../../src/observe/export/index.ts';
import { globalConfig } from '../../../src/lab/index.ts';
import { parseTopology } from '../../../src/spec/index.ts';
import { TOPOLOGY } from './fixtures.ts';

test('the export is deterministic', () => {
  assert.deepEqual(prometheusExport(TOPOLOGY), prometheusExport(TOPOLOGY));
  assert.deepEqual(Object.keys(prometheusExport(TOPOLOGY)).sort(), Object.values(EXPORT_FILES).sort());
});

test('every metric named in the rules and the dashboard is one the agents expose', () => {
  const files = prometheusExport(TOPOLOGY);
  const known = new Set(METRIC_LIST.flatMap((m) => (m.type === 'histogram' ? [`${m.name}_bucket`, `${m.name}_sum`, `${m.name}_count`] : [m.name])));
  const text = `${files[EXPORT_FILES.rules]}\n${files[EXPORT_FILES.dashboard]}`;
  const used = new Set(text.match(/\bmeridian_[a-z0-9_]+/g) ?? []);
  assert.ok(used.size >= 10, `only ${used.size} metric names found`);
  for (const name of used) if (name !== 'meridian_zone') assert.ok(known.has(name), `${name} is not in the catalog`);
});

test('scrape targets: one per agent, labelled agent (not region), IPv6 in brackets, https and path prefixes kept', () => {
  const topology = parseTopology(`
apiVersion: meridian/v1
zone: z.test
regions:
  - { name: ra, agent: { dns: "10.0.1.1:53", api: "http://10.0.1.1:7700" } }
  - { name: rb, agent: { dns: "[fd00::1]:53", api: "http://[fd00::1]:7700" } }
  - { name: rc, agent: { dns: "10.0.3.1:53", api: "https://agent.rc.example/meridian/" } }
  - { name: rd }
`);
  assert.deepEqual(agentTargets(topology), [
    { region: 'ra', scheme: 'http', hostPort: '10.0.1.1:7700', metricsPath: '/metrics' },
    { region: 'rb', scheme: 'http', hostPort: '[fd00::1]:7700', metricsPath: '/metrics' },
    { region: 'rc', scheme: 'https', hostPort: 'agent.rc.example:443', metricsPath: '/meridian/metrics' },
  ]);
  const config = parse(prometheusExport(topology)[EXPORT_FILES.config] ?? '') as { scrape_configs: { job_name: string; static_configs: { labels: { agent: string } }[] }[] };
  assert.deepEqual(config.scrape_configs.map((j) => [j.job_name, j.static_configs.map((s) => s.labels.agent)]), [
    ['meridian-agent', ['ra', 'rb']],
    ['meridian-agent-2', ['rc']],
  ]);
});

test('a topology without agent addresses is refused with one line', () => {
  const topology = parseTopology('apiVersion: meridian/v1\nzone: z.test\nregions: [{ name: ra }]\n');
  assert.throws(() => prometheusExport(topology), { name: 'InputError', message: /no region has an agent address/ });
});

test('the federation rule waits for the probe thresholds of the topology (the slowest service), and names the lab\'s federation job', () => {
  const slow = parseTopology(`
apiVersion: meridian/v1
zone: z.test
regions:
  - { name: ra, agent: { dns: "10.0.1.1:53", api: "http://10.0.1.1:7700" } }
services:
  - { name: web, hostname: web, port: 80, endpoints: { ra: ["10.0.1.11"] }, policy: { type: all-healthy } }
  - { name: api, hostname: api, port: 80, endpoints: { ra: ["10.0.1.12"] }, health: { interval: 2s, timeout: 1500ms, unhealthyThreshold: 3 }, policy: { type: all-healthy } }
`);
  assert.equal(probeThresholdsMs(slow), 3 * 2_000 + 1_500);
  assert.equal(probeThresholdsMs(), 2 * 500 + 400, 'the schema defaults without a topology');
  type Rules = { groups: { rules: { alert: string; expr: string; for: string }[] }[] };
  const rule = (topology?: typeof slow) => (alertingRules(topology) as Rules).groups.flatMap((g) => g.rules).find((r) => r.alert === 'MeridianRegionLostFromFederation');
  assert.deepEqual([rule(slow)?.expr, rule(slow)?.for], ['up{job="federate"} == 0', '8s']);
  assert.equal(rule()?.for, '2s');
  const rules = parse(prometheusExport(slow)[EXPORT_FILES.rules] ?? '') as Rules;
  assert.equal(rules.groups.flatMap((g) => g.rules).find((r) => r.alert === 'MeridianRegionLostFromFederation')?.for, '8s', 'the export passes its topology');
  // The lab's global Prometheus federates under this job name.
  const federation = globalConfig([{ region: 'ra', hostPort: '10.231.1.3:9090' }]) as { scrape_configs: { job_name: string }[] };
  assert.deepEqual(federation.scrape_configs.map((j) => j.job_name), [FEDERATE_JOB]);
});

test('replication lag rules take the worst reading per standby, then the best standby', () => {
  type Rules = { groups: { rules: { alert: string; expr: string }[] }[] };
  const byName = new Map((alertingRules() as Rules).groups.flatMap((g) => g.rules).map((r) => [r.alert, r.expr]));
  assert.match(byName.get('MeridianReplicationLagOverRpo') ?? '', /^min by \(store\) \(max by \(store, region\) \(meridian_store_replication_lag_seconds\)\) > /);
  assert.match(byName.get('MeridianSyncStoreNoSyncReplica') ?? '', /^max by \(store\) \(min by \(store, region\) \(meridian_store_replica_synchronous\)\) == 0 /);
});
