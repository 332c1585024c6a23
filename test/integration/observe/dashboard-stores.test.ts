/**
 * The dashboard's data-store and runbook sections in real Chromium, fed by the real observe
 * routes with a status document as a supervising agent reports it (written here, and changed
 * step by step to play a runbook: running etcd and PostgreSQL is the failover tests' job).
 * Screenshots: test-artifacts/dashboard-stores.png, dashboard-runbook-running.png.
 */
import { mkdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { once } from 'node:events';
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { chromium, type Browser } from 'playwright-core';
import { AgentObserver, observeRoutes, type ObserveRoutes } from '../../../src/observe/index.ts';
import type { RunbookStatus, StoresStatus } from '../../../src/agent/store/index.ts';
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

/** What the agent reports now; the runbook test swaps it as a coordinator's status would change. */
let current: StoresStatus = stores;
let server: Server;
let routes: ObserveRoutes;
let browser: Browser;
let url: string;

before(async () => {
  const state = { ...stateOf(view('ra', {})), stores };
  const observer = new AgentObserver({ topology: TOPOLOGY, region: 'ra', bootId: 'b1', state: () => state, defaultMetrics: false });
  observer.storesObserved();
  const status = () => ({ region: 'ra', bootId: 'b1', viewSeq: 1, atMs: T, staleAfterMs: 1_500, peers: [], services: [], answers: [], stores: current });
  routes = observeRoutes({ observer, status, streamIntervalMs: 300 });
  server = createServer((req, res) => {
    if (req.url === '/status') return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(status()));
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
  assert.match(await runbook.locator('.head').innerText(), /COMPLETED\s+failover: promote rb\s+on ra, started \d\d:\d\d:\d\d, ended \d\d:\d\d:\d\d .* after 0\.80 s/);
  assert.equal(await runbook.locator('tbody tr').count(), 3);
  assert.match(await runbook.locator('tbody tr').nth(1).innerText(), /^s2 \(promote\)\s+timeline 4\s+ok\s+\d\d:\d\d:\d\d\.\d{3}\s+0\.50 s$/);
  // The observer turned the finished runbook into timeline events, dated by each step's end.
  await page.waitForSelector('.event[data-kind="failover.step"] .sum:has-text("orders: failover step s2 ok: timeline 4")');
  await page.waitForSelector('.event .sum:has-text("orders: ra\'s database fenced (a newer term exists)")');
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: `${ARTIFACTS}dashboard-stores.png`, fullPage: true });
});

