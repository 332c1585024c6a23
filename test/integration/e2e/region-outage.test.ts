/**
 * The spine end to end, as a user runs it: `lab up` with real agents, `dig` against every agent,
 * a malformed packet that must not hurt an agent, then the region-outage drill through the CLI:
 * the cut region must leave every surviving agent's answers and come back after the heal.
 * Needs root on Linux (network namespaces) and dig.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { MERIDIAN_BIN, type LabStatus } from '../../../src/lab/index.ts';
import { labSkipReason } from '../../support/lab-suite.ts';

const dir = mkdtempSync(join(tmpdir(), 'meridian-e2e-'));
const env = { ...process.env, MERIDIAN_LAB_DIR: join(dir, 'lab'), MERIDIAN_LOG_LEVEL: 'silent' };

function run(file: string, args: readonly string[], timeoutMs = 120_000): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(file, args, { env, encoding: 'utf8', timeout: timeoutMs }, (err, stdout, stderr) => {
      const code = (err as { code?: unknown } | null)?.code;
      resolve({ code: typeof code === 'number' ? code : err ? -1 : 0, stdout, stderr });
    });
  });
}
const meridian = (...args: string[]) => run(process.execPath, [MERIDIAN_BIN, ...args]);

async function dig(server: string, ...query: string[]): Promise<string[]> {
  const [host, port] = server.split(':');
  const r = await run('dig', [`@${host}`, '-p', port ?? '53', '+short', '+time=1', '+tries=2', ...query]);
  assert.equal(r.code, 0, `dig ${query.join(' ')} @${server}: ${r.stdout}${r.stderr}`);
  return r.stdout.trim().split('\n').filter(Boolean).sort();
}

async function digStatus(server: string, ...query: string[]): Promise<string> {
  const [host, port] = server.split(':');
  const r = await run('dig', [`@${host}`, '-p', port ?? '53', '+time=1', '+tries=2', ...query]);
  return /status: (\w+)/.exec(r.stdout)?.[1] ?? `no status in: ${r.stdout}`;
}

const skip = labSkipReason({ dig: true });
describe('spine: lab, GSLB answers and a region outage', { skip }, () => {
  let lab: LabStatus;

  before(async () => {
    await meridian('lab', 'down');
    const up = await meridian('lab', 'up', '--json');
    assert.equal(up.code, 0, `lab up failed: ${up.stderr}`);
    lab = JSON.parse(up.stdout) as LabStatus;
  });
  after(async () => {
    const down = await meridian('lab', 'down');
    assert.equal(down.code, 0, down.stderr);
  });

  it('every agent answers the failover region for A and AAAA, SOA at the apex, NXDOMAIN outside', async () => {
    const first = lab.regions[0];
    assert.ok(first);
    const v4 = first.instances.map((i) => i.replace(/:\d+$/, '')).sort();
    const v6 = first.instances6.map((i) => i.replace(/^\[(.*)\]:\d+$/, '$1')).sort();
    for (const region of lab.regions) {
      assert.deepEqual(await dig(region.dns, 'web.global.meridian.test', 'A'), v4, `A from ${region.name}`);
      assert.deepEqual(await dig(region.dns, 'web.global.meridian.test', 'AAAA'), v6, `AAAA from ${region.name}`);
      assert.match((await dig(region.dns, 'global.meridian.test', 'SOA'))[0] ?? '', /^ns-eu-west\.global\.meridian\.test\. hostmaster\./);
      assert.equal(await digStatus(region.dns, 'nope.global.meridian.test', 'A'), 'NXDOMAIN');
      assert.equal(await digStatus(region.dns, 'example.org', 'A'), 'REFUSED');
    }
  });

  it('a malformed packet leaves the agent serving', async () => {
    const target = lab.regions[1];
    assert.ok(target);
    const [host, port] = target.dns.split(':');
    const socket = createSocket('udp4');
    const junk = [Buffer.from([1, 2, 3]), Buffer.alloc(12, 0xff), Buffer.concat([Buffer.from('abcd0000000100000000000', 'hex'), Buffer.from([0xc0, 0x0c])])];
    for (const packet of junk) await new Promise<void>((resolve) => socket.send(packet, Number(port), host, () => resolve()));
    socket.close();
    assert.ok((await dig(target.dns, 'web.global.meridian.test', 'A')).length > 0);
  });

  it('region-outage drill: the cut region leaves every surviving answer and returns after the heal', async () => {
    const out = join(dir, 'reports');
    const r = await meridian('drill', 'region-outage', '--region', 'eu-west', '--json', '--out', out);
    assert.equal(r.code, 0, `drill failed (exit ${r.code}): ${r.stderr.slice(-2000)}`);
    const report = JSON.parse(r.stdout) as { pass: boolean; checks: { name: string; pass: boolean }[] };
    const failed = report.checks.filter((c) => !c.pass).map((c) => c.name);
    assert.deepEqual(failed, []);
    assert.equal(report.pass, true);
    const saved = /saved (.*\.json)/.exec(r.stderr)?.[1];
    if (saved) assert.ok(readFileSync(saved, 'utf8').includes('"history"'));
    // Back to normal: the failover region answers again everywhere.
    const first = lab.regions[0];
    assert.ok(first);
    for (const region of lab.regions) {
      assert.deepEqual(await dig(region.dns, 'web.global.meridian.test', 'A'), first.instances.map((i) => i.replace(/:\d+$/, '')).sort());
    }
  });
});
