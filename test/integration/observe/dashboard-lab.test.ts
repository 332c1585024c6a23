/**
 * The dashboard against a running lab, as an on-call engineer would see it: `meridian lab up`
 * (the built-in topology: `lab up` has no option to leave its store out), the dashboard of a
 * surviving region's agent in real headless Chromium (Debian `chromium` through playwright-core),
 * over https (the lab's agents serve their API with certificates of the lab's API CA),
 * every region shown (read through that one agent: same origin), then `meridian lab cut ap-south`:
 * its card turns red within the probe thresholds, and says why (which vantage points lost it,
 * since when). Screenshot:
 * test-artifacts/dashboard-lab.png. Heal and `lab down` always run in `after`.
 * Needs root on Linux (network namespaces), chromium, PostgreSQL 15 and etcd. Only one lab can
 * exist per machine: run it under the lab lock,
 *   flock /work/lab.lock node --import tsx --test test/integration/observe/dashboard-lab.test.ts
 */
import { labAuth } from '../../support/tokens.ts';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import { healRegion, httpGet, labDown, MERIDIAN_BIN, readLabStatus, type LiveLabStatus } from '../../../src/lab/index.ts';
import { loadTopologyFile, type Topology } from '../../../src/spec/index.ts';
import { labApiTrustArgs } from '../../support/chromium-trust.ts';
import { labSkipReason } from '../../support/lab-suite.ts';

const ARTIFACTS = new URL('../../../test-artifacts/', import.meta.url).pathname;
/** As test/integration/observe/dashboard.test.ts launches it. */
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
/** The page polls the agents it does not stream from every second (client.js POLL_MS). */
const PAGE_POLL_MS = 1_000;
/** The view push and merge, the page's render (≤ 100 ms after news), and this test's own polling. */
const SLACK_MS = 1_500;
/** The region cut: a standby's region, so the store keeps its primary and no failover starts. */
const CUT = 'ap-south';
/** The agent whose dashboard is opened: it survives the cut. */
const VIEWER = 'eu-west';

const dir = mkdtempSync(join(tmpdir(), 'meridian-dashboard-lab-'));
const labDirPath = join(dir, 'lab');
const env = { ...process.env, MERIDIAN_LAB_DIR: labDirPath, MERIDIAN_LOG_LEVEL: 'silent' };
process.env.MERIDIAN_LAB_DIR = labDirPath; // For the in-process heal and down in after().

function meridian(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [MERIDIAN_BIN, ...args], { env, encoding: 'utf8', timeout: 120_000 }, (err, stdout, stderr) => {
      const code = (err as { code?: unknown } | null)?.code;
      resolve({ code: typeof code === 'number' ? code : err ? -1 : 0, stdout, stderr });
    });
  });
}

/**
 * From the cut to a vantage point's verdict: at most `unhealthyThreshold` probes, one per
 * interval, the last one failing only at its timeout (a cut drops packets). The slowest
 * service decides when every endpoint of the region is drained.
 */
function probeThresholdsMs(topology: Topology): number {
  return Math.max(...topology.services.map((s) => s.health.unhealthyThreshold * s.health.interval + s.health.timeout));
}

interface TimelineEvent {
  readonly atMs: number;
  readonly kind: string;
  readonly details: { readonly scope?: string; readonly to?: string; readonly key?: string };
}

/**
 * Where the time went, from the agents' own timelines: when the last of the cut region's endpoints
 * was seen down by each surviving vantage point, and drained by its majority, after `fromMs`.
 */
async function detectionBreakdown(agents: readonly { name: string; api: string }[], fromMs: number): Promise<string> {
  const parts = await Promise.all(agents.map(async (a) => {
    const res = await httpGet(`${a.api}/v1/events?since=0`, 2_000, labAuth('viewer'));
    const events = (JSON.parse(res.body) as { events: TimelineEvent[] }).events;
    const last = (scope: string) => Math.max(...events
      .filter((e) => e.kind === 'health.transition' && e.details.scope === scope && e.details.to === 'down' && e.details.key?.includes(`/${CUT}/`))
      .map((e) => e.atMs - fromMs));
    return `${a.name} saw it down at +${last('vantage')} ms, drained it at +${last('routed')} ms`;
  }));
  return parts.join('; ');
}

