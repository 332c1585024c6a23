/** Named table tests of what an agent does about its own database (decideLocal, confirmAcquired). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { confirmAcquired, decideLocal, type LocalDb, type LocalInput } from '../../../src/agent/store/index.ts';
import type { Mark, StoreView } from '../../../src/failover/adapters/index.ts';

const MARK: Mark = { token: 50n, reason: 'test', at: '' };
const primary = (fenced = false): LocalDb => ({ kind: 'primary', fenced, timeline: 1, lsn: 100n });
const standby: LocalDb = { kind: 'standby', timeline: 1, lsn: 90n };
const unreachable: LocalDb = { kind: 'unreachable', reason: 'refused' };

function view(over: Partial<StoreView> & { recordRegion?: string | null; recordToken?: bigint } = {}): StoreView {
  const { recordRegion = 'eu', recordToken = 10n, ...rest } = over;
  return {
    record: recordRegion === null ? undefined : { region: recordRegion, token: recordToken, writtenBy: `${recordRegion}/agent:x`, at: '' },
    lease: null,
    rejoin: new Map(),
    blocked: new Map(),
    sync: undefined,
    paused: undefined,
    ...rest,
  };
}

function input(over: Partial<LocalInput>): LocalInput {
  return {
    self: 'eu', holderId: 'eu/agent:me', bootstrapRegion: 'eu', db: primary(), etcd: { kind: 'read', view: view() }, holding: undefined,
    unhealthyChecks: 0, releaseAfterChecks: 2, ...over,
  };
}

const read = (v: StoreView) => ({ kind: 'read' as const, view: v });

const cases: { name: string; input: LocalInput; kind: string; needsRejoin?: boolean; fence?: boolean }[] = [
  { name: 'recorded primary, lease free: acquire', input: input({}), kind: 'acquire' },
  { name: 'bootstrap: no record, we are the first primary: acquire', input: input({ etcd: read(view({ recordRegion: null })) }), kind: 'acquire' },
  { name: 'bootstrap: no record, another region is first: fence, not a rejoin', input: input({ self: 'us', etcd: read(view({ recordRegion: null })) }), kind: 'fence', needsRejoin: false },
  { name: 'holding, record has our token: nothing', input: input({ holding: 10n, etcd: read(view({ lease: { holder: 'eu/agent:x', token: 10n } })) }), kind: 'none' },
  { name: 'holding, record carries an older token: write ours', input: input({ holding: 12n, etcd: read(view({ lease: { holder: 'eu/agent:x', token: 12n } })) }), kind: 'recordToken' },
  { name: 'holding, quorum shows another token: release and fence', input: input({ holding: 10n, etcd: read(view({ lease: { holder: 'eu/agent:y', token: 11n } })) }), kind: 'release', fence: true },
  { name: 'holding but our database was fenced: release, never lift with this lease', input: input({ holding: 10n, db: primary(true), etcd: read(view({ lease: { holder: 'eu/agent:x', token: 10n } })) }), kind: 'release', fence: true },
  { name: 'zombie after a failover: record names another region: fence and needs rejoin', input: input({ etcd: read(view({ recordRegion: 'us' })) }), kind: 'fence', needsRejoin: true },
  { name: 'zombie holding a lease: release, fence, needs rejoin', input: input({ holding: 10n, etcd: read(view({ recordRegion: 'us' })) }), kind: 'release', fence: true, needsRejoin: true },
  { name: 'marked for rejoin: fence', input: input({ etcd: read(view({ rejoin: new Map([['eu', MARK]]) })) }), kind: 'fence', needsRejoin: true },
  { name: 'writes blocked for a switchover: fence', input: input({ etcd: read(view({ blocked: new Map([['eu', MARK]]) })) }), kind: 'fence', needsRejoin: false },
  { name: 'writes blocked while holding: release and fence', input: input({ holding: 10n, etcd: read(view({ blocked: new Map([['eu', MARK]]), lease: { holder: 'eu/agent:x', token: 10n } })) }), kind: 'release', fence: true },
  { name: 'key held for us by a promotion: wait, do not fence', input: input({ etcd: read(view({ lease: { holder: 'eu/promotion:us', token: 20n } })) }), kind: 'none' },
  { name: 'key held for us by our previous process (another boot): wait, do not fence', input: input({ etcd: read(view({ lease: { holder: 'eu/agent:old-boot', token: 20n } })) }), kind: 'none' },
  { name: 'key held by our own earlier lease, given up (not holding): take it again (the store revokes the old one)', input: input({ db: primary(true), etcd: read(view({ lease: { holder: 'eu/agent:me', token: 20n } })) }), kind: 'acquire' },
  { name: 'key held by another region: fence', input: input({ etcd: read(view({ lease: { holder: 'us/agent:z', token: 20n } })) }), kind: 'fence', needsRejoin: false },
  { name: 'etcd unreachable, not holding: fence (no proof)', input: input({ etcd: { kind: 'unavailable', reason: 'timeout' } }), kind: 'fence' },
  { name: 'etcd unreachable, holding: the local deadline decides', input: input({ holding: 10n, etcd: { kind: 'unavailable', reason: 'timeout' } }), kind: 'none' },
  { name: 'unreadable record: fence', input: input({ etcd: read({ ...view(), record: 'unreadable' }) }), kind: 'fence' },
  { name: 'database down once while holding: keep the lease', input: input({ holding: 10n, db: unreachable, unhealthyChecks: 1 }), kind: 'none' },
  { name: 'database down twice while holding: fence (hard) and release, so a frozen one cannot thaw writable', input: input({ holding: 10n, db: unreachable, unhealthyChecks: 2 }), kind: 'release', fence: true },
  { name: 'down for enough checks but not long enough (slow answers under load): keep the lease', input: input({ holding: 10n, db: unreachable, unhealthyChecks: 3, releaseAfterChecks: 3, unhealthyForMs: 900, releaseAfterMs: 2000 }), kind: 'none' },
  { name: 'down for enough checks over half a TTL: fence hard and release', input: input({ holding: 10n, db: unreachable, unhealthyChecks: 3, releaseAfterChecks: 3, unhealthyForMs: 2100, releaseAfterMs: 2000 }), kind: 'release', fence: true },
  { name: 'every slot taken (too many clients) for over half a TTL: busy, not dead: keep the lease', input: input({ holding: 10n, db: { ...unreachable, code: 'full' }, unhealthyChecks: 3, unhealthyForMs: 5000, releaseAfterMs: 2000, releaseWhenBusyMs: 12_000 }), kind: 'none' },
  { name: 'connections time out while its postmaster runs: overloaded: keep the lease within the busy window', input: input({ holding: 10n, db: { ...unreachable, code: 'timeout', postmaster: 'running' }, unhealthyChecks: 3, unhealthyForMs: 11_000, releaseAfterMs: 2000, releaseWhenBusyMs: 12_000 }), kind: 'none' },
  { name: 'busy past the busy window: hung, not slow: fence hard and release', input: input({ holding: 10n, db: { ...unreachable, code: 'timeout', postmaster: 'running' }, unhealthyChecks: 4, unhealthyForMs: 12_500, releaseAfterMs: 2000, releaseWhenBusyMs: 12_000 }), kind: 'release', fence: true },
  { name: 'connections time out and its postmaster is stopped (SIGSTOP): frozen: fence hard and release after half a TTL', input: input({ holding: 10n, db: { ...unreachable, code: 'timeout', postmaster: 'stopped' }, unhealthyChecks: 2, unhealthyForMs: 2100, releaseAfterMs: 2000, releaseWhenBusyMs: 12_000 }), kind: 'release', fence: true },
  { name: 'connections time out, postmaster unknown (no data directory): not proven busy: the short window', input: input({ holding: 10n, db: { ...unreachable, code: 'timeout' }, unhealthyChecks: 2, unhealthyForMs: 2100, releaseAfterMs: 2000, releaseWhenBusyMs: 12_000 }), kind: 'release', fence: true },
  { name: 'refused (postmaster gone): the short window', input: input({ holding: 10n, db: { ...unreachable, code: 'refused', postmaster: 'gone' }, unhealthyChecks: 2, unhealthyForMs: 2100, releaseAfterMs: 2000, releaseWhenBusyMs: 12_000 }), kind: 'release', fence: true },
  { name: 'database down, not holding: nothing', input: input({ db: unreachable }), kind: 'none' },
  { name: 'standby, not holding: nothing', input: input({ db: standby }), kind: 'none' },
  { name: 'demoted to standby while holding: release', input: input({ db: standby, holding: 10n }), kind: 'release', fence: false },
];

for (const c of cases) {
  test(`decideLocal: ${c.name}`, () => {
    const action = decideLocal(c.input);
    assert.equal(action.kind, c.kind, action.reason);
    if (c.needsRejoin !== undefined && 'needsRejoin' in action) assert.equal(action.needsRejoin, c.needsRejoin);
    if (c.fence !== undefined && action.kind === 'release') assert.equal(action.fence, c.fence);
  });
}

test('confirmAcquired: acts only when records read after the acquire still name us with our new token', () => {
  const ours = { holder: 'eu/agent:x', token: 30n };
  assert.equal(confirmAcquired(view({ lease: ours }), 'eu', 'eu', 30n).kind, 'act');
  const promoted = confirmAcquired(view({ lease: ours, recordRegion: 'us' }), 'eu', 'eu', 30n);
  assert.deepEqual([promoted.kind, promoted.kind === 'giveUp' && promoted.needsRejoin], ['giveUp', true]);
  assert.equal(confirmAcquired(view({ lease: ours, rejoin: new Map([['eu', MARK]]) }), 'eu', 'eu', 30n).kind, 'giveUp');
  assert.equal(confirmAcquired(view({ lease: ours, blocked: new Map([['eu', MARK]]) }), 'eu', 'eu', 30n).kind, 'giveUp');
  assert.equal(confirmAcquired(view({ lease: { holder: 'eu/agent:x', token: 29n } }), 'eu', 'eu', 30n).kind, 'giveUp');
  assert.equal(confirmAcquired(view({ lease: ours, recordRegion: null }), 'eu', 'eu', 30n).kind, 'act', 'bootstrap');
  assert.equal(confirmAcquired(view({ lease: ours, recordRegion: null }), 'eu', 'us', 30n).kind, 'giveUp', 'not the bootstrap region');
});
