import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { METRIC_LIST } from '../../../src/observe/index.ts';

const DOC = readFileSync(new URL('../../../docs/observability.md', import.meta.url), 'utf8');

test('docs/observability.md lists every metric with its type, labels and status', () => {
  const rows = new Map(DOC.split('\n').filter((l) => l.startsWith('| `meridian_')).map((l) => [/^\| `([a-z_]+)`/.exec(l)?.[1], l]));
  for (const m of METRIC_LIST) {
    const row = rows.get(m.name) ?? assert.fail(`${m.name} is missing from the metrics table`);
    const labels = m.labels.length ? m.labels.map((l) => `\`${l}\``).join(', ') : '-';
    assert.ok(row.startsWith(`| \`${m.name}\` | ${m.type} | ${labels} |`), `${m.name}: ${row}`);
    assert.ok(row.endsWith(`| ${m.status} |`), `${m.name}: status`);
  }
  assert.equal(rows.size, METRIC_LIST.length, 'no row for a metric that does not exist');
});
