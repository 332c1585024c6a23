import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkHistory } from '../../../src/drill/history/index.ts';
import { WriteClient, toOp, type WriteResult, type WriteTransport } from '../../../src/drill/db/index.ts';

const EU = { region: 'eu-west', timeline: 1, systemId: '7301' };

/** A transport whose answers the test decides, one per write id, when it wants. */
function scripted(): WriteTransport & { pending: Map<string, (r: WriteResult) => void>; ids: string[] } {
  const pending = new Map<string, (r: WriteResult) => void>();
  const ids: string[] = [];
  return {
    name: 'scripted',
    pending,
    ids,
    write: (id) => {
      ids.push(id);
      return new Promise((resolve) => pending.set(id, resolve));
    },
  };
}

/** A clock the test moves by hand; sleep is not used by the client. */
function manualClock(start = 1000) {
  let now = start;
  return { nowMs: () => now, sleep: async () => {}, after: () => () => {}, advance: (ms: number) => void (now += ms) };
}

describe('WriteClient bookkeeping', () => {
  it('records each outcome exactly in the history shape: ack time only for ok, server kept, error kept', async () => {
    const t = scripted();
    const clock = manualClock();
    const client = new WriteClient({ transport: t, idPrefix: 'd1-m', clock });
    const ok = client.writeOnce();
    clock.advance(5);
    const fail = client.writeOnce();
    const unknown = client.writeOnce();
    clock.advance(20);
    t.pending.get('d1-m-000001')!({ outcome: 'ok', server: EU });
    t.pending.get('d1-m-000002')!({ outcome: 'fail', error: 'ECONNREFUSED' });
    t.pending.get('d1-m-000003')!({ outcome: 'unknown', error: 'no answer within 2000 ms', server: EU });
    assert.deepEqual(await ok, { id: 'd1-m-000001', kind: 'write', client: 'main', sentAtMs: 1000, ackedAtMs: 1025, outcome: 'ok', server: EU });
    assert.deepEqual(await fail, { id: 'd1-m-000002', kind: 'write', client: 'main', sentAtMs: 1005, outcome: 'fail', endedAtMs: 1025, error: 'ECONNREFUSED' });
    assert.deepEqual(await unknown, { id: 'd1-m-000003', kind: 'write', client: 'main', sentAtMs: 1005, outcome: 'unknown', endedAtMs: 1025, error: 'no answer within 2000 ms', server: EU });
    assert.equal(client.ops.length, 3);
    // The checker takes the ops as they are.
    const report = checkHistory({ ops: client.ops, survivingIds: ['d1-m-000001'], faultAtMs: 1001, targets: { rtoMs: 1000, rpoMs: 0 } });
    assert.equal(report.ackedWrites, 1);
    assert.deepEqual(report.unknownOutcomes, { present: [], absent: ['d1-m-000003'] });
  });

  it('a transport that throws is recorded as unknown, never lost from the history', async () => {
    const client = new WriteClient({ transport: { name: 'broken', write: () => Promise.reject(new Error('bug')) }, idPrefix: 'x' });
    const op = await client.writeOnce();
    assert.equal(op.outcome, 'unknown');
    assert.match(op.error ?? '', /transport threw: Error: bug/);
  });

  it('ids are unique, prefixed and sort in send order', async () => {
    const client = new WriteClient({ transport: { name: 'ok', write: async () => ({ outcome: 'ok' }) }, idPrefix: 'run-7', client: 'pinned' });
    const ops = await Promise.all(Array.from({ length: 12 }, () => client.writeOnce()));
    const ids = ops.map((o) => o.id);
    assert.equal(new Set(ids).size, 12);
    assert.deepEqual([...ids].sort(), ids);
    assert.equal(ids[9], 'run-7-000010');
    assert.ok(ops.every((o) => o.client === 'pinned'));
  });

  it('at most maxConcurrency writes in flight; ticks beyond are counted as skipped; stop waits for the rest', async () => {
    const t = scripted();
    const client = new WriteClient({ transport: t, idPrefix: 'c', rate: 500, maxConcurrency: 3 });
    client.start();
    await new Promise((r) => setTimeout(r, 60));
    assert.equal(t.ids.length, 3, 'no fourth write while three hang');
    assert.ok(client.skipped >= 5, `skipped ${client.skipped}`);
    let stopped = false;
    const stopping = client.stop().then(() => (stopped = true));
    await new Promise((r) => setTimeout(r, 10));
    assert.equal(stopped, false, 'stop waits for writes in flight');
    for (const resolve of t.pending.values()) resolve({ outcome: 'fail', error: 'late' });
    await stopping;
    assert.equal(client.ops.length, 3);
    assert.equal(client.inFlightCount, 0);
  });

  it('keeps the rate: about rate × duration writes', async () => {
    const client = new WriteClient({ transport: { name: 'ok', write: async () => ({ outcome: 'ok' }) }, idPrefix: 'r', rate: 200 });
    client.start();
    await new Promise((r) => setTimeout(r, 250));
    await client.stop();
    assert.ok(client.ops.length >= 35 && client.ops.length <= 60, `${client.ops.length} writes in 250 ms at 200/s`);
  });

  it('refuses a rate out of range and an id prefix with odd characters', () => {
    const transport = { name: 'ok', write: async () => ({ outcome: 'ok' as const }) };
    assert.throws(() => new WriteClient({ transport, idPrefix: 'a', rate: 0 }), /rate must be in \(0, 1000\]/);
    assert.throws(() => new WriteClient({ transport, idPrefix: 'a b' }), /id prefix/);
  });

  it('toOp never gives a non-ok op an ack time', () => {
    assert.equal(toOp('i', 'main', 1, 2, { outcome: 'unknown', error: 'e' }).ackedAtMs, undefined);
    assert.equal(toOp('i', 'main', 1, 2, { outcome: 'ok' }).ackedAtMs, 2);
  });
});
