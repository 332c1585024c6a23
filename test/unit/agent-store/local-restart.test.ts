/** A stopped member's own agent: start it as a standby, rebuild it, or leave it, and why (local-restart.ts). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decideRestart, type RestartDecision } from '../../../src/agent/store/local-restart.ts';
import type { StoreView } from '../../../src/failover/adapters/index.ts';

const peers = new Map([['us-east', { name: 'us-east', host: '10.0.2.5', port: 5432 }], ['ap-south', { name: 'ap-south', host: '10.0.3.5', port: 5432 }]]);
const view = (over: Partial<StoreView> = {}): StoreView => ({
  record: { region: 'us-east', token: 12n, writtenBy: 'us-east/agent:x', at: '' }, lease: null, rejoin: new Map(), blocked: new Map(), sync: undefined, paused: undefined, ...over,
});

const cases: { name: string; view?: Partial<StoreView>; running: boolean | undefined; hasData: boolean; autoRejoin?: boolean; kind: RestartDecision['kind']; says?: RegExp }[] = [
  { name: 'stopped, another region is the primary: started as its standby', running: false, hasData: true, kind: 'start', says: /started as its standby/ },
  { name: 'its postmaster runs (frozen, overloaded): left alone', running: true, hasData: true, kind: 'leave', says: /postmaster runs/ },
  { name: 'no data directory configured: cannot tell, left alone', running: undefined, hasData: false, kind: 'leave', says: /--pg-data/ },
  { name: 'the record names this region: a failover is due, not a restart', view: { record: { region: 'eu-west', token: 9n, writtenBy: 'x', at: '' } }, running: false, hasData: true, kind: 'leave', says: /failover, not a restart/ },
  { name: 'paused: nothing is started', view: { paused: { by: 'alice', reason: 'upgrade', at: '' } }, running: false, hasData: true, kind: 'leave', says: /paused by alice.*meridian resume/ },
  { name: 'no readable record: nothing to follow', view: { record: 'unreadable' }, running: false, hasData: true, kind: 'leave' },
  { name: 'nothing left to start (a rebuild lost its source half way): rebuilt from the primary', running: false, hasData: false, kind: 'rebuild', says: /base backup/ },
  { name: 'nothing left, autoRejoin off: left for an operator, who is told how', running: false, hasData: false, autoRejoin: false, kind: 'leave', says: /meridian db rejoin --region eu-west --force/ },
];

describe('decideRestart', () => {
  for (const c of cases) {
    it(c.name, () => {
      const d = decideRestart({ self: 'eu-west', peers, autoRejoin: c.autoRejoin ?? true }, view(c.view), c.running, c.hasData);
      assert.equal(d.kind, c.kind, d.reason);
      if (c.says) assert.match(d.reason, c.says);
      if (d.kind !== 'leave') assert.equal(d.upstream.name, 'us-east');
    });
  }
});
