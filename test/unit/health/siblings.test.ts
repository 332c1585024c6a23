import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pino } from 'pino';
import { parseSiblings } from '../../../src/agent/plan.ts';
import { SiblingDirectory, siblingViewUrls, type SiblingEntry } from '../../../src/health/index.ts';
import { InputError } from '../../../src/common/errors.ts';

const local = new Set(['127.0.0.1', '10.1.0.7', '::1']);
const urlCases: { name: string; resolved: SiblingEntry[]; self: { host: string; port: number }; expected: string[] }[] = [
  {
    name: 'a pod listening on 0.0.0.0 leaves out its own pod address',
    resolved: [{ host: '10.1.0.7', port: 7700 }, { host: '10.1.0.9', port: 7700 }],
    self: { host: '0.0.0.0', port: 7700 },
    expected: ['http://10.1.0.9:7700/v1/view'],
  },
  {
    name: 'agents on one address differ by port',
    resolved: [{ host: '127.0.0.1', port: 7001 }, { host: '127.0.0.1', port: 7002 }],
    self: { host: '127.0.0.1', port: 7001 },
    expected: ['http://127.0.0.1:7002/v1/view'],
  },
  {
    name: 'a specific listen address leaves out only itself, IPv6 in brackets, duplicates once',
    resolved: [{ host: '10.1.0.7', port: 7700 }, { host: 'fd00::2', port: 7700 }, { host: 'fd00::2', port: 7700 }],
    self: { host: '10.1.0.8', port: 7700 },
    expected: ['http://10.1.0.7:7700/v1/view', 'http://[fd00::2]:7700/v1/view'],
  },
];
for (const c of urlCases) test(`siblingViewUrls: ${c.name}`, () => assert.deepEqual(siblingViewUrls(c.resolved, c.self, local), c.expected));

test('parseSiblings: names, addresses and lists; one clear error otherwise', () => {
  assert.deepEqual(parseSiblings('meridian-agents.meridian.svc.cluster.local:7700'), [{ host: 'meridian-agents.meridian.svc.cluster.local', port: 7700 }]);
  assert.deepEqual(parseSiblings('10.0.0.5:7700, [fd00::5]:7700'), [{ host: '10.0.0.5', port: 7700 }, { host: 'fd00::5', port: 7700 }]);
  for (const bad of ['', 'agents', 'agents:0', 'agents:99999', '[nope]:7700', 'http://agents:7700']) {
    assert.throws(() => parseSiblings(bad), (err: unknown) => err instanceof InputError && err.message.startsWith('--siblings: '), bad);
  }
});

test('SiblingDirectory: a name is looked up (real resolver: localhost), and a failed lookup keeps the last addresses', async () => {
  const lines: Record<string, unknown>[] = [];
  const logger = pino({ level: 'info' }, { write: (l: string) => void lines.push(JSON.parse(l)) });
  const real = new SiblingDirectory([{ host: 'localhost', port: 7702 }], { host: '127.0.0.1', port: 7701 }, logger);
  await real.start(60_000);
  assert.ok(real.current().includes('http://127.0.0.1:7702/v1/view'), JSON.stringify(real.current()));
  real.close();
  // The failure is injected: a resolver that fails on demand cannot be had otherwise on loopback.
  let fail = false;
  const flaky = new SiblingDirectory([{ host: 'agents.example', port: 7700 }], { host: '0.0.0.0', port: 7700 }, logger, async () => {
    if (fail) throw new Error('ENOTFOUND agents.example');
    return ['10.9.0.1', '10.9.0.2'];
  });
  await flaky.start(20);
  fail = true;
  await new Promise((r) => setTimeout(r, 80)); // a few refreshes, all failing
  assert.deepEqual(flaky.current(), ['http://10.9.0.1:7700/v1/view', 'http://10.9.0.2:7700/v1/view']);
  assert.ok(lines.some((l) => l.event === 'sibling.lookup' && String(l.problem).includes('ENOTFOUND')), 'the failure is logged');
  flaky.close();
});
