/** The CLI benchmark's figures and the two readings it takes from the kernel. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { peakMiB } from '../cli/agent-memory.ts';
import { alternate, COMPILED, TSX } from '../cli/commands.ts';
import { linkIsUp } from '../cli/cut.ts';
import { figure, renderFigures } from '../cli/figures.ts';

test('a figure: medians per way, compiled/reference ratios, the target judged on the compiled median', () => {
  const f = figure('meridian --version', 'ms', new Map([['compiled', [150, 190, 170]], ['tsx', [700, 600, 800, 650]], ['before', [2400, 2500, 2300]]]), 200);
  assert.deepEqual(f.ways.compiled, { runs: 3, median: 170, min: 150, max: 190 });
  assert.equal(f.ways.tsx?.median, 675);
  assert.deepEqual(f.ratios, { tsx: 0.25, before: 0.07 });
  assert.equal(f.met, true);
  assert.equal(figure('x', 'ms', new Map([['compiled', [250]]]), 200).met, false);
  assert.equal(figure('x', 'MiB', new Map([['compiled', [51.26]], ['tsx', [80]]])).met, null, 'no target');
});

test('the table shows seconds and MiB, and - for what was not measured', () => {
  const table = renderFigures([
    figure('meridian --version', 'ms', new Map([['compiled', [170]], ['tsx', [680]]]), 200),
    figure('agent peak memory', 'MiB', new Map([['compiled', [61.24]], ['tsx', [95.5]]])),
  ]);
  assert.match(table, /meridian --version +0\.170 s \(0\.170 s–0\.170 s\) +0\.680 s .* 0\.25× +- +≤ 0\.200 s +yes/);
  assert.match(table, /agent peak memory +61\.2 MiB .* 95\.5 MiB .* 0\.64× +- +- +-$/m);
});

test('the ways take turns', async () => {
  const order: string[] = [];
  const results = await alternate([COMPILED, TSX], 2, async (way) => (order.push(way.name), order.length));
  assert.deepEqual(order, ['compiled', 'tsx', 'compiled', 'tsx']);
  assert.deepEqual([...results], [['compiled', [1, 3]], ['tsx', [2, 4]]]);
});

test('link state and peak memory are read from the kernel', () => {
  assert.equal(linkIsUp('lo'), true);
  const mine = peakMiB(process.pid);
  assert.ok(mine > 10 && mine < 4096, `${mine} MiB`);
});
