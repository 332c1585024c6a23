/**
 * Writes the chaos rounds' files into a directory: report.json (the report), report.html (the
 * same, rendered by observe) and history.json (every write, round and record sighting, from which
 * the report can be recomputed with `buildChaosReport`). Here, in the CLI, the drill's data and
 * observe's page meet (docs/architecture.md).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ChaosResult } from '../drill/chaos/index.ts';
import { renderChaosReportHtml } from '../observe/report/chaos-html.ts';

/** Returns the paths written. */
export function writeChaosFiles(dir: string, { report, history }: ChaosResult): string[] {
  mkdirSync(dir, { recursive: true });
  const files: [string, string][] = [
    ['report.json', `${JSON.stringify(report, null, 2)}\n`],
    ['report.html', renderChaosReportHtml(report)],
    ['history.json', `${JSON.stringify(history)}\n`],
  ];
  return files.map(([name, text]) => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  });
}
