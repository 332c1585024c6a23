/**
 * The failback's store half and health gate, pure (src/cli/failback-switchover.ts,
 * src/cli/failback-gate.ts): the refusals before the switchover, "done" only as every agent
 * observes it, and the gate over every agent's /status. The readings are the /status documents'
 * fields these functions read, built here as plain data.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AgentReading } from '../../../src/agent/status-client.ts';
import type { AgentStatus } from '../../../src/agent/status.ts';
import type { StorePlanPreview } from '../../../src/agent/store/plan-preview.ts';
import type { RunbookStatus, StoreStatus } from '../../../src/agent/store/status.ts';
import { healthGate } from '../../../src/cli/failback-gate.ts';
import { observeSwitchover, preflight } from '../../../src/cli/failback-switchover.ts';

const STORE = 'orders';
const R = 'eu-west';
const AGENTS = ['eu-west', 'us-east', 'ap-south'];

function store(over: Partial<StoreStatus> = {}): StoreStatus {
  return {
    store: STORE, supervised: true, etcd: { ok: true }, dns: {}, local: null, lastPlan: null, lastRunbook: null, runningRunbook: null,
    primary: { region: 'us-east', token: '12', timeline: 2, writtenBy: 'us-east/agent:b', at: '2026-12-01T10:00:00Z' },
    lease: { holder: 'us-east/agent:b', token: '12' },
    marks: { rejoin: [], blocked: [] }, paused: null,
    coordinator: { holder: 'ap-south', token: '3', self: false },
    ...over,
  };
}
const onR = { primary: { region: R, token: '15', timeline: 3, writtenBy: 'eu-west/agent:a', at: '2026-12-01T10:05:00Z' }, lease: { holder: 'eu-west/agent:a', token: '15' } };

type Endpoints = Readonly<Record<string, readonly ('up' | 'down')[]>>;

/** An agent's /status: the store as given (the coordinator's view in ap-south), web's endpoints per region. */
function reading(agent: string, s: Partial<StoreStatus>, web: Endpoints = { [R]: ['up', 'up'], 'us-east': ['up'] }): AgentReading {
  const status = {
    region: agent,
    services: [{ service: 'web', fqdn: 'web.global.test', regions: Object.entries(web).map(([region, states]) => ({
      region,
      endpoints: states.map((routed, i) => ({ address: `10.${region.length}.0.${i + 1}`, routed, downVotes: routed === 'down' ? ['us-east', 'ap-south'] : [], voters: AGENTS, vantages: {} })),
    })) }],
    stores: { supervised: true, stores: [store({ ...s, coordinator: { holder: 'ap-south', token: '3', self: agent === 'ap-south' } })] },
  } as unknown as AgentStatus;
  return { region: agent, api: `http://${agent}`, kind: 'ok', status };
}
const all = (s: Partial<StoreStatus>, coordinatorExtra: Partial<StoreStatus> = {}, web?: Endpoints): AgentReading[] =>
  AGENTS.map((a) => reading(a, a === 'ap-south' ? { ...s, ...coordinatorExtra } : s, web));
const down = (agent: string): AgentReading => ({ region: agent, api: `http://${agent}`, kind: 'unreachable', reason: 'timeout' });

function preview(outcome: StorePlanPreview['outcome'], reason?: string): StorePlanPreview {
  return {
    store: STORE, kind: 'switchover', subject: R, primary: { region: 'us-east', timeline: 2, lsn: '0/3000000', reachable: true }, outcome,
    plans: [], steps: [], promote: null, syncProof: null, lag: [], waits: reason ? [{ code: null, reason }] : [],
  };
}
const runbook = (id: string, kind: string, outcome: RunbookStatus['outcome'], summary = 'x', detail?: string): RunbookStatus =>
  ({ runbookId: id, kind, summary, outcome, ...(detail ? { detail } : {}), steps: [] });

