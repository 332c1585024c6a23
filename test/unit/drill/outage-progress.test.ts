import { test } from 'node:test';
import assert from 'node:assert/strict';
import { addressRegions } from '../../../src/drill/index.ts';
import { returnProgress, shiftProgress } from '../../../src/drill/outage-progress.ts';
import { CUT, ENDPOINTS, HEAL, buildHistory, failoverAnswers, failoverRequests } from './scenario.ts';

const regions = addressRegions(ENDPOINTS);
const survivors = ['10.0.2.1:53', '10.0.3.1:53'];
/** The records a run would have at `nowMs`. */
function at(nowMs: number, history = buildHistory({ answers: failoverAnswers(1500, 800), requests: failoverRequests(3400, 1000) })) {
  return {
    samples: history.watcherLog.filter((s) => s.atMs <= nowMs),
    ops: history.ops.filter((o) => o.endMs <= nowMs),
  };
}
const shiftAt = (nowMs: number, settleMs = 2000) =>
  shiftProgress({ region: 'eu-west', regions, survivors, cutAtMs: CUT, nowMs, settleMs, ...at(nowMs) });

test('shift: waits for the nameservers, then for the client, then is done', () => {
  const cases = [
    { name: 'just after the cut', now: CUT + 500, waitingFor: /nameserver 10\.0\.2\.1:53 to answer without eu-west/ },
    { name: 'answers clean for 1.9 s only', now: CUT + 3400, waitingFor: /nameserver/ },
    { name: 'answers settled, client still on eu-west', now: CUT + 4000, waitingFor: /client's requests to stay off eu-west/ },
    { name: 'client clean for 2 s', now: CUT + 5500, waitingFor: undefined },
  ];
  for (const c of cases) {
    const p = shiftAt(c.now);
    if (c.waitingFor === undefined) assert.deepEqual(p, { done: true }, c.name);
    else assert.match(p.done ? '' : p.waitingFor, c.waitingFor, c.name);
  }
});

test('shift: a nameserver that stopped answering is not settled, even if its last answer was clean', () => {
  const history = buildHistory({
    answers: (ns, t) => (ns.region === 'ap-south' && t >= CUT + 2000 ? 'timeout' : failoverAnswers(1500, 800)(ns, t)),
    requests: failoverRequests(3400, 1000),
  });
  const p = shiftProgress({ region: 'eu-west', regions, survivors, cutAtMs: CUT, nowMs: CUT + 6000, settleMs: 2000, ...at(CUT + 6000, history) });
  assert.match(p.done ? '' : p.waitingFor, /10\.0\.3\.1:53/);
});

test('return: waits for DNS, then for a request served by the region', () => {
  const returnAt = (nowMs: number) => returnProgress({ region: 'eu-west', regions, survivors, healAtMs: HEAL, ...at(nowMs) });
  assert.match(JSON.stringify(returnAt(HEAL + 500)), /surviving nameserver to answer with eu-west again/);
  assert.match(JSON.stringify(returnAt(HEAL + 900)), /eu-west to serve a client request again/);
  assert.deepEqual(returnAt(HEAL + 1100), { done: true });
});
