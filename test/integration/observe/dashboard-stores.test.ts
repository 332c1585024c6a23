/**
 * The dashboard's data-store and runbook sections in real Chromium, fed by the real observe
 * routes with a status document as a supervising agent reports it (fixed here: running etcd and
 * PostgreSQL is the failover tests' job). Screenshot: test-artifacts/dashboard-stores.png.
 */
import { mkdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { once } from 'node:events';
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { chromium, type Browser } from 'playwright-core';
import { AgentObserver, observeRoutes, type ObserveRoutes } from '../../../src/observe/index.ts';
import type { StoresStatus } from '../../../src/agent/store/index.ts';
import { TOPOLOGY, stateOf, view } from '../../unit/observe/fixtures.ts';

const ARTIFACTS = new URL('../../../test-artifacts/', import.meta.url).pathname;
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const T = Date.parse('2025-01-01T12:00:00.000Z');
const iso = (ms: number) => new Date(T + ms).toISOString();

const stores = {
  supervised: true,
  stores: [{
    store: 'orders',
    supervised: true,
    etcd: { ok: true },
    primary: { region: 'rb', token: '4', writtenBy: 'ra', at: iso(1_800) },
    lease: { holder: 'rb', token: '4' },
    marks: { rejoin: ['ra'], blocked: [] },
    dns: { 'primary.orders.db.global.test': ['10.0.2.5'] },
    coordinator: { holder: 'ra', token: '11', self: true },
    local: { role: 'standby', fenced: true, needsRejoin: true, leaseToken: null, lastAction: 'fenced', reason: 'a newer term exists', atIso: iso(1_900) },
    lastPlan: { at: iso(1_000), kind: 'run', reason: 'primary ra lost: promote rb', executed: true, runbookId: 'rb-1', steps: ['s1', 's2', 's3'] },
    lastRunbook: {
      runbookId: 'rb-1', kind: 'failover', summary: 'promote rb', outcome: 'completed',
      steps: [
        { stepId: 's1', kind: 'fence-old', result: 'ok', detail: 'ra unreachable: fenced by lease expiry', token: '4', startedAt: iso(1_000), endedAt: iso(1_200) },
        { stepId: 's2', kind: 'promote', result: 'ok', detail: 'timeline 4', token: '4', startedAt: iso(1_200), endedAt: iso(1_700) },
        { stepId: 's3', kind: 'repoint-dns', result: 'ok', detail: '', token: '4', startedAt: iso(1_700), endedAt: iso(1_800) },
      ],
    },
  }],
} satisfies StoresStatus; // the agent's real type: the fixture follows it when it changes

let server: Server;
let routes: ObserveRoutes;
let browser: Browser;
let url: string;

before(async () => {
  const state = { ...stateOf(view('ra', {})), stores };
  const observer = new AgentObserver({ topology: TOPOLOGY, region: 'ra', bootId: 'b1', state: () => state, defaultMetrics: false });
  observer.storesObserved();
  const status = { region: 'ra', bootId: 'b1', viewSeq: 1, atMs: T, staleAfterMs: 1_500, peers: [], services: [], answers: [], stores };
  routes = observeRoutes({ observer, status: () => status, streamIntervalMs: 300 });
  server = createServer((req, res) => {
    if (req.url === '/status') return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(status));
    void routes.handle(req, res).then((handled) => handled || res.writeHead(404).end());
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/`;
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
});

after(async () => {
  await browser?.close();
  routes?.close();
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve));
});

test('stores: primary, coordinator, DNS name, each agent\'s database; runbook: plan and steps; timeline: the steps', async () => {
  const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  await page.goto(url);
  const store = page.locator('#stores [data-store="orders"]');
  await store.waitFor({ timeout: 10_000 });
  const text = await store.innerText();
  assert.match(text, /primary rb \(term 4\)/);
  assert.match(text, /coordinator ra \(token 11\)/);
  assert.match(text, /primary\.orders\.db\.global\.test -> 10\.0\.2\.5/);
  assert.equal(await store.locator('[data-store-agent="ra"] td.cell-down').innerText(), 'FENCED');
  const runbook = page.locator('#runbook [data-runbook="orders"]');
  assert.match(await runbook.innerText(), /failover completed: promote rb/);
  assert.equal(await runbook.locator('tbody tr').count(), 3);
  assert.match(await runbook.locator('tbody tr').nth(1).innerText(), /s2 \(promote\)\s+ok\s+\S+\s+0\.50 s\s+timeline 4/);
  // The observer turned the finished runbook into timeline events, dated by each step's end.
  await page.waitForSelector('.event[data-kind="failover.step"] .sum:has-text("orders: failover step s2 ok: timeline 4")');
  await page.waitForSelector('.event .sum:has-text("orders: ra\'s database fenced (a newer term exists)")');
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: `${ARTIFACTS}dashboard-stores.png`, fullPage: true });
});
