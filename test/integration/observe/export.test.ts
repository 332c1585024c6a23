/**
 * `meridian export prometheus` output checked by the real promtool: the config and rules are
 * valid, and the key alerts fire (and stay silent) on synthetic series (`promtool test rules`).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { promisify } from 'node:util';
import { stringify } from 'yaml';
import { EXPORT_FILES, writePrometheusExport } from '../../../src/observe/export/index.ts';
import { TOPOLOGY } from '../../unit/observe/fixtures.ts';

const run = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), 'meridian-export-'));
after(() => rmSync(dir, { recursive: true, force: true }));

async function promtool(...args: string[]): Promise<string> {
  try {
    const { stdout, stderr } = await run('promtool', args, { cwd: dir });
    return stdout + stderr;
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message: string };
    assert.fail(`promtool ${args.join(' ')} failed:\n${e.stdout ?? ''}${e.stderr ?? e.message}`);
  }
}

test('promtool check config and check rules accept the export', async () => {
  const written = writePrometheusExport(TOPOLOGY, dir);
  assert.equal(written.length, 3);
  assert.match(await promtool('check', 'config', EXPORT_FILES.config), /SUCCESS: 1 rule files found/);
  assert.match(await promtool('check', 'rules', EXPORT_FILES.rules), /SUCCESS: 14 rules found/);
});

const series = (name: string, labels: Record<string, string>, values: string) => ({
  series: `${name}{${Object.entries(labels).map(([k, v]) => `${k}="${v}"`).join(',')}}`,
  values,
});
const routed = (agent: string, region: string, values: string) =>
  series('meridian_endpoint_routed_up', { agent, job: 'meridian-agent', service: 'web', region, endpoint: `10.0.0.${region.length}` }, values);

const lag = (agent: string, region: string, values: string) =>
  series('meridian_store_replication_lag_seconds', { agent, job: 'meridian-agent', store: 'orders', region }, values);

/** An alert as promtool expects it: severity critical, these labels and annotations. */
const critical = (labels: Record<string, string>, summary: string, description: string) => ({
  exp_labels: { severity: 'critical', ...labels },
  exp_annotations: { summary, description },
});
/** `alertname` is silent at `quietAt` and fires with exactly `alert` at `firingAt`. */
const quietThenFiring = (alertname: string, quietAt: string, firingAt: string, alert: object) => [
  { eval_time: quietAt, alertname, exp_alerts: [] },
  { eval_time: firingAt, alertname, exp_alerts: [alert] },
];
const lagOverRpo = critical(
  { store: 'orders' },
  'Store orders: every replica lags more than the RPO',
  'The least-lagging replica of orders is 6s behind: a failover now would lose more than the RPO allows.',
);

