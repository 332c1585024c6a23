import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { saveDbDrillReport } from '../../../src/cli/drill-reports.ts';
import { buildDbDrillReport, type DbDrillHistory } from '../../../src/drill/index.ts';
import { renderDbDrillReportHtml } from '../../../src/observe/report/index.ts';
import { EU1, FAULT, acked, cleanFailover } from '../drill-db/scenario.ts';

/** The clean failover, with the runbook the survivor ran; `pinned` got acks from the old primary after the failover. */
function withRunbookAndZombie(): DbDrillHistory {
  const h = cleanFailover('partition', {
    runbookSteps: [
      { runbookId: 'rb-7', stepId: 'fence-old-primary', result: 'ok', startedAtMs: FAULT + 2_000, endedAtMs: FAULT + 2_300, seenBy: 'us-east' },
      { runbookId: 'rb-7', stepId: 'promote', result: 'failed', startedAtMs: FAULT + 2_300, endedAtMs: FAULT + 2_900, detail: 'pg_ctl <timeout>', seenBy: 'us-east' },
    ],
  });
  const zombies = acked('pinned', FAULT + 4_000, FAULT + 4_300, EU1);
  return { ...h, ops: [...h.ops, ...zombies] };
}

const count = (html: string, re: RegExp) => html.match(re)?.length ?? 0;
const bars = (html: string, color: string) => count(html, new RegExp(`<rect class="bar"[^>]*fill="${color}"`, 'g'));

test('db drill page: one ack chart per client with ok / fail bars and the fault, heal and recovery marked', () => {
  const h = cleanFailover('region-outage');
  const html = renderDbDrillReportHtml({ report: buildDbDrillReport(h), history: h });
  assert.match(html, /^<!doctype html>/);
  assert.equal(count(html, /<svg /g), 1, 'no runbook steps: only the main client chart');
  assert.match(html, /Writes of client &#39;main&#39; per second/);
  // 3 s acked before the fault, 3 s failing, 8 s acked on us-east (10 writes per second).
  assert.equal(bars(html, '#c62828'), 3);
  assert.equal(bars(html, '#2e7d32'), 11);
  assert.equal(bars(html, '#f9a825'), 0);
  assert.match(html, /<title>fail: 10 at 0 s<\/title>/);
  for (const mark of ['fault eu-west', 'heal', 'recovered (us-east)']) assert.ok(html.includes(mark), mark);
  // The fault may be a crash or a freeze, not a cut.
  assert.match(html, /class="axis-label">seconds from the fault</);
  assert.doesNotMatch(html, /from the cut/);
  assert.match(html, /<span class="verdict pass">PASS<\/span>/);
  assert.match(html, /RTO[^<]*<\/th><td>3.10 s \(target 30.00 s\)/, 'last ack before at 9.905 s, first on us-east at 13.005 s');
  assert.match(html, /Lost acknowledged writes<\/th><td>0</);
  assert.doesNotMatch(html, /<script|src=|href=/, 'self-contained');
});

test('db drill page: runbook timeline, zombie acks, failing verdict with reasons, text escaped', () => {
  const h = withRunbookAndZombie();
  const report = buildDbDrillReport(h);
  assert.equal(report.pass, false, 'the fixture must fail (zombie acks)');
  const html = renderDbDrillReportHtml({ report, history: h });
  assert.equal(count(html, /<svg /g), 3, 'main, pinned, runbook');
  assert.match(html, /Writes of client &#39;pinned&#39;/);
  assert.match(html, /Runbook steps \(rb-7\)/);
  assert.match(html, /<title>promote: failed from 2.3 s to 2.9 s \(pg_ctl &lt;timeout&gt; \(seen by us-east\)\)<\/title>/);
  assert.match(html, /<span class="verdict fail">FAIL<\/span>/);
  assert.match(html, new RegExp(`Zombie acks[^<]*</th><td>${report.zombieAcks.count}[ ,(]`));
  assert.ok(report.zombieAcks.count > 0);
  for (const reason of report.reasons) assert.ok(html.includes(reason.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;')), reason);
  assert.doesNotMatch(html, /pg_ctl <timeout>/);
});

test('saveDbDrillReport writes the HTML page beside the JSON, same name', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'mrd-dbreport-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const history = cleanFailover('primary-crash');
  const path = saveDbDrillReport(dir, { report: buildDbDrillReport(history), history });
  assert.match(path, /primary-crash-orders\.json$/);
  const html = path.replace(/\.json$/, '.html');
  assert.ok(existsSync(path) && existsSync(html));
  assert.match(readFileSync(html, 'utf8'), /Database drill: primary-crash of orders/);
});
