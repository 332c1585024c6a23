/**
 * The drill HTML report of a synthetic history, opened from a file in real headless Chromium:
 * every chart is drawn (SVG bars, lines and segments with the cut/heal marks), nothing is
 * fetched, and a screenshot goes to test-artifacts/drill-report.png.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';
import { buildOutageReport } from '../../../src/drill/index.ts';
import { renderOutageReportHtml } from '../../../src/observe/report/index.ts';
import { CUT, T0, syntheticHistory } from '../../unit/observe/drill-history.ts';

const ARTIFACTS = new URL('../../../test-artifacts/', import.meta.url).pathname;
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const dir = mkdtempSync(join(tmpdir(), 'meridian-report-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('the report renders its charts in Chromium', async () => {
  const history = syntheticHistory();
  const html = renderOutageReportHtml({
    report: buildOutageReport(history),
    history,
    dataStore: {
      rpoMs: 2_000,
      replicationLag: Array.from({ length: 40 }, (_, i) => ({ atMs: T0 + i * 500, store: 'orders', region: 'us-east', seconds: i >= 10 && i < 16 ? (i - 9) * 0.6 : 0.1 })),
      runbookSteps: [
        { runbook: 'failover', step: 'acquire-lease', result: 'ok', startedAtMs: CUT + 800, endedAtMs: CUT + 950 },
        { runbook: 'failover', step: 'fence-old-primary', result: 'ok', startedAtMs: CUT + 950, endedAtMs: CUT + 1_400 },
        { runbook: 'failover', step: 'promote', result: 'ok', startedAtMs: CUT + 1_400, endedAtMs: CUT + 2_900 },
        { runbook: 'failover', step: 'repoint-dns', result: 'ok', startedAtMs: CUT + 2_900, endedAtMs: CUT + 3_100 },
      ],
    },
  });
  const file = join(dir, 'report.html');
  writeFileSync(file, html);
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
  try {
    const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
    const requested: string[] = [];
    page.on('request', (r) => requested.push(r.url()));
    await page.goto(`file://${file}`);
    const charts = page.locator('svg.chart');
    assert.equal(await charts.count(), 6);
    const count = async (i: number, selector: string) => charts.nth(i).locator(selector).count();
    assert.equal(await count(0, 'path.line'), 1, 'success rate');
    assert.equal(await count(1, 'path.line'), 2, 'latency p50 and p99');
    assert.ok((await count(2, 'rect.bar')) > 40, 'requests per region: stacked bars');
    assert.equal(await count(3, 'rect.segment'), 10, 'DNS answers: 4 runs for the cut nameserver, 3 for each survivor');
    assert.equal(await count(4, 'path.line'), 2, 'replication lag and the RPO');
    assert.equal(await count(5, 'rect.segment'), 4, 'runbook steps');
    for (let i = 0; i < 6; i++) assert.equal(await count(i, 'g.mark'), 3, `chart ${i}: cut, heal and back-in-DNS marks`);
    // Drawn, not just present: the stacked bars have a real size on screen.
    const box = await charts.nth(2).locator('rect.bar').first().boundingBox();
    assert.ok(box && box.width > 1 && box.height > 1, JSON.stringify(box));
    assert.equal(await page.locator('.verdict').innerText(), 'FAIL');
    assert.deepEqual(requested, [`file://${file}`]);
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: `${ARTIFACTS}drill-report.png`, fullPage: true });
  } finally {
    await browser.close();
  }
});
