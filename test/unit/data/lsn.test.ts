import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { compareLsn, formatLsn, lsnLagBytes, maxLsn, parseLsn, parseOptionalLsn } from '../../../src/data/lsn.ts';

test('parseLsn reads both halves as hexadecimal', () => {
  const cases: [string, bigint][] = [
    ['0/0', 0n],
    ['0/3000060', 0x3000060n],
    ['16/B374D848', (0x16n << 32n) | 0xb374d848n],
    ['FFFFFFFF/FFFFFFFF', 0xffffffffffffffffn],
    ['a/b', (0xan << 32n) | 0xbn],
  ];
  for (const [text, value] of cases) assert.equal(parseLsn(text), value, text);
});

test('parseLsn rejects what the server never prints', () => {
  for (const bad of ['', '0', '0/', '/0', '1/2/3', '123456789/0', 'g/0', '0x1/0']) {
    assert.throws(() => parseLsn(bad), /not a PostgreSQL LSN/, bad);
  }
});

test('positions above 2^53 stay distinct (why bigint)', () => {
  const a = parseLsn('FFFFFFFF/FFFFFFFE');
  const b = parseLsn('FFFFFFFF/FFFFFFFF');
  assert.equal(compareLsn(a, b), -1);
  assert.equal(lsnLagBytes(b, a), 1n);
});

test('formatLsn is the inverse of parseLsn, in the server spelling', () => {
  assert.equal(formatLsn(0x3000060n), '0/3000060');
  assert.equal(formatLsn((0x16n << 32n) | 0xb374d848n), '16/B374D848');
  fc.assert(
    fc.property(fc.bigInt({ min: 0n, max: 0xffffffffffffffffn }), (lsn) => parseLsn(formatLsn(lsn)) === lsn),
  );
  assert.throws(() => formatLsn(-1n), /out of range/);
});

test('compareLsn orders like the numbers; lag is never negative', () => {
  fc.assert(
    fc.property(fc.bigInt({ min: 0n, max: 1n << 40n }), fc.bigInt({ min: 0n, max: 1n << 40n }), (a, b) => {
      const c = compareLsn(a, b);
      assert.equal(c, a < b ? -1 : a > b ? 1 : 0);
      assert.equal(lsnLagBytes(a, b), a > b ? a - b : 0n);
    }),
  );
});

test('maxLsn skips undefined; parseOptionalLsn maps null to undefined', () => {
  assert.equal(maxLsn(undefined, 5n, 3n, undefined), 5n);
  assert.equal(maxLsn(undefined), undefined);
  assert.equal(parseOptionalLsn(null), undefined);
  assert.equal(parseOptionalLsn('0/10'), 16n);
});
