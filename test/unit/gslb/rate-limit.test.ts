import assert from 'node:assert/strict';
import { test } from 'node:test';
import { clientNetwork, rateLimitOf, ResponseRateLimiter, type RateLimitSettings, type RateVerdict } from '../../../src/gslb/rate-limit.ts';
import { parseTopology } from '../../../src/spec/index.ts';

const SETTINGS: RateLimitSettings = { responsesPerSecond: 4, slip: 2, windowMs: 2_000, exemptLoopback: true };

/** `n` queries from `address` at `atMs`, and the verdicts expected, in order. */
type Burst = readonly [atMs: number, address: string, verdicts: string];
const V: Record<string, RateVerdict> = { a: 'answer', d: 'drop', s: 'slip' };

const CASES: readonly { name: string; settings?: Partial<RateLimitSettings>; bursts: readonly Burst[] }[] = [
  { name: 'a burst of one second\'s worth is answered, the rest dropped with every 2nd slipped', bursts: [[0, '10.0.0.1', 'aaaadsdsds']] },
  { name: 'the whole /24 shares one bucket', bursts: [[0, '10.0.0.1', 'aa'], [0, '10.0.0.200', 'aads']] },
  { name: 'another /24 has its own bucket', bursts: [[0, '10.0.0.1', 'aaaads'], [0, '10.0.1.1', 'aaaads']] },
  { name: 'tokens come back at the rate: 250 ms buys one', bursts: [[0, '10.0.0.1', 'aaaa'], [250, '10.0.0.1', 'ad']] },
  { name: 'a drop is a debt: after one, 250 ms buys nothing', bursts: [[0, '10.0.0.1', 'aaaad'], [250, '10.0.0.1', 's'], [750, '10.0.0.1', 'a']] },
  { name: 'the credit never exceeds one second\'s worth', bursts: [[0, '10.0.0.1', 'a'], [60_000, '10.0.0.1', 'aaaads']] },
  {
    name: 'a network that flooded stays limited until its debt (the window) is paid back',
    // 4 answers, then 8 more drive the balance to -8 (the floor: 2 s x 4/s); 2 s later it is back at 0, still nothing.
    bursts: [[0, '10.0.0.1', 'aaaadsdsdsds'], [2_000, '10.0.0.1', 'd'], [3_000, '10.0.0.1', 'aaa']],
  },
  { name: 'slip 0 drops every one', settings: { slip: 0 }, bursts: [[0, '10.0.0.1', 'aaaadddd']] },
  { name: 'slip 1 truncates every one', settings: { slip: 1 }, bursts: [[0, '10.0.0.1', 'aaaassss']] },
  { name: 'loopback is exempt by default', bursts: [[0, '127.0.0.1', 'aaaaaaaaaa'], [0, '::1', 'aaaaaaa'], [0, '::ffff:127.0.0.1', 'aaaaaaa']] },
  { name: 'loopback limited like anyone when not exempt', settings: { exemptLoopback: false }, bursts: [[0, '127.0.0.1', 'aaaads']] },
  { name: 'an IPv6 /56 shares one bucket', bursts: [[0, '2001:db8:0:1::1', 'aa'], [0, '2001:db8:0:ff::2', 'aads'], [0, '2001:db8:0:100::1', 'aaaa']] },
  { name: 'IPv4-mapped IPv6 counts as its IPv4 /24', bursts: [[0, '::ffff:10.0.0.1', 'aa'], [0, '10.0.0.9', 'aads']] },
];

for (const c of CASES) {
  test(`rate limit: ${c.name}`, () => {
    let now = 0;
    const limiter = new ResponseRateLimiter({ ...SETTINGS, ...c.settings }, () => now);
    for (const [at, address, verdicts] of c.bursts) {
      now = at;
      const got = [...verdicts].map(() => limiter.verdict(address));
      assert.deepEqual(got, [...verdicts].map((v) => V[v]), `${address} at ${at} ms`);
    }
  });
}

test('rate limit: the table of networks is bounded, the oldest forgotten first', () => {
  const limiter = new ResponseRateLimiter(SETTINGS, () => 0, 3);
  for (const a of ['10.0.0.1', '10.0.1.1', '10.0.2.1', '10.0.3.1']) limiter.verdict(a);
  assert.equal(limiter.trackedNetworks, 3);
});

for (const [address, network] of [
  ['192.0.2.77', '192.0.2'],
  ['::ffff:192.0.2.77', '192.0.2'],
  ['2001:db8:aa:bb01::1', '20010db800aabb'],
  ['2001:db8:aa:bbff:1:2:3:4', '20010db800aabb'],
  ['not an address', undefined],
] as const) {
  test(`client network of ${address}: ${network}`, () => assert.equal(clientNetwork(address), network));
}

const TOPOLOGY = 'apiVersion: meridian/v1\nzone: z.test\nregions: [{ name: eu-west }]\n';
test('rateLimitOf: on with the defaults when the topology does not say', () => {
  assert.deepEqual(rateLimitOf(parseTopology(TOPOLOGY)), { responsesPerSecond: 1000, slip: 2, windowMs: 5000, exemptLoopback: true });
});
test('rateLimitOf: what the topology says, window as a duration', () => {
  const t = parseTopology(`${TOPOLOGY}dns: { rateLimit: { responsesPerSecond: 20, slip: 0, window: 15s } }\n`);
  assert.deepEqual(rateLimitOf(t), { responsesPerSecond: 20, slip: 0, windowMs: 15_000, exemptLoopback: true });
});
test('rateLimitOf: off when enabled is false', () => {
  assert.equal(rateLimitOf(parseTopology(`${TOPOLOGY}dns: { rateLimit: { enabled: false } }\n`)), undefined);
});
