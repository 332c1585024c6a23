import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { coordKeys, decodeHolderValue, encodeHolderValue, formatToken, newAuditKey, parseToken } from '../../../src/coord/keys.ts';

describe('coordination keys', () => {
  test('layout', () => {
    assert.equal(coordKeys.primaryLease('orders-db'), 'meridian/primary/orders-db');
    assert.equal(coordKeys.election(), 'meridian/election/failover-coordinator');
    assert.equal(coordKeys.runbookStep('rb-42', 'promote'), 'meridian/runbook/rb-42/steps/promote');
    assert.equal(coordKeys.auditPrefix('failover'), 'meridian/audit/failover/');
  });

  test('a segment with a slash or nothing in it is a programming error', () => {
    assert.throws(() => coordKeys.primaryLease('a/b'), /invalid data store/);
    assert.throws(() => coordKeys.runbookStep('', 'x'), /invalid runbook id/);
  });

  test('audit keys are zero-padded so they sort by time as text, and never collide', () => {
    assert.equal(newAuditKey('failover', 1234, 'abcd0123'), 'meridian/audit/failover/000000000001234-abcd0123');
    assert.ok(newAuditKey('s', 999) < newAuditKey('s', 1000));
    assert.notEqual(newAuditKey('s', 5), newAuditKey('s', 5));
  });

  test('tokens round-trip through text, including values beyond 2^53', () => {
    const big = 2n ** 60n + 1n;
    assert.equal(parseToken(formatToken(big)), big);
    assert.throws(() => parseToken('-1'), /not a fencing token/);
    assert.throws(() => parseToken('12a'), /not a fencing token/);
  });

  test('holder values: ours decode to the holder, foreign ones show as is', () => {
    assert.equal(decodeHolderValue(encodeHolderValue('eu-west', 2000)), 'eu-west');
    assert.equal(decodeHolderValue('someone-else'), 'someone-else');
    assert.equal(decodeHolderValue('{"x":1}'), '{"x":1}');
  });
});
