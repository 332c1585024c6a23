import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { clientNetworkMatcher } from '../../../src/gslb/index.ts';
import { parseCidr, parseIp } from '../../../src/gslb/ip.ts';
import { parseTopology } from '../../../src/spec/index.ts';

const t = parseTopology(`
apiVersion: meridian/v1
zone: global.test
regions: [{ name: eu-west }]
clientNetworks:
  - { name: wide, cidr: 10.0.0.0/8 }
  - { name: narrow, cidr: 10.20.30.0/24 }
  - { name: host, cidr: 10.20.30.40/32 }
  - { name: odd-bits, cidr: 172.16.5.9/12 }
  - { name: v6, cidr: "2001:db8::/32" }
  - { name: v6-narrow, cidr: "2001:db8:aa::/48" }
`);
const m = clientNetworkMatcher(t);

describe('client network matching (longest prefix wins)', () => {
  const cases: [string, string | undefined][] = [
    ['10.1.2.3', 'wide'],
    ['10.20.30.1', 'narrow'],
    ['10.20.30.40', 'host'],
    ['10.20.31.1', 'wide'],
    ['11.0.0.1', undefined],
    ['172.31.255.255', 'odd-bits'],
    ['172.32.0.1', undefined],
    ['::ffff:10.20.30.7', 'narrow'],
    ['2001:db8:1::1', 'v6'],
    ['2001:db8:aa:bb::1', 'v6-narrow'],
    ['2001:db9::1', undefined],
    ['fe80::1%eth0', undefined],
    ['not an address', undefined],
  ];
  for (const [address, expected] of cases) it(`${address} → ${expected ?? 'none'}`, () => assert.equal(m.match(address)?.name, expected));
});

describe('ip parsing', () => {
  const cases: [string, number[] | null][] = [
    ['192.0.2.1', [192, 0, 2, 1]],
    ['256.0.0.1', null],
    ['1.2.3', null],
    ['::1', [...Array(15).fill(0), 1]],
    ['::', Array(16).fill(0)],
    ['2001:db8::ff00:42:8329', [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0xff, 0, 0, 0x42, 0x83, 0x29]],
    ['::ffff:192.0.2.1', [192, 0, 2, 1]],
    ['1::2::3', null],
    ['1:2:3:4:5:6:7:8:9', null],
    ['12345::', null],
  ];
  for (const [text, bytes] of cases) it(text, () => assert.deepEqual(parseIp(text) ? [...(parseIp(text) as Uint8Array)] : null, bytes));
  it('a v4-mapped CIDR becomes IPv4', () => assert.deepEqual(parseCidr('::ffff:10.0.0.0/104')?.prefix, 8));
  it('a prefix too long for the family is rejected', () => assert.equal(parseCidr('10.0.0.0/33'), null));
});
