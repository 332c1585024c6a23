/**
 * Writes a drill's report files: the JSON `{ report, history }` (every number can be recomputed
 * from it) and the same report as a self-contained HTML page beside it. A drill returns data and
 * observe renders it; only here, in the CLI, do the two meet (docs/architecture.md).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DbDrillResult, OutageHistory, OutageReport } from '../drill/index.ts';
import { renderDbDrillReportHtml, renderOutageReportHtml } from '../observe/report/index.ts';

/** `<dir>/<ISO start time>-region-outage-<region>.json` and `.html`; returns the JSON path. */
export function saveOutageReport(dir: string, report: OutageReport, history: OutageHistory): string {
  const path = join(dir, `${fileStamp(report.timeline.startedAt)}-region-outage-${report.region}.json`);
  writeBoth(path, { report, history }, renderOutageReportHtml({ report, history }));
  return path;
}

/** `<dir>/<ISO start time>-<drill>-<store>.json` and `.html`; returns the JSON path. */
export function saveDbDrillReport(dir: string, result: DbDrillResult): string {
  const path = join(dir, `${fileStamp(result.report.startedAt)}-${result.report.drill}-${result.report.store}.json`);
  writeBoth(path, result, renderDbDrillReportHtml(result));
  return path;
}

// ISO time with ':' spelled '-': colons in file names break scp, Windows and some archivers.
const fileStamp = (iso: string) => iso.replace(/:/g, '-');

function writeBoth(jsonPath: string, data: unknown, html: string): void {
  mkdirSync(join(jsonPath, '..'), { recursive: true });
  writeFileSync(jsonPath, `${JSON.stringify(data, null, 2)}\n`);
  writeFileSync(jsonPath.replace(/\.json$/, '.html'), html);
}
