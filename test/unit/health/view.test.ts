import { test } from 'node:test';
import assert from 'node:assert/strict';
import { firstView, newBootId, nextView, staleAfterMsFor, smallestIntervalMs } from '../../../src/health/index.ts';
import { TOPOLOGY } from './fixtures.ts';

test('nextView: a new seq only when some endpoint state changed', () => {
  const v1 = firstView('ra', 'boot', { x: 'unknown', y: 'unknown' }, 10);
  assert.equal(v1.seq, 1);
  assert.equal(nextView(v1, { x: 'unknown', y: 'unknown' }, 20), v1, 'unchanged: the same view, same seq');
  const v2 = nextView(v1, { x: 'up', y: 'unknown' }, 30);
  assert.deepEqual(v2, { vantage: 'ra', bootId: 'boot', seq: 2, sentAtMs: 30, endpoints: { x: 'up', y: 'unknown' } });
  assert.equal(nextView(v2, { x: 'up' }, 40).seq, 3, 'an endpoint that disappears is a change');
});

test('boot ids are random; staleness is three exchange periods', () => {
  assert.notEqual(newBootId(), newBootId());
  assert.equal(smallestIntervalMs(TOPOLOGY), 500);
  assert.equal(staleAfterMsFor(TOPOLOGY), 1_500);
});
