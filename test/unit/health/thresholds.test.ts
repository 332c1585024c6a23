import { test } from 'node:test';
import assert from 'node:assert/strict';
import { replayProbeResults, type Thresholds } from '../../../src/health/index.ts';

const T2: Thresholds = { healthyThreshold: 2, unhealthyThreshold: 2 };
const UP3_DOWN2: Thresholds = { healthyThreshold: 3, unhealthyThreshold: 2 };
const ONE: Thresholds = { healthyThreshold: 1, unhealthyThreshold: 1 };

// '+' a successful probe, '-' a failed one. Expected: the state after each result (u/U/D).
const cases: { name: string; t: Thresholds; results: string; states: string }[] = [
  { name: 'unknown until the healthy threshold', t: T2, results: '++', states: 'uU' },
  { name: 'unknown until the unhealthy threshold', t: T2, results: '--', states: 'uD' },
  { name: 'up needs its own streak after down', t: T2, results: '--+-++', states: 'uDDDDU' },
  { name: 'one failure does not take an up endpoint down', t: T2, results: '++-++-+', states: 'uUUUUUU' },
  { name: 'flapping endpoint never leaves its state', t: T2, results: '++-+-+-+-+', states: 'uUUUUUUUUU' },
  { name: 'flapping from the start stays unknown', t: T2, results: '+-+-+-', states: 'uuuuuu' },
  { name: 'down after two consecutive failures', t: T2, results: '+++--', states: 'uUUUD' },
  { name: 'asymmetric thresholds: 3 to come back, 2 to leave', t: UP3_DOWN2, results: '+++--++-+++', states: 'uuUUDDDDDDU' },
  { name: 'threshold 1 follows every result', t: ONE, results: '+-+-', states: 'UDUD' },
];

for (const c of cases) {
  test(`thresholds: ${c.name}`, () => {
    const results = [...c.results].map((r) => r === '+');
    const letters = replayProbeResults(results, c.t).map((s) => ({ unknown: 'u', up: 'U', down: 'D' })[s]);
    assert.equal(letters.join(''), c.states);
  });
}
