/**
 * The load source end to end on loopback, against a real Prometheus: demo instances count their
 * requests (GET /metrics), Prometheus scrapes them, and the agent's adapter (queryLoad) reads
 * requests/s per region with the query docs/capacity.md recommends; the capacity check then
 * works from those readings. Also: a wrong query comes back as Prometheus' own refusal, and an
 * unreachable first URL falls over to the next. Skipped without /usr/bin/prometheus.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { capacityCheck, instanceCount, queryLoad, withReadings } from '../../../src/capacity/index.ts';
import { parseListen, startDemoApp, type DemoApp } from '../../../src/demo/index.ts';
import { parseTopology } from '../../../src/spec/index.ts';
import { freePort } from '../../support/ports.ts';

const BIN = process.env.MERIDIAN_PROMETHEUS_BIN ?? '/usr/bin/prometheus';
const QUERY = 'sum by (region) (rate(meridian_demo_requests_total{service="web"}[5s]))';
const REGIONS = ['eu-west', 'us-east'];

describe('load from a real Prometheus', { skip: existsSync(BIN) ? false : `no Prometheus at ${BIN}` }, () => {
  const apps: DemoApp[] = [];
  let prometheus: ChildProcess | undefined;
  let dir = '';
  let url = '';
  let sender: NodeJS.Timeout | undefined;

  before(async () => {
    for (const region of REGIONS) apps.push(await startDemoApp({ identity: { region, service: 'web', instance: 1 }, listen: [parseListen('127.0.0.1:0')] }));
    dir = mkdtempSync(join(tmpdir(), 'meridian-prom-load-'));
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    const targets = apps.map((a) => `127.0.0.1:${a.addresses[0]!.port}`);
    writeFileSync(join(dir, 'prometheus.yml'), [
      'global: { scrape_interval: 1s, scrape_timeout: 900ms }',
      'scrape_configs:',
      `  - job_name: demo`,
      `    static_configs: [{ targets: [${targets.map((t) => `"${t}"`).join(', ')}] }]`,
      '',
    ].join('\n'));
    prometheus = spawn(BIN, [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn'], { stdio: 'ignore' });
    await until(async () => (await fetch(`${url}/-/ready`).catch(() => undefined))?.ok === true, 30_000, 'Prometheus ready');
    // Users of eu-west only: about 20 requests/s; us-east serves nothing (but is scraped: 0, not absent).
    const euWest = `http://127.0.0.1:${apps[0]!.addresses[0]!.port}/`;
    sender = setInterval(() => void fetch(euWest).then((r) => r.arrayBuffer()).catch(() => undefined), 50);
  });

  after(async () => {
    if (sender) clearInterval(sender);
    if (prometheus?.pid !== undefined) {
      const exited = new Promise((resolve) => prometheus?.once('exit', resolve));
      process.kill(prometheus.pid, 'SIGTERM');
      await exited;
    }
    await Promise.all(apps.map((a) => a.close()));
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('reads requests/s per region, and the capacity check works from the readings', async () => {
    let rps = new Map<string, number>();
    await until(async () => {
      const got = await queryLoad({ urls: [url], query: QUERY, regionLabel: 'region', regions: REGIONS, timeoutMs: 2000 });
      if (got.kind === 'ok') rps = new Map(got.rps);
      return (rps.get('eu-west') ?? 0) > 0 && rps.has('us-east');
    }, 30_000, 'a rate for both regions');
    assert.equal(rps.get('us-east'), 0, 'a region without users serves 0 req/s');
    assert.ok((rps.get('eu-west') ?? 0) > 0);

    const topology = parseTopology(`apiVersion: meridian/v1
zone: t.test
regions: [{ name: eu-west }, { name: us-east }]
services:
  - name: web
    hostname: web
    port: 80
    endpoints: { eu-west: ["127.0.0.1"], us-east: ["127.0.0.2"] }
    policy: { type: all-healthy }
    capacity: { perInstance: 1000, load: { prometheus: "${url}", query: '${QUERY}' } }
`);
    const web = topology.services[0]!;
    const health = { atMs: 0, endpoints: new Map(), reachablePeers: [] };
    const check = capacityCheck({
      service: web, candidates: REGIONS, instances: (r) => instanceCount(web, r, health), load: withReadings(undefined, rps, 0), lost: ['eu-west'], nowMs: 0,
    });
    assert.equal(check.kind, 'checked');
    if (check.kind === 'checked') assert.equal(check.loadToAbsorbRps, rps.get('eu-west'));
  });

  it('a wrong query is Prometheus\' own refusal, not retried elsewhere', async () => {
    const got = await queryLoad({ urls: [url], query: 'sum by (region) (rate(x[', regionLabel: 'region', regions: REGIONS, timeoutMs: 2000 });
    assert.equal(got.kind, 'error');
    assert.match(got.kind === 'error' ? got.reason : '', /^Prometheus refused the query: .*parse error/);
  });

  it('an unreachable first URL falls over to the next', async () => {
    const dead = `http://127.0.0.1:${await freePort()}`;
    const got = await queryLoad({ urls: [dead, url], query: QUERY, regionLabel: 'region', regions: REGIONS, timeoutMs: 2000 });
    assert.equal(got.kind, 'ok');
  });
});

async function until(check: () => Promise<boolean>, withinMs: number, what: string): Promise<void> {
  const deadline = Date.now() + withinMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what} after ${withinMs} ms`);
    await new Promise((r) => setTimeout(r, 250));
  }
}
