import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { judgeConvergence, type AgentFacts, type ConvergenceSnapshot, type MemberFacts } from '../../../src/drill/chaos/index.ts';

const EU = '10.231.1.5';
const US = '10.231.2.5';
const AP = '10.231.3.5';
const PORT = 5432;

/** A converged store: us-east primary on timeline 2, the others streaming from it, every agent agreeing. */
const primary = (over: Partial<MemberFacts> = {}): MemberFacts => ({ region: 'us-east', host: US, port: PORT, reachable: true, inRecovery: false, readOnly: false, fenced: false, timeline: 2, walReceiver: null, ...over });
const standby = (region: string, host: string, over: Partial<MemberFacts> = {}): MemberFacts => ({
  region, host, port: PORT, reachable: true, inRecovery: true, readOnly: true, fenced: false,
  walReceiver: { status: 'streaming', senderHost: US, senderPort: PORT, receivedTli: 2 }, ...over,
});
const agent = (region: string, over: Partial<AgentFacts> = {}): AgentFacts => ({ region, record: { region: 'us-east', token: '12', timeline: 2 }, dnsAnswer: [US], ...over });

function snapshot(over: { members?: MemberFacts[]; agents?: AgentFacts[]; write?: ConvergenceSnapshot['write'] } = {}): ConvergenceSnapshot {
  return {
    startedAtMs: 1000, endedAtMs: 1100,
    members: over.members ?? [standby('eu-west', EU), primary(), standby('ap-south', AP)],
    agents: over.agents ?? [agent('eu-west'), agent('us-east'), agent('ap-south')],
    write: over.write === undefined ? { sentAtMs: 1010, outcome: 'ok', server: { region: 'us-east', timeline: 2 } } : over.write,
  };
}