test('a running runbook is shown live: steps so far, the current one, those to come; then the outcome', async () => {
  const page = await browser.newPage({ viewport: { width: 1366, height: 768 } }); // a laptop screen
  await page.goto(url);
  const panel = page.locator('#runbook [data-runbook="orders"]');
  await panel.waitFor({ timeout: 10_000 });
  const t0 = Date.now();
  const at = (ms: number) => new Date(t0 + ms).toISOString();
  const base = stores.stores[0] ?? assert.fail('no store');
  const record = (stepId: string, kind: string, result: string, detail: string, from: number, to?: number) =>
    ({ stepId, kind, result, detail, token: '5', startedAt: at(from), ...(to !== undefined ? { endedAt: at(to) } : {}) });
  const opened = record('runbook', 'runbook', 'started', 'promote rc; 3 step(s): s1, s2, s3', 0);
  const s1 = [record('s1', 'fence-old', 'started', 'rb lost its lease', 10), record('s1', 'fence-old', 'ok', 'fenced', 10, 300)];
  const s2 = [record('s2', 'promote', 'started', 'rc is the most caught-up replica', 310)];
  const runbook = (steps: RunbookStatus['steps'], outcome: RunbookStatus['outcome'] = 'running'): RunbookStatus =>
    ({ runbookId: 'rb-2', kind: 'failover', summary: 'promote rc', outcome, steps });
  const report = (over: Partial<StoresStatus['stores'][number]>) => {
    current = { supervised: true, stores: [{ ...base, lastPlan: { at: at(0), kind: 'run', reason: 'promote rc', executed: true, runbookId: 'rb-2', steps: ['s1', 's2', 's3'] }, ...over }] };
  };

  report({ runningRunbook: runbook([opened, ...s1, ...s2]) });
  await page.waitForSelector('#runbook [data-runbook="orders"][data-runbook-state="running"]', { timeout: 3_000 });
  const states = () => panel.locator('tbody tr').evaluateAll((rows) => rows.map((r) => `${r.getAttribute('data-step')}:${r.getAttribute('data-step-state')}`));
  assert.deepEqual(await states(), ['s1:ok', 's2:running', 's3:pending']);
  assert.match(await panel.locator('.current').innerText(), /^now: s2 \(promote\) for \d+\.\d\d s - rc is the most caught-up replica$/);
  assert.match(await panel.locator('.head').innerText(), /RUNNING[\s\S]*failover: promote rc[\s\S]*on ra, started \d\d:\d\d:\d\d, running for [\d.]+ s, 1\/3 steps done/);
  const pill = page.locator('#runbook-now');
  assert.equal(await pill.innerText(), 'orders: failover running, 1/3 steps, now s2');
  assert.ok(await pill.isVisible(), 'the header says a runbook runs, whatever is scrolled into view');
  // The panel is on the first screen of a laptop, beside the regions, not below the stores.
  const box = await page.locator('#runbook').boundingBox() ?? assert.fail('no box'); // #runbook stays; its content is re-rendered
  assert.ok(box.y < 768, `runbook panel at y=${box.y}`);
  await page.screenshot({ path: `${ARTIFACTS}dashboard-runbook-running.png` });

  // The next step: the page follows without a reload.
  const s2done = [...s2, record('s2', 'promote', 'ok', 'timeline 5', 310, 900)];
  report({ runningRunbook: runbook([opened, ...s1, ...s2done, record('s3', 'repoint-dns', 'started', 'primary name to rc', 910)]) });
  await page.waitForSelector('#runbook [data-runbook="orders"] .current[data-current-step="s3"]', { timeout: 3_000 });
  assert.deepEqual(await states(), ['s1:ok', 's2:ok', 's3:running']);

  // It ends: the last runbook with its steps and outcome; the header pill goes away.
  const s3done = [record('s3', 'repoint-dns', 'started', 'primary name to rc', 910), record('s3', 'repoint-dns', 'ok', '', 910, 1_000)];
  const closed = record('runbook', 'runbook', 'ok', 'all 3 step(s) done', 0, 1_010);
  report({ runningRunbook: null, lastRunbook: runbook([opened, ...s1, ...s2done, ...s3done, closed], 'completed') });
  await page.waitForSelector('#runbook [data-runbook="orders"][data-runbook-state="ended"]', { timeout: 3_000 });
  assert.deepEqual(await states(), ['s1:ok', 's2:ok', 's3:ok']);
  assert.match(await panel.locator('.head').innerText(), /COMPLETED[\s\S]*on ra, started \d\d:\d\d:\d\d, ended \d\d:\d\d:\d\d \([\d.]+ s ago\) after 1\.01 s/);
  assert.equal(await panel.locator('.current').count(), 0);
  assert.equal(await pill.isVisible(), false);
});

test('a failover waiting for approval is on the store, with the commands that answer it; then approved; off says so', async () => {
  const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  await page.goto(url);
  const base = stores.stores[0] ?? assert.fail('no store');
  const run = {
    id: 'orders-m3k9x2a', store: 'orders', situation: 'rb@4', subject: 'rb', summary: 'fail over orders away from rb',
    why: 'region rb is down by quorum; its primary lease has expired', steps: [{ id: 'promote:rc', kind: 'promote', reason: 'rc holds the most WAL' }],
    detectedAtMs: T, expiresAtMs: T + 600_000, state: 'pending' as const,
  };
  current = { supervised: true, stores: [{ ...base, approval: { mode: 'manual', run } }] };
  const note = page.locator('#stores [data-approval="orders"]');
  await page.waitForSelector('#stores [data-approval="orders"][data-approval-state="pending"]', { timeout: 5_000 });
  assert.match(await note.innerText(), /^FAILOVER WAITS FOR APPROVAL: run orders-m3k9x2a, fail over orders away from rb \(region rb is down by quorum; its primary lease has expired\); expires \d\d:\d\d:\d\d\.\d{3}; meridian approve orders-m3k9x2a, or meridian reject orders-m3k9x2a$/);
  current = { supervised: true, stores: [{ ...base, approval: { mode: 'manual', run: { ...run, state: 'approved', decidedBy: 'alice' } } }] };
  await page.waitForSelector('#stores [data-approval="orders"][data-approval-state="approved"]', { timeout: 5_000 });
  assert.match(await note.innerText(), /^FAILOVER APPROVED by alice, starts on the coordinator's next tick: run orders-m3k9x2a/);
  current = { supervised: true, stores: [{ ...base, approval: { mode: 'off', run: null } }] };
  await page.waitForSelector('#stores [data-approval="orders"][data-approval-state="off"]', { timeout: 5_000 });
  current = stores;
  await page.waitForSelector('#stores [data-approval="orders"]', { state: 'detached', timeout: 5_000 });
  await page.close();
});
