/**
 * Part (c)'s Patroni side, the pure parts: the member configuration it generates, its timing
 * rule, the judgement of a whole cluster from REST answers, and the HAProxy-like primary locator
 * (its member checks are plain functions here, so no network is needed).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parse } from 'yaml';
import { PrimaryLocator } from '../failover/locator.ts';
import { PATRONI_SETTINGS, patroniConfig, patroniYaml, timingViolation, type PatroniClusterSpec, type PatroniMember } from '../failover/patroni-config.ts';
import { judgeCluster, notStreaming, type ClusterMember } from '../failover/patroni-rest.ts';

const MEMBER: PatroniMember = { region: 'us-east', address: '10.231.2.5', dir: '/tmp/pb/us-east' };
const spec = (setting = PATRONI_SETTINGS[0]!): PatroniClusterSpec => ({
  scope: 'meridian-bench-x',
  namespace: '/meridian-bench-1/',
  etcdHosts: ['10.231.1.2:2379', '10.231.2.2:2379', '10.231.3.2:2379'],
  setting,
  superuserPassword: 'su-pw',
  replicationPassword: 'repl-pw',
  binDir: '/usr/lib/postgresql/15/bin',
});

type Config = {
  name: string; scope: string; namespace: string;
  restapi: { listen: string; connect_address: string };
  etcd3: { hosts: string[] };
  bootstrap: { dcs: { ttl: number; loop_wait: number; retry_timeout: number; synchronous_mode: boolean; postgresql: { use_pg_rewind: boolean; use_slots: boolean; parameters: Record<string, unknown> } }; initdb: unknown[] };
  postgresql: { listen: string; connect_address: string; data_dir: string; bin_dir: string; authentication: Record<string, { username: string; password: string }>; parameters: Record<string, unknown>; pg_hba: string[] };
};

test('patroni config: the member on its region database address, the lab etcd, PostgreSQL on 5433 with the lab settings', () => {
  const c = patroniConfig(spec(), MEMBER) as unknown as Config;
  assert.equal(c.name, 'us-east');
  assert.equal(c.scope, 'meridian-bench-x');
  assert.equal(c.namespace, '/meridian-bench-1/');
  assert.deepEqual(c.restapi, { listen: '10.231.2.5:8008', connect_address: '10.231.2.5:8008' });
  assert.deepEqual(c.etcd3.hosts, ['10.231.1.2:2379', '10.231.2.2:2379', '10.231.3.2:2379']);
  assert.equal(c.postgresql.listen, '10.231.2.5:5433');
  assert.equal(c.postgresql.connect_address, '10.231.2.5:5433');
  assert.equal(c.postgresql.data_dir, '/tmp/pb/us-east/data');
  assert.equal(c.postgresql.parameters.unix_socket_directories, '/tmp/pb/us-east/socket');
  assert.equal(c.postgresql.bin_dir, '/usr/lib/postgresql/15/bin');
  assert.deepEqual(c.postgresql.authentication, { superuser: { username: 'postgres', password: 'su-pw' }, replication: { username: 'replicator', password: 'repl-pw' } });
  assert.ok(c.postgresql.pg_hba.includes('host all all 10.231.0.0/16 scram-sha-256'));
  assert.ok(c.postgresql.pg_hba.includes('host replication replicator 10.231.0.0/16 scram-sha-256'));
  assert.ok(c.postgresql.pg_hba.every((l) => !l.includes('trust')), 'every login needs its password');
  const dcs = c.bootstrap.dcs;
  assert.equal(dcs.postgresql.use_pg_rewind, true);
  assert.equal(dcs.postgresql.use_slots, true);
  assert.equal(dcs.postgresql.parameters.wal_log_hints, 'on');
  // The lab's own PostgreSQL settings, booleans spelled as PostgreSQL reads them.
  assert.equal(dcs.postgresql.parameters.fsync, 'off');
  assert.equal(dcs.postgresql.parameters.shared_buffers, '32MB');
  assert.deepEqual(c.bootstrap.initdb, ['no-sync', { 'wal-segsize': '1' }]);
  assert.deepEqual(parse(patroniYaml(spec(), MEMBER)), c, 'the YAML file says the same');
});

test("patroni config on a lab etcd that wants TLS and a login: https, the member's own copies of the files, its user", () => {
  const access = { cacert: 'etcd-ca.crt', cert: 'etcd-tls.crt', key: 'etcd-tls.key', username: 'patroni-meridian-bench-1', password: 'pw' };
  const c = patroniConfig({ ...spec(), etcdAccess: access }, MEMBER) as unknown as { etcd3: Record<string, unknown> };
  assert.deepEqual(c.etcd3, {
    hosts: ['10.231.1.2:2379', '10.231.2.2:2379', '10.231.3.2:2379'], protocol: 'https',
    cacert: '/tmp/pb/us-east/etcd-ca.crt', cert: '/tmp/pb/us-east/etcd-tls.crt', key: '/tmp/pb/us-east/etcd-tls.key',
    username: 'patroni-meridian-bench-1', password: 'pw',
  });
  assert.equal((patroniConfig(spec(), MEMBER) as unknown as { etcd3: { protocol: string } }).etcd3.protocol, 'http', 'without access: plain http, as before');
});

test('patroni settings: defaults 30/10/10 and the documented minimums 20/1/3 asynchronous, the minimums synchronous too, all within the rule', () => {
  const byName = Object.fromEntries(PATRONI_SETTINGS.map((s) => [s.name, s]));
  assert.deepEqual(byName['patroni-default']!.timing, { ttl: 30, loopWait: 10, retryTimeout: 10 });
  assert.deepEqual(byName['patroni-fast']!.timing, { ttl: 20, loopWait: 1, retryTimeout: 3 });
  assert.deepEqual(byName['patroni-fast-sync']!.timing, byName['patroni-fast']!.timing);
  assert.deepEqual(PATRONI_SETTINGS.map((s) => [s.name, s.synchronousMode]), [['patroni-default', false], ['patroni-fast', false], ['patroni-fast-sync', true]]);
  for (const s of PATRONI_SETTINGS) {
    assert.equal(timingViolation(s.timing), null, s.name);
    const dcs = (patroniConfig(spec(s), MEMBER) as unknown as Config).bootstrap.dcs;
    assert.deepEqual([dcs.ttl, dcs.loop_wait, dcs.retry_timeout, dcs.synchronous_mode], [s.timing.ttl, s.timing.loopWait, s.timing.retryTimeout, s.synchronousMode]);
  }
});

test('patroni timing: below the minimums or against loop_wait + 2 × retry_timeout ≤ ttl is refused', () => {
  assert.match(timingViolation({ ttl: 20, loopWait: 10, retryTimeout: 10 })!, /loop_wait \+ 2 \* retry_timeout/);
  assert.match(timingViolation({ ttl: 10, loopWait: 1, retryTimeout: 3 })!, /minimums/);
  const bad = { ...PATRONI_SETTINGS[0]!, timing: { ttl: 20, loopWait: 10, retryTimeout: 10 } };
  assert.throws(() => patroniConfig(spec(bad), MEMBER), /loop_wait \+ 2 \* retry_timeout/);
});

const EXPECTED = ['eu-west', 'us-east', 'ap-south'];
const leader = (name: string, timeline = 2): ClusterMember => ({ name, role: 'leader', state: 'running', timeline });
const replica = (name: string, over: Partial<ClusterMember> = {}): ClusterMember => ({ name, role: 'replica', state: 'running', timeline: 2, lag: 0, ...over });
const streamingTo = (...names: string[]) => ({ state: 'running', role: 'master', replication: names.map((n) => ({ application_name: n, state: 'streaming' })) });

test('patroni cluster: whole with one running leader streaming to two running replicas on its timeline', () => {
  const members = [leader('us-east'), replica('eu-west'), replica('ap-south')];
  assert.deepEqual(judgeCluster(members, streamingTo('eu-west', 'ap-south'), EXPECTED), { whole: true, leader: 'us-east' });
});

test('patroni cluster: each way of not being whole says what it waits for', () => {
  const cases: [string, ClusterMember[], ReturnType<typeof streamingTo> | undefined, RegExp][] = [
    ['a member missing from the DCS', [leader('us-east'), replica('ap-south')], streamingTo('ap-south'), /eu-west to register/],
    ['no leader', [replica('us-east'), replica('eu-west'), replica('ap-south')], undefined, /one leader \(the DCS shows 0\)/],
    ['the old leader still starting', [leader('us-east'), replica('eu-west', { state: 'starting' }), replica('ap-south')], streamingTo('ap-south'), /eu-west to run as a replica/],
    ['a replica on the old timeline', [leader('us-east'), replica('eu-west', { timeline: 1 }), replica('ap-south')], streamingTo('ap-south', 'eu-west'), /eu-west on timeline 1/],
    ['running but not streaming', [leader('us-east'), replica('eu-west'), replica('ap-south')], streamingTo('ap-south'), /stream to eu-west/],
    ["the leader's /patroni not read", [leader('us-east'), replica('eu-west'), replica('ap-south')], undefined, /the leader us-east's \/patroni/],
  ];
  for (const [name, members, status, expected] of cases) {
    const j = judgeCluster(members, status, EXPECTED);
    assert.equal(j.whole, false, name);
    assert.match((j as { waitingFor: string }).waitingFor, expected, name);
  }
});

test('patroni cluster: a diverged replica on the same timeline number shows as running but is not streamed to', () => {
  // As seen after an old leader took the leader key back: both promoted onto "timeline 3".
  const members = [leader('us-east', 3), replica('ap-south', { timeline: 3 }), replica('eu-west', { timeline: 3 })];
  const status = { state: 'running', role: 'master', replication: [] };
  assert.deepEqual(notStreaming(members, status), ['ap-south', 'eu-west']);
  assert.deepEqual(judgeCluster(members, status, EXPECTED), { whole: false, waitingFor: 'the leader us-east to stream to ap-south, eu-west' });
  assert.deepEqual(notStreaming(members, { ...status, replication: [{ application_name: 'eu-west', state: 'catchup' }, { application_name: 'ap-south', state: 'streaming' }] }), ['eu-west']);
});

/** Member checks as plain functions: `answers[address]` = 200 or not, after `delayMs`. */
function fakeChecks(answers: Record<string, boolean>, delays: Record<string, number> = {}) {
  const calls: string[] = [];
  const check = (address: string, timeoutMs: number) => {
    calls.push(address);
    const delay = Math.min(delays[address] ?? 0, timeoutMs);
    return new Promise<boolean>((resolve) => setTimeout(() => resolve(delay >= timeoutMs ? false : (answers[address] ?? false)), delay));
  };
  return { calls, check };
}