describe('judgeConvergence', () => {
  it('a whole store has converged on the recorded primary', () => {
    assert.deepEqual(judgeConvergence(snapshot()), { converged: true, primary: 'us-east', problems: [] });
  });

  const cases: { name: string; snap: ConvergenceSnapshot; problems: string[] }[] = [
    {
      name: '(a) no agent answers',
      snap: snapshot({ agents: [agent('eu-west', { record: undefined, dnsAnswer: undefined })] }),
      problems: ['record: no agent answered /status'],
    },
    {
      name: '(a) an agent still shows the old record (the newest token wins)',
      snap: snapshot({ agents: [agent('eu-west', { record: { region: 'eu-west', token: '9' } }), agent('us-east'), agent('ap-south')] }),
      problems: ['record eu-west: agent shows the record naming eu-west (token 9), not us-east (token 12)'],
    },
    {
      name: '(a) tokens compare as numbers, not strings',
      snap: snapshot({ agents: [agent('eu-west', { record: { region: 'eu-west', token: '9' } }), agent('us-east', { record: { region: 'us-east', token: '10' } })] }),
      problems: ['record eu-west: agent shows the record naming eu-west (token 9), not us-east (token 10)'],
    },
    {
      name: '(b) the recorded primary does not answer',
      snap: snapshot({ members: [standby('eu-west', EU), primary({ reachable: false, error: 'connect ETIMEDOUT' }), standby('ap-south', AP)] }),
      problems: ['primaryWritable us-east: the recorded primary does not answer: connect ETIMEDOUT'],
    },
    {
      name: '(b) the recorded primary is fenced read-only by its own agent',
      snap: snapshot({ members: [standby('eu-west', EU), primary({ readOnly: true, fenced: true }), standby('ap-south', AP)], write: { sentAtMs: 1010, outcome: 'fail', error: 'cannot execute INSERT in a read-only transaction' } }),
      problems: [
        'primaryWritable us-east: the recorded primary is read-only (default_transaction_read_only on)',
        "primaryWritable us-east: the recorded primary is fenced (synchronous_standby_names names the fence's standby)",
        'primaryWritable us-east: the newest write through the primary name: fail (cannot execute INSERT in a read-only transaction)',
      ],
    },
    {
      name: '(b) commits hang: the newest write through the name got no answer',
      snap: snapshot({ write: { sentAtMs: 1010, outcome: 'unknown', error: 'no answer within 2000 ms' } }),
      problems: ['primaryWritable us-east: the newest write through the primary name: unknown (no answer within 2000 ms)'],
    },
    {
      name: '(b) no write through the name completed during the observation',
      snap: snapshot({ write: null }),
      problems: ['primaryWritable us-east: no write through the primary name completed since the observation began'],
    },
    {
      name: '(b) the name still leads to another server',
      snap: snapshot({ write: { sentAtMs: 1010, outcome: 'ok', server: { region: 'eu-west', timeline: 1 } } }),
      problems: ['primaryWritable us-east: the newest write through the primary name was acknowledged by eu-west'],
    },
    {
      name: '(b) the record names a standby (promotion not done)',
      snap: snapshot({ members: [standby('eu-west', EU), primary({ inRecovery: true, timeline: undefined }), standby('ap-south', AP)] }),
      problems: ['primaryWritable us-east: the recorded primary is in recovery (a standby)'],
    },
    {
      name: '(c) issue 10: a standby re-attached to the old primary and received WAL past the fork',
      snap: snapshot({ members: [standby('eu-west', EU), primary(), standby('ap-south', AP, { walReceiver: { status: 'streaming', senderHost: EU, senderPort: PORT, receivedTli: 1 } })] }),
      problems: [
        `standbysStreaming ap-south: streams from ${EU}:${PORT}, not from us-east (${US}:${PORT})`,
        'standbysStreaming ap-south: receives timeline 1, the primary is on 2',
      ],
    },
    {
      name: '(c) a standby whose receiver waits and does not stream',
      snap: snapshot({ members: [standby('eu-west', EU, { walReceiver: { status: 'waiting', senderHost: US, senderPort: PORT, receivedTli: 2 } }), primary(), standby('ap-south', AP)] }),
      problems: ["standbysStreaming eu-west: WAL receiver is 'waiting', not 'streaming'"],
    },
    {
      name: '(c) issue 10: the old primary stopped by its agent to fence it, never started again',
      snap: snapshot({ members: [standby('eu-west', EU, { reachable: false, error: 'connect ECONNREFUSED' }), primary(), standby('ap-south', AP)] }),
      problems: ['standbysStreaming eu-west: does not answer: connect ECONNREFUSED'],
    },
    {
      name: '(c) a standby with no WAL receiver at all',
      snap: snapshot({ members: [standby('eu-west', EU, { walReceiver: null }), primary(), standby('ap-south', AP)] }),
      problems: ['standbysStreaming eu-west: in recovery with no WAL receiver (not streaming from anyone)'],
    },
    {
      name: '(c) the fenced old primary still runs as a primary: not a standby, but not writable',
      snap: snapshot({ members: [primary({ region: 'eu-west', host: EU, timeline: 1, readOnly: true, fenced: true }), primary(), standby('ap-south', AP)] }),
      problems: ['standbysStreaming eu-west: runs as a primary on timeline 1, not as a standby of us-east'],
    },
    {
      name: '(d) a second writable primary',
      snap: snapshot({ members: [primary({ region: 'eu-west', host: EU, timeline: 1 }), primary(), standby('ap-south', AP)] }),
      problems: [
        'standbysStreaming eu-west: runs as a primary on timeline 1, not as a standby of us-east',
        'singleWritable eu-west: runs as a primary on timeline 1 and accepts writes (not read-only, not fenced)',
      ],
    },
    {
      name: '(e) an agent still answers the old address; a silent agent is not judged',
      snap: snapshot({ agents: [agent('eu-west', { dnsAnswer: [EU] }), agent('us-east'), agent('ap-south', { dnsAnswer: undefined })] }),
      problems: [`dnsAnswer eu-west: answers the primary name with [${EU}], not ${US} (us-east)`],
    },
    {
      name: '(e) an empty answer (NODATA) is wrong too',
      snap: snapshot({ agents: [agent('eu-west'), agent('us-east', { dnsAnswer: [] }), agent('ap-south')] }),
      problems: [`dnsAnswer us-east: answers the primary name with [], not ${US} (us-east)`],
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const verdict = judgeConvergence(c.snap);
      assert.equal(verdict.converged, false);
      assert.deepEqual(verdict.problems.map((p) => `${p.check}${p.region ? ` ${p.region}` : ''}: ${p.detail}`), c.problems);
    });
  }
});