test('alerts fire on synthetic series as intended (promtool test rules)', async () => {
  writePrometheusExport(TOPOLOGY, dir);
  const regionDown = critical(
    { service: 'web', region: 'rc' },
    'Region rc drained from web',
    'A majority of the scraped agents route no endpoint of web in rc: traffic has moved away. Check the dashboard (GET / on any agent) for which vantage points lost it and why, and `meridian events`.',
  );
  const tests = {
    rule_files: [EXPORT_FILES.rules],
    evaluation_interval: '5s',
    tests: [
      {
        name: 'region drained by 2 of 3 agents: down; by 1 of 3 (an isolated agent): not',
        interval: '5s',
        input_series: [
          routed('ra', 'rc', '1 0x20'),
          routed('rb', 'rc', '1 0x20'),
          routed('rc', 'rc', '1x20'),
          routed('rc', 'rb', '1 0x20'), // rc, cut off, drains rb on its own
          routed('ra', 'rb', '1x20'),
          routed('rb', 'rb', '1x20'),
        ],
        alert_rule_test: quietThenFiring('MeridianRegionDown', '5s', '30s', regionDown),
      },
      {
        name: 'replication lag: the best replica over the RPO fires; one replica under it does not',
        interval: '5s',
        input_series: [
          series('meridian_store_rpo_seconds', { agent: 'ra', store: 'orders' }, '5x40'),
          series('meridian_store_replication_lag_seconds', { agent: 'ra', store: 'orders', region: 'rb' }, '1x10 6x30'),
          series('meridian_store_replication_lag_seconds', { agent: 'ra', store: 'orders', region: 'rc' }, '9x40'),
        ],
        alert_rule_test: quietThenFiring('MeridianReplicationLagOverRpo', '40s', '120s', lagOverRpo),
      },
      {
        // As the global Prometheus holds them: one series per standby per agent (and per regional
        // Prometheus). ra's reading of rb is frozen at 1s (cut off from etcd, it keeps its last
        // observation); rb and rc read rb 6s behind. Over everything, min would say 1s and stay quiet.
        name: 'replication lag across agents: one agent\'s stale low reading does not hide a standby over the RPO',
        interval: '5s',
        input_series: [
          series('meridian_store_rpo_seconds', { agent: 'ra', store: 'orders' }, '5x40'),
          series('meridian_store_rpo_seconds', { agent: 'rb', store: 'orders' }, '5x40'),
          lag('ra', 'rb', '1x40'),
          lag('rb', 'rb', '1x10 6x30'),
          lag('rc', 'rb', '1x10 6x30'),
          lag('ra', 'rc', '1x10 9x30'),
          lag('rb', 'rc', '1x10 9x30'),
        ],
        alert_rule_test: quietThenFiring('MeridianReplicationLagOverRpo', '40s', '120s', lagOverRpo),
      },
      {
        // rb streams as the synchronous standby, then drops to async (its link broke and it came
        // back as a potential standby); rc never was one. ra's reading of rb stays 1 (cut off, it
        // keeps its last observation): the worst reading per standby must still count.
        name: 'RPO 0: no replica confirms commits fires; steady replay lag on a synchronous standby does not',
        interval: '5s',
        input_series: [
          series('meridian_store_rpo_seconds', { agent: 'ra', store: 'orders' }, '0x40'),
          series('meridian_store_replication_lag_bytes', { agent: 'rb', store: 'orders', region: 'rb' }, '4096x40'),
          series('meridian_store_replica_synchronous', { agent: 'ra', store: 'orders', region: 'rb' }, '1x40'),
          series('meridian_store_replica_synchronous', { agent: 'rb', store: 'orders', region: 'rb' }, '1x15 0x25'),
          series('meridian_store_replica_synchronous', { agent: 'rb', store: 'orders', region: 'rc' }, '0x40'),
        ],
        alert_rule_test: quietThenFiring('MeridianSyncStoreNoSyncReplica', '70s', '150s', critical(
          { store: 'orders' },
          'Store orders (RPO 0): no replica confirms commits',
          'No replica of the synchronous store orders has streamed as a synchronous standby for 30s: commits wait (writes stall) until one does, and a failover has no caught-up replica to promote.',
        )),
      },
      {
        // syncStrict false: the primary's agent emptied the set when no standby streamed. A short
        // dip (one scrape) stays quiet; 30 s of it fires.
        name: 'a synchronous store running asynchronously (degraded) fires after 30 s',
        interval: '5s',
        input_series: [
          series('meridian_store_sync_degraded', { agent: 'ra', store: 'orders' }, '0x5 1 0x4 1x30'),
          series('meridian_store_sync_degraded', { agent: 'rb', store: 'orders' }, '0x5 1 0x4 1x30'),
        ],
        alert_rule_test: quietThenFiring('MeridianSyncStoreDegraded', '40s', '120s', critical(
          { store: 'orders' },
          'Store orders runs asynchronously: acknowledged writes are on one database only',
          'The synchronous set of orders has been empty for 30s (failover.syncStrict is false and no standby streams): losing its primary now loses acknowledged writes. Bring a standby back (meridian db status, meridian db rejoin).',
        )),
      },
      {
        name: 'a regional Prometheus gone from the global federation longer than the probe thresholds',
        interval: '1s',
        input_series: [
          series('up', { job: 'federate', instance: '10.231.1.3:9090', region: 'eu-west' }, '1x30'),
          series('up', { job: 'federate', instance: '10.231.3.3:9090', region: 'ap-south' }, '1x9 0x20'),
          series('up', { job: 'federate', instance: '10.231.2.3:9090', region: 'us-east' }, '1x9 0 1x19'), // one missed scrape
        ],
        // Down since 10s; the default probe thresholds are 1.4s, so `for: 2s`.
        alert_rule_test: quietThenFiring('MeridianRegionLostFromFederation', '11s', '15s', critical(
          { job: 'federate', instance: '10.231.3.3:9090', region: 'ap-south' },
          'Region ap-south is gone from the global federation',
          'The global Prometheus has not reached the Prometheus of ap-south (10.231.3.3:9090) for longer than the agents take to call a region down: the region is cut off, or its Prometheus stopped. Its series are stale here. Open the dashboard of a surviving agent (GET / on its API) to see whether the agents drained it, and why.',
        )),
      },
      {
        name: 'no lease holder for 30s: coordinator missing; a guard trip fires at once',
        interval: '5s',
        input_series: [
          series('meridian_coordinator_lease_held', { agent: 'ra', store: 'orders' }, '1 1 0x20'),
          series('meridian_coordinator_lease_held', { agent: 'rb', store: 'orders' }, '0x22'),
          series('meridian_split_brain_guard_trips_total', { agent: 'rb', store: 'orders' }, '0x10 1x12'),
        ],
        alert_rule_test: [
          ...quietThenFiring('MeridianCoordinatorMissing', '20s', '60s', critical(
            { store: 'orders' },
            'Store orders has no failover coordinator',
            'No agent is the elected failover coordinator of orders: a primary failure would not be handled. Check the coordination store (etcd) quorum.',
          )),
          {
            eval_time: '60s',
            alertname: 'MeridianSplitBrainGuardTripped',
            exp_alerts: [critical(
              { store: 'orders', agent: 'rb' },
              'Split-brain guard tripped for orders',
              'The database of orders in rb was fenced (it lost the primary lease, or a newer term exists). Check that exactly one primary takes writes; read the failover audit log before anything else.',
            )],
          },
        ],
      },
    ],
  };
  writeFileSync(join(dir, 'alerts.test.yml'), stringify(tests));
  assert.match(await promtool('test', 'rules', 'alerts.test.yml'), /SUCCESS/);
});
