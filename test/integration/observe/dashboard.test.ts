/**
 * The live dashboard in real headless Chromium, served by real agents on loopback: every region
 * is shown, a region whose endpoints stop turns red within the probe thresholds (with why), the
 * page reads nothing but its own agent (which reads the others: no CORS), and when that agent
 * dies the page says so and links to the other agents' dashboards.
 * Screenshots go to test-artifacts/ (gitignored).
 */
import { mkdirSync } from 'node:fs';
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { chromium, type Browser, type Page } from 'playwright-core';
import { REGIONS, startCluster, type Cluster } from './cluster.ts';

const ARTIFACTS = new URL('../../../test-artifacts/', import.meta.url).pathname;
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
/** The page polls other agents every second and renders within 100 ms of news. */
const PAGE_POLL_MS = 1_000;

let cluster: Cluster;
let browser: Browser;
let page: Page;
const requested: string[] = [];
/** What the page requested while it was ra's: before the link to another agent's dashboard was followed. */
let requestedFromRa: string[] = [];
const consoleErrors: string[] = [];

before(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  cluster = await startCluster('127.0.92');
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
  page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  page.on('request', (r) => requested.push(r.url()));
  page.on('console', (m) => m.type() === 'error' && consoleErrors.push(m.text()));
  page.on('pageerror', (e) => consoleErrors.push(e.message));
});

after(async () => {
  await browser?.close();
  await cluster?.stop();
});

const card = (region: string, state?: string) => `.region-card[data-region="${region}"]${state ? `[data-state="${state}"]` : ''}`;

test('the dashboard shows every region up, as seen from every vantage point', async () => {
  await page.goto(`${cluster.apiUrl.ra}/`);
  assert.equal(await page.title(), 'Meridian dashboard');
  for (const r of REGIONS) await page.waitForSelector(card(r, 'up'), { timeout: 10_000 });
  // Every vantage cell of every region card is up: the page read every agent.
  await page.waitForFunction(() => {
    const cells = [...document.querySelectorAll('.region-card td[data-vantage]')];
    return cells.length === 3 * 3 * 3 && cells.every((c) => c.classList.contains('cell-up'));
  }, undefined, { timeout: 10_000 });
  await page.waitForSelector('#stream.live');
  await page.waitForSelector('.agent.ok[data-agent="rb"]');
  await page.waitForSelector('.agent.ok[data-agent="rc"]');
  const shares = await page.locator('.service[data-service="all"] .bar span').allTextContents();
  assert.deepEqual(shares, ['ra 50%', 'rb 25%', 'rc 25%']);
  // The timeline merges other agents' events, which only their own /v1/events serve.
  await page.waitForFunction(() => new Set([...document.querySelectorAll('.event .src')].map((e) => e.textContent)).size === 3);
});

test('a region whose endpoints stop turns red within the probe thresholds, with why', async () => {
  const health = cluster.topology.services[0]?.health ?? assert.fail('no service');
  const boundMs = health.unhealthyThreshold * health.interval + health.timeout + PAGE_POLL_MS + 1_500;
  const started = Date.now();
  await cluster.cutEndpoints('rc');
  await page.waitForSelector(card('rc', 'down'), { timeout: boundMs });
  const elapsed = Date.now() - started;
  assert.ok(elapsed <= boundMs, `red after ${elapsed} ms`);
  // Red needs a majority of agents; the third vantage point may report a moment later.
  const why = await page.waitForFunction(() => {
    const text = document.querySelector('.region-card[data-region="rc"] .why')?.textContent ?? '';
    return /web: drained from DNS; seen down from ra, rb, rc since \d\d:\d\d:\d\d/.test(text) && /probe: refused/.test(text) && text;
  }, undefined, { timeout: 3_000 }).then((h) => h.jsonValue()).catch(async () => page.locator(`${card('rc')} .why`).innerText());
  assert.match(String(why), /web: drained from DNS; seen down from ra, rb, rc since \d\d:\d\d:\d\d.*probe: refused/);
  // Read in one task: the page re-renders its cards, and a detached card has no computed style.
  const color = await page.evaluate((selector) => {
    const el = document.querySelector(selector);
    return el ? getComputedStyle(el).borderLeftColor : null;
  }, card('rc'));
  assert.equal(color, 'rgb(198, 40, 40)', 'visibly red');
  // Not red; amber is possible on a loaded machine, where one 150 ms probe may time out.
  for (const r of ['ra', 'rb']) assert.notEqual(await page.locator(card(r)).getAttribute('data-state'), 'down');
  await page.waitForFunction(() => [...document.querySelectorAll(`.region-card[data-region="rc"] td[data-vantage]`)].every((c) => c.classList.contains('cell-down')));
  await page.waitForSelector('.service[data-service="all"] .bar span:has-text("ra 67%")');
  await page.waitForSelector('.event.down .sum:has-text("web/rc/127.0.92.41 routed down by rb")');
  await page.waitForTimeout(300); // let the last render settle before the picture
  await page.screenshot({ path: `${ARTIFACTS}dashboard.png`, fullPage: true });
  console.log(`# rc turned red ${elapsed} ms after its endpoints stopped (bound ${boundMs} ms)`);
});

test('the page served by an agent that dies says so, and links to the other agents\' dashboards', async () => {
  await cluster.stopAgent('ra');
  await page.waitForSelector('.agent.stale[data-agent="ra"]', { timeout: 10_000 });
  await page.waitForSelector('#stream.reconnecting');
  await page.waitForFunction(() => /agent ra unreachable from this browser/.test(document.querySelector('.region-card[data-region="ra"] .why')?.textContent ?? ''));
  await page.screenshot({ path: `${ARTIFACTS}dashboard-agent-lost.png`, fullPage: true });
  requestedFromRa = [...requested];
  const link = page.locator('.agent[data-agent="rb"] a.dashboard-link');
  assert.equal(await link.getAttribute('href'), `${cluster.apiUrl.rb}/`);
  await link.click();
  await page.waitForURL(`${cluster.apiUrl.rb}/`);
  await page.waitForSelector(card('rc', 'down'), { timeout: 10_000 });
  await page.waitForSelector('.agent.ok[data-agent="rc"]', { timeout: 10_000 });
});

test('the page read nothing but its own agent, and logged no script error', () => {
  assert.ok(requestedFromRa.length > 0);
  assert.deepEqual(requestedFromRa.filter((u) => new URL(u).origin !== cluster.apiUrl.ra), []);
  const origins = new Set(Object.values(cluster.apiUrl));
  assert.deepEqual(requested.filter((u) => !origins.has(new URL(u).origin)), []);
  // Failed fetches to the stopped agent are expected network errors, not script errors.
  assert.deepEqual(consoleErrors.filter((e) => !/ERR_CONNECTION_REFUSED|Failed to load resource|net::/.test(e)), []);
});
