/** The etcd host policy: a member that fails is skipped until a probe sees it answer again. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isBrokenCircuitError } from 'cockatiel';
import { GRPCDeadlineExceededError, GRPCInvalidArgumentError } from 'etcd3';
import { MemberHealth } from '../../../src/coord/member-health.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function setup(answers: Map<string, boolean>) {
  const probed: string[] = [];
  const health = new MemberHealth({
    probeEveryMs: 20,
    probe: async (host) => {
      probed.push(host);
      if (!answers.get(host)) throw new Error(`${host} silent`);
    },
  });
  const policies = new Map(['a', 'b', 'c'].map((h) => [h, health.policyFor(h)]));
  let calls = 0;
  const run = (host: string, fail?: Error) => policies.get(host)!.execute(async () => {
    calls++;
    if (fail) throw fail;
    return host;
  });
  return { health, probed, run, calls: () => calls };
}

test('one timed-out call isolates a member: later calls skip it without calling it', async (t) => {
  const answers = new Map([['a', false], ['b', true], ['c', true]]);
  const h = setup(answers);
  t.after(() => h.health.close());
  await assert.rejects(h.run('a', new GRPCDeadlineExceededError('deadline')), GRPCDeadlineExceededError);
  assert.deepEqual(h.health.isolatedHosts(), ['a']);
  const before = h.calls();
  await assert.rejects(h.run('a'), (err: Error) => isBrokenCircuitError(err));
  assert.equal(h.calls(), before, 'the isolated member was not called');
  assert.equal(await h.run('b'), 'b');
});

test('only the probe brings a member back, and then calls reach it again', async (t) => {
  const answers = new Map([['a', false], ['b', true], ['c', true]]);
  const h = setup(answers);
  t.after(() => h.health.close());
  await assert.rejects(h.run('a', new GRPCDeadlineExceededError('deadline')));
  await sleep(80);
  assert.ok(h.probed.filter((x) => x === 'a').length >= 2, 'probed while silent');
  assert.deepEqual(h.health.isolatedHosts(), ['a']);
  answers.set('a', true);
  const deadline = Date.now() + 2000;
  while (h.health.isolatedHosts().length > 0 && Date.now() < deadline) await sleep(10);
  assert.deepEqual(h.health.isolatedHosts(), []);
  assert.equal(await h.run('a'), 'a');
});

test('an error that says nothing about the member (a bad request) does not isolate it', async (t) => {
  const h = setup(new Map([['a', true], ['b', true], ['c', true]]));
  t.after(() => h.health.close());
  await assert.rejects(h.run('a', new GRPCInvalidArgumentError('bad')), GRPCInvalidArgumentError);
  assert.deepEqual(h.health.isolatedHosts(), []);
});

test('when every member is isolated, calls go through rather than fail fast', async (t) => {
  const h = setup(new Map([['a', false], ['b', false], ['c', false]]));
  t.after(() => h.health.close());
  for (const host of ['a', 'b', 'c']) await assert.rejects(h.run(host, new GRPCDeadlineExceededError('deadline')));
  assert.deepEqual(h.health.isolatedHosts(), ['a', 'b', 'c']);
  assert.equal(await h.run('b'), 'b');
});