test('locator: the member answering 200, without waiting for a silent one', async () => {
  const { check } = fakeChecks({ a: false, b: true, c: false }, { a: 5000 });
  const locator = new PrimaryLocator({ addresses: ['a', 'b', 'c'], check, timeoutMs: 1000 });
  const started = Date.now();
  assert.equal(await locator.locate(), 'b');
  assert.ok(Date.now() - started < 500, 'the silent member did not hold the answer up');
});

test('locator: undefined when no member answers 200 (after the silent one times out)', async () => {
  const { check } = fakeChecks({ a: false, b: false }, { b: 10_000 });
  const locator = new PrimaryLocator({ addresses: ['a', 'b'], check, timeoutMs: 30 });
  assert.equal(await locator.locate(), undefined);
});

test('locator: an answer is reused for maxAgeMs, and concurrent callers share one check round', async () => {
  let now = 1000;
  const { calls, check } = fakeChecks({ a: true, b: false });
  const locator = new PrimaryLocator({ addresses: ['a', 'b'], check, maxAgeMs: 100, now: () => now });
  const answers = await Promise.all([locator.locate(), locator.locate(), locator.locate()]);
  assert.deepEqual(answers, ['a', 'a', 'a']);
  assert.equal(locator.rounds, 1);
  now += 100;
  assert.equal(await locator.locate(), 'a');
  assert.equal(locator.rounds, 1, 'still fresh at exactly maxAgeMs');
  now += 1;
  assert.equal(await locator.locate(), 'a');
  assert.equal(locator.rounds, 2);
  assert.equal(calls.length, 4, 'two members per round');
});

test('locator: a failing check counts as "not primary"', async () => {
  const locator = new PrimaryLocator({ addresses: ['a', 'b'], check: async (address) => (address === 'a' ? Promise.reject(new Error('boom')) : true) });
  assert.equal(await locator.locate(), 'b');
});