const card = (region: string, state?: string) => `.region-card[data-region="${region}"]${state ? `[data-state="${state}"]` : ''}`;
const whyOf = (page: Page, region: string) => page.locator(`${card(region)} .why`).innerText().catch(() => '');

describe('the dashboard on a running lab', { skip: labSkipReason({ chromium: true, store: true }) }, () => {
  let status: LiveLabStatus;
  let topology: Topology;
  let browser: Browser;
  let page: Page;
  const requested: string[] = [];

  before(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    await labDown(); // A lab of an earlier, crashed run in this private dir (cheap when none).
    const up = await meridian('lab', 'up', '--json');
    assert.equal(up.code, 0, `lab up failed: ${up.stderr}`);
    status = JSON.parse(up.stdout) as LiveLabStatus;
    topology = loadTopologyFile(status.topologyFile);
    // The agents serve the dashboard over https with the lab's own CA: Chromium admits their keys (chromium-trust.ts).
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: [...CHROMIUM_ARGS, ...labApiTrustArgs(labDirPath)] });
    page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    // Signed in with the lab's viewer token, as the sign-in field keeps it: in this tab's sessionStorage.
    await page.addInitScript((token) => window.sessionStorage.setItem('meridian.token', token), labAuth('viewer').authorization?.replace(/^Bearer /, '') ?? '');
    page.on('request', (r) => requested.push(r.url()));
  });

  after(async () => {
    await browser?.close().catch(() => undefined);
    try {
      if (readLabStatus()?.regions.some((r) => r.cut)) healRegion(CUT);
    } finally {
      await labDown();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it(`shows every region of the lab up, from every vantage point, served by ${VIEWER}'s agent`, async () => {
    const regions = status.regions.map((r) => r.name);
    assert.deepEqual(regions, ['eu-west', 'us-east', 'ap-south']);
    const viewer = status.regions.find((r) => r.name === VIEWER) ?? assert.fail(`no ${VIEWER}`);
    await page.goto(`${viewer.api}/`);
    assert.equal(new URL(page.url()).protocol, 'https:', 'the lab serves its agents\' API over TLS');
    assert.equal(await page.title(), 'Meridian dashboard');
    for (const r of regions) await page.waitForSelector(card(r, 'up'), { timeout: 30_000 });
    const shown = await page.locator('.region-card').evaluateAll((cards) => cards.map((c) => c.getAttribute('data-region')));
    assert.deepEqual(shown.sort(), [...regions].sort(), 'one card per region, no other');
    const cells = regions.length * regions.length * topology.services.length;
    await page.waitForFunction((n) => {
      const tds = [...document.querySelectorAll('.region-card td[data-vantage]')];
      return tds.length === n && tds.every((c) => c.classList.contains('cell-up'));
    }, cells, { timeout: 15_000 });
    await page.waitForSelector('#stream.live');
    for (const r of regions) await page.waitForSelector(`.agent.ok[data-agent="${r}"]`);
    // The lab's store, as the agents read its primary record.
    await page.waitForSelector(`#stores [data-store="orders"] .head:has-text("primary ${topology.stores[0]?.primaryRegion} (term")`, { timeout: 30_000 });
  });

  it(`\`meridian lab cut ${CUT}\` turns its card red within the probe thresholds, with why`, async () => {
    const boundMs = probeThresholdsMs(topology) + PAGE_POLL_MS + SLACK_MS;
    const cut = await meridian('lab', 'cut', CUT);
    // The cut is the command's last act (then it records it and exits): time from its exit.
    const cutAt = Date.now();
    assert.equal(cut.code, 0, cut.stderr);
    const survivors = status.regions.filter((r) => r.name !== CUT);
    await page.waitForSelector(card(CUT, 'down'), { timeout: boundMs + 5_000 }).catch(async () =>
      assert.fail(`${CUT} not red within ${boundMs + 5_000} ms; card says: ${await whyOf(page, CUT)}; ${await detectionBreakdown(survivors, cutAt)}`));
    const elapsed = Date.now() - cutAt;
    const breakdown = await detectionBreakdown(survivors, cutAt);
    console.log(`# ${CUT} turned red ${elapsed} ms after \`lab cut\` returned (bound ${boundMs} ms = probe thresholds ${probeThresholdsMs(topology)} + page poll ${PAGE_POLL_MS} + slack ${SLACK_MS}); ${breakdown}`);
    assert.ok(elapsed <= boundMs, `red after ${elapsed} ms, bound ${boundMs} ms; ${breakdown}`);
    // Read in one task: the page re-renders its cards, and a detached card has no computed style.
    const color = await page.evaluate((selector) => {
      const el = document.querySelector(selector);
      return el ? getComputedStyle(el).borderLeftColor : null;
    }, card(CUT));
    assert.equal(color, 'rgb(198, 40, 40)', 'visibly red');

    // Why: the surviving vantage points see every endpoint down and drained it, since when.
    const others = status.regions.map((r) => r.name).filter((r) => r !== CUT).sort();
    const services = topology.services.map((s) => s.name);
    const why = await page.waitForFunction(({ region, seenBy, names }) => {
      const text = document.querySelector(`.region-card[data-region="${region}"] .why`)?.textContent ?? '';
      return names.every((n) => text.includes(`${n}: drained from DNS; seen down from ${seenBy} since `)) && text;
    }, { region: CUT, seenBy: others.join(', '), names: services }, { timeout: 3_000 }).then((h) => h.jsonValue()).catch(() => whyOf(page, CUT));
    for (const s of services) assert.match(String(why), new RegExp(`${s}: drained from DNS; seen down from ${others.join(', ')} since \\d\\d:\\d\\d:\\d\\d \\([\\d.]+ s ago\\)`));
    // Each surviving vantage point's cell: down, since when (from its own transition event).
    const cellsDown = ({ region, vantages }: { region: string; vantages: string[] }) => vantages.every((v) => {
      const cells = [...document.querySelectorAll(`.region-card[data-region="${region}"] td[data-vantage="${v}"]`)] as HTMLElement[];
      return cells.length > 0 && cells.every((c) => /^down\s*since \d\d:\d\d:\d\d$/.test(c.innerText));
    });
    await page.waitForFunction(cellsDown, { region: CUT, vantages: others }, { timeout: 3_000 }).catch(async () =>
      assert.fail(`vantage cells: ${await page.locator(`${card(CUT)} td[data-vantage]`).allInnerTexts()}`));
    // The other agents lose the cut one as a peer, and so does the page (it reads the others through its own agent).
    await page.waitForFunction(({ region, by, viewer }) => {
      const text = document.querySelector(`.region-card[data-region="${region}"] .why`)?.textContent ?? '';
      return text.includes(`agent ${region} unreachable from ${by}`) && text.includes(`agent ${region} unreachable from ${viewer}, this page's agent`);
    }, { region: CUT, by: others.join(', '), viewer: VIEWER }, { timeout: 15_000 }).catch(async () => assert.fail(`card says: ${await whyOf(page, CUT)}`));
    for (const r of others) assert.notEqual(await page.locator(card(r)).getAttribute('data-state'), 'down', `${r} is not cut`);
    await page.waitForSelector(`.agent.stale[data-agent="${CUT}"]`);
    await page.waitForTimeout(300); // let the last render settle before the picture
    await page.screenshot({ path: `${ARTIFACTS}dashboard-lab.png`, fullPage: true });
  });

  it(`after \`meridian lab heal ${CUT}\` the card is green again`, async () => {
    const healed = await meridian('lab', 'heal', CUT);
    assert.equal(healed.code, 0, healed.stderr);
    await page.waitForSelector(card(CUT, 'up'), { timeout: 20_000 }).catch(async () => assert.fail(`card says: ${await whyOf(page, CUT)}`));
  });

  it(`the page read nothing but ${VIEWER}'s agent (no cross-origin request)`, () => {
    const viewer = new URL(status.regions.find((r) => r.name === VIEWER)?.api ?? assert.fail(`no ${VIEWER}`)).origin;
    assert.ok(requested.length > 0);
    assert.deepEqual(requested.filter((u) => new URL(u).origin !== viewer), []);
  });
});
