/** Saves a database drill's report with its full history, like the region-outage drill does. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderDbDrillReportHtml } from '../../observe/report/index.ts';
import type { DbDrillResult } from './drills.ts';

/**
 * `<dir>/<ISO start time, ':' as '-'>-<drill>-<store>.json` holding `{ report, history }`, and the
 * same report as a self-contained page with charts beside it (same name, `.html`). Returns the JSON path.
 */
export function saveDbDrillReport(dir: string, result: DbDrillResult): string {
  mkdirSync(dir, { recursive: true });
  const stamp = result.report.startedAt.replace(/:/g, '-');
  const path = join(dir, `${stamp}-${result.report.drill}-${result.report.store}.json`);
  writeFileSync(path, `${JSON.stringify(result, null, 2)}\n`);
  writeFileSync(path.replace(/\.json$/, '.html'), renderDbDrillReportHtml(result));
  return path;
}