describe('preflight: may the switchover back to R start', () => {
  const table: { name: string; readings: AgentReading[]; plan: StorePlanPreview; kind: string; says?: RegExp }[] = [
    { name: 'a healthy standby, nothing open: go', readings: all({}), plan: preview('runs'), kind: 'go' },
    { name: 'R already the primary with its own lease: skip to the ramp', readings: all(onR), plan: preview('noop'), kind: 'already', says: /eu-west already is orders's primary, holding its lease \(token 15\)/ },
    {
      name: 'paused: refused, names who paused it and the command that resumes',
      readings: all({ paused: { by: 'bob', reason: 'kernel upgrade', at: '2026-12-01T09:00:00Z' } }), plan: preview('runs'), kind: 'refused',
      says: /^store orders is paused by bob since 2026-12-01T09:00:00Z \(kernel upgrade\): .*resume with: meridian resume --store orders$/,
    },
    {
      name: 'a failover runbook running: refused, how to follow or abort it',
      readings: all({}, { runningRunbook: runbook('orders/failover/us-east/1', 'failover', 'running', 'fail over from us-east') }), plan: preview('runs'), kind: 'refused',
      says: /^a failover runbook of orders is running \(orders\/failover\/us-east\/1: fail over from us-east\): let the reconciler finish it .*meridian db runbook abort --store orders$/,
    },
    {
      name: 'a failover runbook left open (pending rebuild): refused',
      readings: all({}, { lastRunbook: runbook('orders/failover/eu-west/1', 'failover', 'pending', 'x', 'rejoin:ap-south: base backup running') }), plan: preview('runs'), kind: 'refused',
      says: /a failover runbook of orders is open \(orders\/failover\/eu-west\/1 ended pending: rejoin:ap-south: base backup running\)/,
    },
    {
      name: 'a closed failover runbook does not block',
      readings: all({}, { lastRunbook: runbook('orders/failover/eu-west/1', 'failover', 'completed') }), plan: preview('runs'), kind: 'go',
    },
    {
      name: 'R not a streaming standby (the switchover planner refuses): refused with its reason and how to bring R back',
      readings: all({}), plan: preview('blocked', 'cannot switch over to eu-west: eu-west does not stream from the primary us-east'), kind: 'refused',
      says: /^cannot fail orders back to eu-west: cannot switch over to eu-west: eu-west does not stream from the primary us-east; eu-west must be a healthy standby streaming from the primary us-east on its timeline .*meridian db rejoin --store orders --region eu-west\)$/,
    },
    { name: 'no coordinator among the agents: refused', readings: [reading('us-east', {}), down('ap-south')], plan: preview('runs'), kind: 'refused', says: /no failover coordinator reports store orders/ },
  ];
  for (const t of table) {
    it(t.name, () => {
      const got = preflight(t.readings, STORE, R, t.plan);
      assert.equal(got.kind, t.kind, JSON.stringify(got));
      if (t.says) assert.match('detail' in got ? got.detail : '', t.says);
    });
  }
});

