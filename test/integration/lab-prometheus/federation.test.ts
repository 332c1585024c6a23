/**
 * `lab up --with prometheus` end to end: a Prometheus per region scraping its own agent, a global
 * one in mrd-client federating them. Cutting a region makes its federated series go stale in
 * the global Prometheus (federation target `up` 0) while the other regions keep reporting and the
 * cut region's own Prometheus keeps scraping its agent. Needs root on Linux and the Debian
 * `prometheus`; private MERIDIAN_LAB_DIR, the built-in topology without its store (no etcd or
 * PostgreSQL: faster). Run it under the lab lock: `flock /work/lab.lock node --import tsx --test …`.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, describe, it } from 'node:test';
import { cutRegion, healRegion, httpGet, labDown, MERIDIAN_BIN, netnsExec, PROMETHEUS_KIND, type LiveLabStatus } from '../../../src/lab/index.ts';
import { DEFAULT_TOPOLOGY_YAML } from '../../../src/spec/index.ts';
import { isAlive } from '../../../src/lab/procs.ts';
import { readState } from '../../../src/lab/state.ts';
import { labSkipReason } from '../../support/lab-suite.ts';

const dir = mkdtempSync(join(tmpdir(), 'meridian-lab-prom-test-'));
const labDirPath = join(dir, 'lab');
const env = { ...process.env, MERIDIAN_LAB_DIR: labDirPath, MERIDIAN_LOG_LEVEL: 'silent' };
process.env.MERIDIAN_LAB_DIR = labDirPath; // For the in-process calls (cutRegion, healRegion, labDown).
const noStoresFile = join(dir, 'no-stores.yaml');
writeFileSync(noStoresFile, DEFAULT_TOPOLOGY_YAML.replace(/\nstores:[\s\S]*?\n# Where clients/, '\n# Where clients'));

function meridian(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [MERIDIAN_BIN, ...args], { env, encoding: 'utf8', timeout: 60_000 }, (err, stdout, stderr) => {
      const code = (err as { code?: unknown } | null)?.code;
      resolve({ code: typeof code === 'number' ? code : err ? -1 : 0, stdout, stderr });
    });
  });
}

interface VectorSample {
  readonly metric: Record<string, string>;
  readonly value: [number, string];
}

/** An instant query on a Prometheus HTTP API (a lab address). */
async function query(base: string, promql: string): Promise<VectorSample[]> {
  const res = await httpGet(`${base}/api/v1/query?query=${encodeURIComponent(promql)}`, 2000);
  assert.equal(res.status, 200, `${promql}: HTTP ${res.status} ${res.body}`);
  const doc = JSON.parse(res.body) as { status: string; data: { resultType: string; result: VectorSample[] } };
  assert.equal(doc.data.resultType, 'vector');
  return doc.data.result;
}

/** Polls `check` every 250 ms until it returns true; fails with the last `describe()` after `ms`. */
async function eventually(ms: number, what: string, check: () => Promise<boolean>, describe: () => Promise<string>): Promise<number> {
  const start = Date.now();
  while (Date.now() - start < ms) {
    if (await check().catch(() => false)) return Date.now() - start;
    await sleep(250);
  }
  assert.fail(`${what} not within ${ms} ms; last: ${await describe().catch((e: unknown) => String(e))}`);
}

const regionsOf = (samples: readonly VectorSample[]) => [...new Set(samples.map((s) => s.metric.region ?? '?'))].sort();
const valuesByRegion = (samples: readonly VectorSample[]) => Object.fromEntries(samples.map((s) => [s.metric.region ?? '?', s.value[1]]));

