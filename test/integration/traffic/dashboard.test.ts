/**
 * The dashboard's Operator actions in real headless Chromium, against real agents and a real
 * etcd: a drain is confirmed in a dialog and leaves every agent's answers, the drain is listed
 * with who confirmed it and undone from the panel, a drain a safety rule refuses shows the rule
 * and offers Force. Every request the page makes goes to its own agent (same origin, JSON).
 */
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import { waitFor } from '../agent/fixtures.ts';
import { testToken } from '../../support/tokens.ts';
import { REGIONS, postTraffic, startTrafficCluster, type RegionName, type TrafficCluster } from './fixtures.ts';

const ARTIFACTS = new URL('../../../test-artifacts/', import.meta.url).pathname;
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

let cluster: TrafficCluster;
let browser: Browser;
let page: Page;
let origin = '';
const requests: { url: string; method: string; type: string | undefined }[] = [];

before(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  cluster = await startTrafficCluster();
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
  page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  page.on('request', (r) => requests.push({ url: r.url(), method: r.method(), type: r.headers()['content-type'] }));
  // Signed in as the dashboard's sign-in field would do it: the tab's token, in sessionStorage.
  await page.addInitScript((token) => window.sessionStorage.setItem('meridian.token', token), testToken('alice@ops'));
  const ra = cluster.agents.get('ra') ?? assert.fail('no agent ra');
  origin = `http://${ra.api.host}:${ra.api.port}`;
}, { timeout: 60_000 });

after(async () => {
  await browser?.close();
  await cluster?.close();
});

const regionsAt = (r: RegionName) => cluster.agents.get(r)?.status().answers.find((s) => s.service === 'web')?.answers.at(-1)?.regions.join(',');
const everyAgentAnswersWeb = (want: string) =>
  waitFor(`every agent to answer web with ${want}`, async () => (REGIONS.every((r) => regionsAt(r) === want) ? true : undefined), 10_000);

async function confirmDrain(region: string, service: string, who: string): Promise<void> {
  await page.click(`#actions button[data-action="drain"][data-region="${region}"]`);
  await page.waitForSelector('#confirm[open]');
  await page.fill('#confirm-who', who);
  await page.selectOption('#confirm-service', service);
  await page.fill('#confirm-reason', 'patching');
  await page.click('#confirm-ok');
}

test('drain from the dashboard: confirmed in a dialog, every agent leaves the region out, listed with who', { timeout: 60_000 }, async () => {
  await page.goto(`${origin}/`);
  await page.waitForSelector('#actions button[data-action="drain"][data-region="ra"]', { timeout: 10_000 });
  await everyAgentAnswersWeb('ra');
  await confirmDrain('ra', 'web', 'carol');
  await page.waitForSelector('#confirm', { state: 'hidden', timeout: 10_000 });
  await everyAgentAnswersWeb('rb');
  const listed = await page.waitForSelector('#actions li[data-drain="ra/web"]', { timeout: 5_000 });
  assert.match(await listed.innerText(), /^ra drained for web by alice@ops \(patching\) since \S+/);
  await page.waitForSelector('[data-last-action]');
  assert.match(await page.locator('[data-last-action]').innerText(), /last action: applied: ra drained for web by alice@ops/);
});

test('undrain from the panel restores the answers', { timeout: 60_000 }, async () => {
  await page.click('#actions li[data-drain="ra/web"] button[data-action="undrain"]');
  await page.waitForSelector('#confirm[open]');
  assert.equal(await page.inputValue('#confirm-who'), 'carol', 'the name is remembered in this browser');
  await page.click('#confirm-ok');
  await everyAgentAnswersWeb('ra');
  await page.waitForSelector('#actions li[data-drain="ra/web"]', { state: 'detached', timeout: 5_000 });
});

test('a drain a safety rule refuses shows the rule in the dialog and offers Force', { timeout: 90_000 }, async () => {
  await Promise.all([cluster.servers.rb.stop(), cluster.servers.rc.stop()]);
  try {
    await waitFor('rb and rc routed down', async () => (REGIONS.every((r) => cluster.agents.get(r)?.status().services.every((s) => s.regions.filter((g) => g.region !== 'ra').every((g) => g.endpoints.every((e) => e.routed === 'down')))) ? true : undefined), 15_000);
    await confirmDrain('ra', 'web', 'carol');
    await page.waitForSelector('#confirm-force:not([hidden])', { timeout: 10_000 });
    assert.match(await page.innerText('#confirm-result'), /^refused: refused by rule last-healthy-region: service web would have no healthy, undrained region left/);
    await page.screenshot({ path: `${ARTIFACTS}dashboard-traffic-refused.png` });
    await everyAgentAnswersWeb('ra');
    await page.click('#confirm-force');
    await page.waitForSelector('#confirm', { state: 'hidden', timeout: 10_000 });
    await page.waitForSelector('#actions li[data-drain="ra/web"]', { timeout: 5_000 });
    assert.match(await page.innerText('#actions li[data-drain="ra/web"]'), /FORCED/);
  } finally {
    await Promise.all([cluster.servers.rb.start(), cluster.servers.rc.start()]);
    await postTraffic(cluster.agents.get('rb') ?? assert.fail('no rb'), 'undrain', { region: 'ra', by: 'test' });
  }
});

test('every request of the page went to its own agent; its POSTs were JSON', () => {
  const foreign = requests.filter((r) => !r.url.startsWith(`${origin}/`));
  assert.deepEqual(foreign, []);
  const posts = requests.filter((r) => r.method === 'POST');
  assert.ok(posts.length >= 4, JSON.stringify(posts));
  for (const p of posts) {
    assert.match(p.url, /\/v1\/traffic\/(drain|undrain)$/);
    assert.equal(p.type, 'application/json');
  }
});
