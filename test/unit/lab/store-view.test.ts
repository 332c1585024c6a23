import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { DbState, PrimaryState, StandbyState } from '../../../src/data/index.ts';
import { materializeTopology } from '../../../src/lab/materialize.ts';
import { connectionString, storeTargets, summarizeStore, type StoreTarget } from '../../../src/lab/store-view.ts';
import { DEFAULT_TOPOLOGY_YAML, parseTopology } from '../../../src/spec/index.ts';

const source = parseTopology(DEFAULT_TOPOLOGY_YAML);
const [target] = storeTargets(materializeTopology(source)) as [StoreTarget];
const app = { user: 'app', password: 'p@ss/word' };

const common = { reachable: true as const, systemIdentifier: '7', history: undefined, serverVersionNum: 150000, synchronousStandbyNames: '', readOnlyByDefault: false };
const primary = (lsn: bigint, timeline = 1): PrimaryState => ({ ...common, role: 'primary', timeline, currentLsn: lsn, replicas: [] });
const standby = (lsn: bigint, streaming = true, timeline = 1): StandbyState => ({
  ...common,
  role: 'standby',
  timeline,
  replayLsn: lsn,
  receiveLsn: lsn,
  replayTimestamp: undefined,
  replayPaused: false,
  walReceiver: streaming ? { status: 'streaming', receivedTimeline: timeline, flushedLsn: lsn, senderHost: undefined, senderPort: undefined, slotName: undefined } : undefined,
  upstreamConfigured: undefined,
});
const fenced = (lsn: bigint, timeline = 1): PrimaryState => ({ ...primary(lsn, timeline), readOnlyByDefault: true });
const down = (reason = 'connection refused'): DbState => ({ reachable: false, reason });

describe('storeTargets', () => {
  it('takes members from the endpoints, primary region first, and the GSLB name from the zone', () => {
    assert.deepEqual(target, {
      name: 'orders',
      engine: 'postgres',
      replication: 'sync',
      database: 'orders',
      primaryFqdn: 'primary.orders.db.global.meridian.test',
      primaryRegion: 'eu-west',
      members: [
        { region: 'eu-west', host: '10.231.1.5', port: 5432 },
        { region: 'us-east', host: '10.231.2.5', port: 5432 },
        { region: 'ap-south', host: '10.231.3.5', port: 5432 },
      ],
    });
  });

  it('needs an endpoint for every member region (a production file lists them by hand)', () => {
    assert.throws(() => storeTargets(source), {
      name: 'InputError',
      message: "store 'orders' has no endpoint for region eu-west: list its database address under stores[].endpoints (the lab fills them in)",
    });
  });
});

describe('summarizeStore', () => {
  const cases: { name: string; observed: DbState[]; primary: string; source: 'observed' | 'topology'; roles: string[] }[] = [
    { name: 'all up: the configured primary', observed: [primary(100n), standby(100n), standby(90n)], primary: 'eu-west', source: 'observed', roles: ['primary', 'standby', 'standby'] },
    { name: 'after a failover: the promoted member', observed: [down(), primary(200n, 2), standby(150n, true, 2)], primary: 'us-east', source: 'observed', roles: ['unknown', 'primary', 'standby'] },
    { name: 'nobody answers as primary: the configured one, said so', observed: [down(), standby(100n), down()], primary: 'eu-west', source: 'topology', roles: ['unknown', 'standby', 'unknown'] },
    { name: 'split brain: the newest timeline wins the headline, both stay visible', observed: [primary(120n, 1), primary(130n, 2), standby(100n)], primary: 'us-east', source: 'observed', roles: ['primary', 'primary', 'standby'] },
    { name: 'a fenced old primary is no primary: the writable one on the new timeline', observed: [fenced(300n, 1), primary(200n, 2), standby(150n, true, 2)], primary: 'us-east', source: 'observed', roles: ['primary', 'primary', 'standby'] },
    { name: 'only a fenced primary answers (the new one briefly unreachable): none observed', observed: [fenced(300n, 1), down(), standby(150n, false, 2)], primary: 'eu-west', source: 'topology', roles: ['primary', 'unknown', 'standby'] },
    { name: 'split brain on one timeline: the configured one', observed: [primary(120n), standby(100n), primary(130n)], primary: 'eu-west', source: 'observed', roles: ['primary', 'standby', 'primary'] },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const s = summarizeStore(target, c.observed, app);
      assert.equal(s.primary, c.primary);
      assert.equal(s.primarySource, c.source);
      assert.deepEqual(s.members.map((m) => m.role), c.roles);
    });
  }

  it('reports each member: address, LSN as text, timeline, streaming, reachability and why not', () => {
    const s = summarizeStore(target, [primary(0x3000148n), standby(0x3000100n), standby(0x3000000n, false)], app);
    assert.deepEqual(s.members, [
      { region: 'eu-west', role: 'primary', address: '10.231.1.5:5432', lsn: '0/3000148', timeline: 1, streaming: null, fenced: false, reachable: true },
      { region: 'us-east', role: 'standby', address: '10.231.2.5:5432', lsn: '0/3000100', timeline: 1, streaming: true, fenced: null, reachable: true },
      { region: 'ap-south', role: 'standby', address: '10.231.3.5:5432', lsn: '0/3000000', timeline: 1, streaming: false, fenced: null, reachable: true },
    ]);
    const cut = summarizeStore(target, [down('no answer (ETIMEDOUT)'), standby(1n), standby(1n)]).members[0];
    assert.deepEqual(cut, { region: 'eu-west', role: 'unknown', address: '10.231.1.5:5432', lsn: null, timeline: null, streaming: null, fenced: null, reachable: false, reason: 'no answer (ETIMEDOUT)' });
  });

  it('gives connection strings for the GSLB name and for the current primary directly', () => {
    const s = summarizeStore(target, [down(), primary(1n, 2), standby(1n)], app);
    assert.equal(s.connectionString, 'postgresql://app:p%40ss%2Fword@primary.orders.db.global.meridian.test:5432/orders');
    assert.equal(s.connectionStringDirect, 'postgresql://app:p%40ss%2Fword@10.231.2.5:5432/orders');
    assert.equal(summarizeStore(target, [primary(1n), standby(1n), standby(1n)]).connectionStringDirect, 'postgresql://10.231.1.5:5432/orders');
  });

  it('refuses observations that do not match the members (a broken invariant)', () => {
    assert.throws(() => summarizeStore(target, [primary(1n)]), /1 observations for 3 members/);
  });
});

describe('connectionString', () => {
  it('brackets IPv6 hosts', () => {
    assert.equal(connectionString('fd77:231::1:5', 5432, 'orders'), 'postgresql://[fd77:231::1:5]:5432/orders');
  });
});