describe('lab up --with prometheus', { skip: labSkipReason({ prometheus: true, curl: true }) }, () => {
  after(async () => {
    await labDown();
    rmSync(dir, { recursive: true, force: true });
  });

  it('federates every region into the global Prometheus; a cut region goes stale there, the others keep reporting', async () => {
    await labDown(); // A lab of an earlier, crashed run in this private dir (cheap when none).
    const up = await meridian('lab', 'up', '-f', noStoresFile, '--with', 'prometheus', '--json');
    assert.equal(up.code, 0, `lab up failed: ${up.stderr}`);
    const status = JSON.parse(up.stdout) as LiveLabStatus;
    assert.deepEqual(status.prometheus, {
      global: 'http://10.231.250.1:9090',
      regions: { 'eu-west': 'http://10.231.1.3:9090', 'us-east': 'http://10.231.2.3:9090', 'ap-south': 'http://10.231.3.3:9090' },
    });
    const proms = [...status.regions.flatMap((r) => r.processes), ...(status.clients[0]?.processes ?? [])].filter((p) => p.kind === PROMETHEUS_KIND);
    assert.deepEqual(proms.map((p) => [p.name, p.alive]).sort(), [
      ['prometheus-ap-south', true], ['prometheus-client', true], ['prometheus-eu-west', true], ['prometheus-us-east', true],
    ]);

    // The same up again changes nothing; without --with it is another lab (like --no-agents).
    const again = await meridian('lab', 'up', '-f', noStoresFile, '--with', 'prometheus');
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /^lab was already up/);
    assert.match(again.stdout, /prometheus: global http:\/\/10\.231\.250\.1:9090/);

    const global = status.prometheus.global;
    const all = ['ap-south', 'eu-west', 'us-east'];
    await eventually(20_000, 'every region federated', async () => regionsOf(await query(global, 'meridian_agent_info')).join() === all.join(),
      async () => JSON.stringify(regionsOf(await query(global, 'meridian_agent_info'))));
    const fedUp = () => query(global, 'up{job="federate"}');
    assert.deepEqual(valuesByRegion(await fedUp()), { 'ap-south': '1', 'eu-west': '1', 'us-east': '1' });
    // Series without a region of their own carry the regional Prometheus's external label.
    assert.deepEqual(regionsOf(await query(global, 'up{job="meridian-agent"}')), all);

    cutRegion('eu-west');
    const staleAfter = await eventually(10_000, "eu-west's federated series stale",
      async () => (await query(global, 'meridian_agent_info{region="eu-west"}')).length === 0 && valuesByRegion(await fedUp())['eu-west'] === '0',
      async () => JSON.stringify({ info: regionsOf(await query(global, 'meridian_agent_info')), up: valuesByRegion(await fedUp()) }));
    assert.ok(staleAfter < 10_000);
    assert.deepEqual(regionsOf(await query(global, 'meridian_agent_info')), ['ap-south', 'us-east'], 'the other regions still report');
    assert.deepEqual(valuesByRegion(await fedUp()), { 'ap-south': '1', 'eu-west': '0', 'us-east': '1' });
    // Inside the cut region, its own Prometheus still scrapes its agent (it keeps its history).
    const inside = await netnsExec('mrd-eu-west', ['curl', '-s', '-g', '-m', '2', 'http://10.231.1.3:9090/api/v1/query?query=up{job="meridian-agent"}']);
    assert.equal(inside.exitCode, 0, inside.stderr);
    assert.deepEqual((JSON.parse(inside.stdout) as { data: { result: VectorSample[] } }).data.result.map((s) => [s.metric.agent, s.value[1]]), [['eu-west', '1']]);

    healRegion('eu-west');
    await eventually(10_000, 'eu-west federated again', async () => regionsOf(await query(global, 'meridian_agent_info')).join() === all.join(),
      async () => JSON.stringify(valuesByRegion(await fedUp())));

    const pids = readState()?.processes.filter((p) => p.kind === PROMETHEUS_KIND) ?? [];
    assert.equal(pids.length, 4);
    const down = await meridian('lab', 'down');
    assert.equal(down.code, 0, down.stderr);
    assert.deepEqual(pids.filter((p) => isAlive(p)).map((p) => p.name), [], 'lab down stops every Prometheus');
  });
});