describe('observeSwitchover: done only as the agents observe it', () => {
  const ID = 'orders/switchover/eu-west/1700';
  const table: { name: string; readings: AgentReading[]; id?: string; kind: string; says?: RegExp }[] = [
    { name: 'the record still names the old primary: waiting, per agent', readings: all({}), id: ID, kind: 'waiting', says: /the agent in eu-west reads: the primary record names us-east \(token 12\)/ },
    {
      name: "the record names R but the promotion still holds the lease: waiting",
      readings: all({ ...onR, lease: { holder: 'eu-west/promotion:ap-south', token: '14' } }), id: ID, kind: 'waiting', says: /held by eu-west\/promotion:ap-south, not by eu-west's agent/,
    },
    { name: "R's agent holds the lease under an older token than the record's: waiting", readings: all({ ...onR, lease: { holder: 'eu-west/agent:a', token: '14' } }), id: ID, kind: 'waiting', says: /lease \(token 14\) is not yet the record's \(token 15\)/ },
    { name: 'one agent still reads the old record: waiting', readings: [...all(onR, { lastRunbook: runbook(ID, 'switchover', 'completed') }).slice(0, 2), reading('ap-south', {})], id: ID, kind: 'waiting', says: /ap-south reads: the primary record names us-east/ },
    { name: 'primary and lease on R, runbook still running: waiting', readings: all(onR, { runningRunbook: runbook(ID, 'switchover', 'running', 'switch orders over') }), id: ID, kind: 'waiting', says: /is running orders\/switchover\/eu-west\/1700/ },
    { name: 'primary and lease on R, runbook ended pending (a rebuild): waiting', readings: all(onR, { lastRunbook: runbook(ID, 'switchover', 'pending', 'x', 'rejoin:us-east: running') }), id: ID, kind: 'waiting', says: /ended pending \(rejoin:us-east: running\)/ },
    { name: 'primary and lease on R, runbook closed ok: done', readings: all(onR, { lastRunbook: runbook(ID, 'switchover', 'completed') }), id: ID, kind: 'done', says: /runbook orders\/switchover\/eu-west\/1700 closed ok/ },
    { name: 'an unreachable agent is not waited for', readings: [...all(onR, { lastRunbook: runbook(ID, 'switchover', 'completed') }).slice(1), down('eu-west')], id: ID, kind: 'done' },
    {
      name: 'a new coordinator that never saw the runbook: done once it plans nothing more',
      readings: all(onR, { lastPlan: { at: '', kind: 'noop', reason: 'eu-west is the primary and everything follows it', executed: false } }), id: ID, kind: 'done', says: /has nothing left to do/,
    },
    { name: 'a new coordinator still converging: waiting', readings: all(onR, { lastPlan: { at: '', kind: 'run', reason: 'repoint ap-south', executed: true } }), id: ID, kind: 'waiting', says: /still plans: run: repoint ap-south/ },
    {
      name: 'the runbook closed but the primary never moved (the switchover aborted): failed',
      readings: all({}, { lastRunbook: runbook(ID, 'switchover', 'completed', 'switchover to eu-west aborted: eu-west does not answer') }), id: ID, kind: 'failed',
      says: /ended without moving the primary: switchover to eu-west aborted/,
    },
  ];
  for (const t of table) {
    it(t.name, () => {
      const got = observeSwitchover(t.readings, STORE, R, t.id);
      assert.equal(got.kind, t.kind, got.detail);
      if (t.says) assert.match(got.detail, t.says);
    });
  }
});

describe('healthGate: every agent, majority-routed', () => {
  const onRStore = onR;
  const table: { name: string; readings: AgentReading[]; ok: boolean; says?: RegExp }[] = [
    { name: 'every endpoint routed up on every agent, primary in R: pass', readings: all(onRStore), ok: true },
    { name: 'one agent unreachable, still a majority: pass', readings: [...all(onRStore).slice(0, 2), down('ap-south')], ok: true },
    { name: 'two of three unreachable: blocked, not a majority', readings: [all(onRStore)[0]!, down('us-east'), down('ap-south')], ok: false, says: /only 1 of 3 agents answered, not a majority \(us-east: timeout; ap-south: timeout\)/ },
    {
      name: 'one endpoint routed down by one agent: blocked, naming the agent and the votes',
      readings: [reading('eu-west', onRStore, { [R]: ['up', 'down'] }), ...all(onRStore).slice(1)], ok: false,
      says: /^web\/eu-west: 1 of 2 endpoints routed down by the majority view of the agent in eu-west: 10\.7\.0\.2 \(down for us-east, ap-south\)$/,
    },
    { name: "an agent that does not list R's endpoints: blocked", readings: all(onRStore, {}, { 'us-east': ['up'] }), ok: false, says: /web\/eu-west: the agent in eu-west reports no endpoint of it/ },
    { name: 'the primary moved away again: blocked', readings: all({}), ok: false, says: /store orders: the agent in eu-west reads the primary record naming us-east, not eu-west/ },
  ];
  for (const t of table) {
    it(t.name, () => {
      const got = healthGate({ readings: t.readings, region: R, services: ['web'], store: STORE });
      assert.equal(got.ok, t.ok, JSON.stringify(got));
      if (t.says && !got.ok) assert.match(got.blockers[0] ?? '', t.says);
    });
  }
});
