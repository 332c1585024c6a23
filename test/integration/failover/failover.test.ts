/**
 * Automatic failover on loopback (real etcd, real PostgreSQL, three in-process agents): the
 * primary's database stops; its agent gives up the lease; the elected coordinator promotes the
 * MOST UP-TO-DATE standby (ap: us was cut from replication before the last writes, so it is
 * behind), repoints us, moves the record and the token, writes every step to the audit, and
 * every agent's DNS answers the new primary. The old primary, restarted, is fenced by its own
 * agent, never takes the primary role back, and is rebuilt as a standby by the reconciler.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { start, stop } from '../../../src/data/index.ts';
import { readJsonlAudit } from '../../../src/failover/index.ts';
import { sql } from '../../support/postgres.ts';
import { DB_IP, REGIONS, adminOf, allAnswer, meridian, roleOf, startStoreCluster, tryWrite, until, type StoreCluster } from './fixtures.ts';

let cluster: StoreCluster;

before(async () => {
  cluster = await startStoreCluster();
  for (const r of REGIONS) await cluster.startAgent(r);
});

after(async () => {
  await cluster?.close();
});

test('primary database stops: the most up-to-date standby is promoted, the rest follows, DNS moves, the old primary is rebuilt', { timeout: 120_000 }, async (t) => {
  const { members } = cluster;
  await until('eu to be the recorded primary with its lease', () => {
    const s = cluster.storeStatus('us');
    return s.primary?.region === 'eu' && s.lease?.holder.startsWith('eu/agent:') && s.coordinator.holder ? s : undefined;
  }, 20_000);
  await allAnswer(cluster, REGIONS, DB_IP.eu, 10_000);
  const before = cluster.storeStatus('eu');
  const oldToken = BigInt(before.primary!.token);

  // us is down while the last writes happen and comes back only once eu is gone: it is behind
  // and has nobody to catch up from. ap streams everything. (Its agent is stopped too: it would
  // start its stopped database again at once, as a standby of the recorded primary.)
  await cluster.stopAgent('us');
  await stop(members.us, { mode: 'fast' });
  for (let id = 1; id <= 50; id++) assert.equal(await tryWrite(members.eu, id), 'ok');
  await until('ap to replay the last write', async () => {
    const [rows] = await sql<{ n: string }>({ ...adminOf(members.ap), database: 'app' }, 'SELECT count(*)::text AS n FROM writes');
    return rows?.n === '50' ? true : undefined;
  }, 10_000);

  const stoppedAt = Date.now();
  await stop(members.eu, { mode: 'immediate' });
  await start(members.us);
  await cluster.startAgent('us');

  const after = await until('the record to name a new primary', () => {
    const s = cluster.storeStatus('us');
    return s.primary && s.primary.region !== 'eu' && s.lease?.holder.startsWith(`${s.primary.region}/agent:`) ? s : undefined;
  }, 30_000);
  assert.equal(after.primary?.region, 'ap', 'ap had replayed more than us');
  assert.ok(BigInt(after.primary!.token) > oldToken, `new token ${after.primary?.token} > old ${oldToken}`);
  await allAnswer(cluster, REGIONS, DB_IP.ap, 10_000);
  const moved = Date.now() - stoppedAt;

  // The runbook finishes: us follows ap, and the audit has every step, started then ok, with tokens.
  const records = await until('the failover runbook to close ok', async () => {
    const all = await cluster.audit();
    return all.some((r) => r.kind === 'runbook' && r.result === 'ok' && r.runbookId.startsWith('orders/failover/eu/')) ? all : undefined;
  }, 30_000);
  const runbookId = records.find((r) => r.kind === 'runbook' && r.result === 'ok')!.runbookId;
  const mine = records.filter((r) => r.runbookId === runbookId && r.kind !== 'runbook');
  const okSteps = mine.filter((r) => r.result === 'ok').map((r) => r.stepId);
  for (const expected of ['freeze:us', 'freeze:ap', 'promote:ap', 'repoint:us->ap', 'validate-write:ap', 'mark-rejoin:eu']) {
    assert.ok(okSteps.includes(expected), `${expected} in ${okSteps.join(', ')}`);
  }
  assert.ok(okSteps.some((id) => id.startsWith('await-fence:eu@')), okSteps.join(', '));
  const promoteReason = mine.find((r) => r.stepId === 'promote:ap' && r.result === 'started')?.detail ?? '';
  assert.match(promoteReason, /ap holds the most WAL/);
  t.diagnostic(`promote reason: ${promoteReason}`);
  for (const id of okSteps) assert.ok(mine.some((r) => r.stepId === id && r.result === 'started'), `${id} has a started record`);
  assert.ok(mine.every((r) => r.token > 0n), 'every record carries the coordinator token');

  // The same records are in the coordinator's local JSON-lines file.
  const coordinator = after.coordinator.holder as string;
  const local = await readJsonlAudit(join(cluster.dir, `state-${coordinator}`, 'audit-orders.jsonl'));
  assert.ok(local.records.some((r) => r.runbookId === runbookId && r.stepId === 'promote:ap' && r.result === 'ok'));
  assert.match(await readFile(join(cluster.dir, `state-${coordinator}`, 'audit-orders.jsonl'), 'utf8'), /"stepId":"promote:ap"/);

  // us streams from ap and replays what ap commits now.
  assert.equal(await roleOf(members.us), 'standby');
  assert.equal(await tryWrite(members.ap, 1000), 'ok');
  await until('us to replay a write made on ap', async () => {
    const [row] = await sql<{ n: string }>({ ...adminOf(members.us), database: 'app' }, 'SELECT count(*)::text AS n FROM writes WHERE id = 1000');
    return row?.n === '1' ? true : undefined;
  }, 15_000);
  const status = cluster.storeStatus(coordinator as 'eu');
  assert.ok(status.lastRunbook, 'the coordinator reports its last runbook in /status');
  assert.ok(status.marks.rejoin.includes('eu'));
  t.diagnostic(`record moved and DNS answered ap ${moved} ms after the primary stopped`);

  // The old primary comes back as it was (a writable primary): its agent fences it at once, and
  // the reconciler rebuilds it (pg_rewind) as a standby of ap: it never takes the primary role back.
  await start(members.eu);
  await until('eu to be fenced by its agent', async () => ((await tryWrite(members.eu, 2000)).includes('read-only') ? true : undefined), 10_000);
  assert.equal(cluster.storeStatus('eu').primary?.region, 'ap');
  await until('eu to be rebuilt as a standby of ap, its rejoin mark cleared', async () => {
    const s = cluster.storeStatus('ap');
    return (await roleOf(members.eu)) === 'standby' && !s.marks.rejoin.includes('eu') ? true : undefined;
  }, 30_000);
  assert.equal(await tryWrite(members.ap, 1001), 'ok');
  await until('eu to replay a write made on ap', async () => {
    const [row] = await sql<{ n: string }>({ ...adminOf(members.eu), database: 'app' }, 'SELECT count(*)::text AS n FROM writes WHERE id = 1001');
    return row?.n === '1' ? true : undefined;
  }, 15_000);
  const rebuilt = (await cluster.audit()).filter((r) => r.stepId.startsWith('rejoin:eu<-ap') && r.result === 'ok');
  assert.equal(rebuilt.length, 1, 'one rebuild, recorded');

  // The rebuilt member is a proper standby: an operator can switch over to it. A bad region is exit 2.
  const back = await meridian(['switchover', '--store', 'orders', '--to', 'eu', '-f', cluster.topologyFile]);
  assert.equal(back.code, 0, back.stdout + back.stderr);
  assert.equal(cluster.storeStatus('us').primary?.region, 'eu');
  const bad = await meridian(['switchover', '--store', 'orders', '--to', 'mars', '-f', cluster.topologyFile]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /region 'mars' is not a member of store 'orders'/);
});
