/**
 * The real DNS server on loopback, queried with the real `dig`, plus raw malformed packets over
 * UDP and TCP, once per UDP transport (node:dgram and the batched native addon, which must be
 * built: scripts/setup.sh runs `npm run build:native`). Every server is closed in teardown.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { connect, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import dnsPacket from 'dns-packet';
import { buildAnswerTable, RCODE, startDnsServer, typeCode, type AnswerTable, type DnsServer, type QueryEvent } from '../../../src/gslb/index.ts';
import { endpointKey, type EndpointVerdict, type HealthSnapshot } from '../../../src/health/types.ts';
import { parseTopology, type Topology } from '../../../src/spec/index.ts';
import { dgramTransport, type UdpTransportFactory } from '../../../src/gslb/transport.ts';
import { loadNativeAddon, nativeTransport } from '../../../src/gslb/native-transport.ts';
import { freePort } from '../../support/ports.ts';

const run = promisify(execFile);
const ZONE = 'global.test';
const sixty = Array.from({ length: 60 }, (_, i) => `"10.9.0.${i + 1}"`).join(', ');
const topology: Topology = parseTopology(`
apiVersion: meridian/v1
zone: ${ZONE}
dns: { ttl: 2 }
regions:
  - { name: eu-west, geo: { lat: 53.35, lon: -6.26 }, agent: { dns: "127.0.0.1:5300", api: "http://127.0.0.1:7700" } }
  - { name: us-east, geo: { lat: 38.9, lon: -77.04 }, agent: { dns: "127.0.0.2:5300", api: "http://127.0.0.2:7700" } }
services:
  - name: web
    hostname: web
    port: 8080
    endpoints: { eu-west: ["10.1.0.1", "fd00:1::1"], us-east: ["10.2.0.1"] }
    policy: { type: failover, order: [eu-west, us-east] }
  - name: many
    hostname: many
    port: 8080
    endpoints: { eu-west: [${sixty}] }
    policy: { type: all-healthy }
`);

function health(down: readonly string[] = []): HealthSnapshot {
  const endpoints = new Map<string, EndpointVerdict>();
  for (const s of topology.services) {
    for (const [region, addresses] of Object.entries(s.endpoints ?? {})) {
      for (const address of addresses) {
        const ref = { service: s.name, region, address };
        endpoints.set(endpointKey(ref), { ref, up: !down.includes(region), downVotes: [], voters: [] });
      }
    }
  }
  return { atMs: Date.now(), endpoints, reachablePeers: [] };
}

interface Dig {
  status: string;
  flags: string[];
  answers: string[];
}

function parseDig(stdout: string): Dig {
  const status = /status: (\w+)/.exec(stdout)?.[1] ?? 'NONE';
  const flags = (/;; flags: ([^;]*);/.exec(stdout)?.[1] ?? '').trim().split(/\s+/);
  const section = /;; ANSWER SECTION:\n([\s\S]*?)\n\n/.exec(stdout)?.[1] ?? '';
  const answers = section.split('\n').filter(Boolean).map((l) => l.split(/\s+/).slice(3).join(' '));
  return { status, flags, answers: answers.sort() };
}

const native = loadNativeAddon();
const TRANSPORTS: [string, UdpTransportFactory][] = [
  ['dgram', dgramTransport],
  // Not built is a failure here, not a skip: scripts/setup.sh builds it before the tests run.
  ['native', native.ok ? nativeTransport(native.addon) : () => Promise.reject(new Error(native.reason))],
];

for (const [transportName, udpTransport] of TRANSPORTS) describe(`udp transport ${transportName}`, () => {
  let port = 0;
  let server: DnsServer;
  let current: AnswerTable = buildAnswerTable(topology, health());
  const events: QueryEvent[] = [];

  async function dig(...args: string[]): Promise<Dig> {
    const { stdout } = await run('/usr/bin/dig', ['@127.0.0.1', '-p', String(port), '+time=2', '+tries=1', ...args], { timeout: 10_000 });
    return parseDig(stdout);
  }

  before(async () => {
    port = await freePort();
    server = await startDnsServer({ host: '127.0.0.1', port, table: () => current, udpTransport, onQuery: (q) => events.push(q) });
  });
  after(async () => {
    await server?.close();
  });

  describe('dns server answers dig', () => {
    it('listens on one port for UDP and TCP', () => {
      assert.equal(server.udpPort, port);
      assert.equal(server.tcpPort, port);
    });

    it('A and AAAA of a failover service', async () => {
      const a = await dig(`web.${ZONE}`, 'A');
      assert.equal(a.status, 'NOERROR');
      assert.ok(a.flags.includes('aa'), a.flags.join(' '));
      assert.deepEqual(a.answers, ['A 10.1.0.1']);
      assert.deepEqual((await dig(`web.${ZONE}`, 'AAAA')).answers, ['AAAA fd00:1::1']);
    });

    it('SOA and NS at the apex', async () => {
      const soa = await dig(ZONE, 'SOA');
      assert.match(soa.answers[0] ?? '', new RegExp(`^SOA ns-eu-west\\.${ZONE}\\. hostmaster\\.${ZONE}\\. \\d+ 60 10 300 2$`));
      const ns = await dig(ZONE, 'NS');
      assert.deepEqual(ns.answers, [`NS ns-eu-west.${ZONE}.`, `NS ns-us-east.${ZONE}.`]);
      assert.deepEqual((await dig(`ns-us-east.${ZONE}`, 'A')).answers, ['A 127.0.0.2']);
    });

    it('NXDOMAIN, NODATA, REFUSED', async () => {
      assert.equal((await dig(`nope.${ZONE}`, 'A')).status, 'NXDOMAIN');
      const nodata = await dig(`web.${ZONE}`, 'TXT');
      assert.equal(nodata.status, 'NOERROR');
      assert.deepEqual(nodata.answers, []);
      assert.equal((await dig('example.com', 'A')).status, 'REFUSED');
    });

    it('+tcp, +noedns, +bufsize', async () => {
      assert.deepEqual((await dig('+tcp', `web.${ZONE}`, 'A')).answers, ['A 10.1.0.1']);
      assert.deepEqual((await dig('+noedns', `web.${ZONE}`, 'A')).answers, ['A 10.1.0.1']);
      assert.deepEqual((await dig('+bufsize=4096', `web.${ZONE}`, 'A')).answers, ['A 10.1.0.1']);
    });

    it('60 endpoints: plain UDP truncates (tc), EDNS 1232 fits, TCP carries all', async () => {
      const plain = await dig('+noedns', '+ignore', `many.${ZONE}`, 'A');
      assert.ok(plain.flags.includes('tc'), plain.flags.join(' '));
      assert.deepEqual(plain.answers, []);
      const small = await dig('+bufsize=512', '+ignore', `many.${ZONE}`, 'A');
      assert.ok(small.flags.includes('tc'));
      assert.equal((await dig(`many.${ZONE}`, 'A')).answers.length, 60);
      const tcp = await dig('+tcp', '+noedns', `many.${ZONE}`, 'A');
      assert.ok(!tcp.flags.includes('tc'));
      assert.equal(tcp.answers.length, 60);
    });

    it('the table getter is read per query: a swap takes effect at once', async () => {
      current = buildAnswerTable(topology, health(['eu-west']));
      try {
        assert.deepEqual((await dig(`web.${ZONE}`, 'A')).answers, ['A 10.2.0.1']);
      } finally {
        current = buildAnswerTable(topology, health());
      }
      assert.deepEqual((await dig(`web.${ZONE}`, 'A')).answers, ['A 10.1.0.1']);
    });

    it('EDNS version 1 → BADVERS', async () => {
      assert.equal((await dig('+edns=1', '+noednsnegotiation', `web.${ZONE}`, 'A')).status, 'BADVERS');
    });

    it('reports each query to onQuery, extended rcodes included', async () => {
      events.length = 0;
      await dig(`nope.${ZONE}`, 'AAAA');
      await dig('+tcp', '+edns=1', '+noednsnegotiation', `web.${ZONE}`, 'A');
      // Codes as the answer table knew them (the packets are not decoded again for the hook).
      assert.deepEqual(events.map((e) => [e.qtype, e.rcode, e.transport, e.client]), [
        [typeCode('AAAA'), RCODE.NXDOMAIN, 'udp', '127.0.0.1'],
        [typeCode('A'), RCODE.BADVERS, 'tcp', '127.0.0.1'],
      ]);
    });
  });

  describe('dns server survives malformed input', () => {
    const query = (name: string, id = 7) => dnsPacket.encode({ type: 'query', id, questions: [{ name, type: 'A' }] });
    const header = (qdcount: number) => Buffer.from([0, 9, 0, 0, 0, qdcount, 0, 0, 0, 0, 0, 0]);
    const garbage: [string, Buffer, string | null][] = [
      ['random bytes (opcode 3)', Buffer.from('8f3a1c77e2d9b4016a5c3e9f0d2b7a4c11223344556677889900', 'hex'), 'NOTIMP'],
      ['random bytes with QR set', Buffer.from('d1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a6', 'hex'), null],
      ['5 bytes', Buffer.from([1, 2, 3, 4, 5]), null],
      ['qdcount 0', header(0), 'FORMERR'],
      ['compression pointer loop', Buffer.concat([header(1), Buffer.from([0xc0, 12, 0, 1, 0, 1])]), 'FORMERR'],
      ['pointer forward', Buffer.concat([header(1), Buffer.from([0xc0, 14, 0xc0, 12, 0, 1, 0, 1])]), 'FORMERR'],
      ['label runs past the end', Buffer.concat([header(1), Buffer.from([60, 97, 98])]), 'FORMERR'],
    ];

    async function udpExchange(payload: Buffer): Promise<Buffer | null> {
      const socket = createSocket('udp4');
      try {
        return await new Promise<Buffer | null>((resolve) => {
          const timer = setTimeout(() => resolve(null), 300);
          socket.on('message', (msg) => {
            clearTimeout(timer);
            resolve(msg);
          });
          socket.send(payload, port, '127.0.0.1');
        });
      } finally {
        socket.close();
      }
    }

    function tcpConnect(): Promise<Socket> {
      return new Promise((resolve, reject) => {
        const s = connect(port, '127.0.0.1', () => resolve(s));
        s.on('error', reject);
      });
    }

    /** Sends raw bytes, collects framed responses until `count` arrived or the peer closed. */
    async function tcpExchange(chunks: Buffer[], count: number): Promise<{ responses: Buffer[]; closed: boolean }> {
      const s = await tcpConnect();
      try {
        return await new Promise((resolve) => {
          let buf = Buffer.alloc(0);
          const responses: Buffer[] = [];
          const done = (closed: boolean) => resolve({ responses, closed });
          const timer = setTimeout(() => done(false), 2000);
          s.on('data', (d) => {
            buf = Buffer.concat([buf, d]);
            while (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
              responses.push(buf.subarray(2, 2 + buf.readUInt16BE(0)));
              buf = buf.subarray(2 + buf.readUInt16BE(0));
            }
            if (responses.length >= count) {
              clearTimeout(timer);
              done(false);
            }
          });
          s.on('close', () => {
            clearTimeout(timer);
            done(true);
          });
          void (async () => {
            for (const c of chunks) {
              s.write(c);
              await new Promise((r) => setTimeout(r, 5));
            }
          })();
        });
      } finally {
        s.destroy();
      }
    }

    const framed = (b: Buffer) => Buffer.concat([Buffer.from([b.length >> 8, b.length & 0xff]), b]);
    const rcodeOf = (b: Buffer) => dnsPacket.decode(b) as unknown as { rcode: string };

    for (const [name, payload, expected] of garbage) {
      it(`UDP ${name} → ${expected ?? 'dropped'}`, async () => {
        const response = await udpExchange(payload);
        if (expected === null) assert.equal(response, null);
        else assert.equal(rcodeOf(response as Buffer).rcode, expected);
      });
      it(`TCP ${name} → ${expected ?? 'connection closed'}`, async () => {
        const { responses, closed } = await tcpExchange([framed(payload)], 1);
        if (expected === null) assert.ok(closed && responses.length === 0);
        else assert.equal(rcodeOf(responses[0] as Buffer).rcode, expected);
      });
    }

    it('TCP: pipelined queries and a query split into single bytes', async () => {
      const two = Buffer.concat([framed(query(`web.${ZONE}`, 1)), framed(query(`nope.${ZONE}`, 2))]);
      const bytes = [...framed(query(`web.${ZONE}`, 3))].map((b) => Buffer.from([b]));
      const { responses } = await tcpExchange([two, ...bytes], 3);
      assert.deepEqual(responses.map((r) => [r.readUInt16BE(0), rcodeOf(r).rcode]), [[1, 'NOERROR'], [2, 'NXDOMAIN'], [3, 'NOERROR']]);
    });

    it('TCP: an unframed flood gets that connection closed', async () => {
      // Read as a 65535-byte frame of 0xff: QR set, so not a query, and the stream is dropped.
      const { closed, responses } = await tcpExchange([Buffer.alloc(70_000, 0xff)], 1);
      assert.ok(closed && responses.length === 0);
    });

    it('a valid dig still answers after all of that', async () => {
      assert.deepEqual((await dig(`web.${ZONE}`, 'A')).answers, ['A 10.1.0.1']);
      assert.deepEqual((await dig('+tcp', `web.${ZONE}`, 'A')).answers, ['A 10.1.0.1']);
    });
  });

  describe('dns server limits', () => {
    let limited: DnsServer;
    before(async () => {
      limited = await startDnsServer({ host: '127.0.0.1', port: 0, table: () => current, udpTransport, tcpIdleTimeoutMs: 300, tcpMaxConnections: 2 });
    });
    after(async () => {
      await limited?.close();
    });

    const open = () =>
      new Promise<{ socket: Socket; closed: Promise<number> }>((resolve, reject) => {
        const started = Date.now();
        const socket = connect(limited.tcpPort, '127.0.0.1', () => resolve({ socket, closed }));
        const closed = new Promise<number>((r) => socket.on('close', () => r(Date.now() - started)));
        socket.on('error', reject);
      });

    it('closes idle TCP connections', async () => {
      const { closed } = await open();
      const ms = await closed;
      assert.ok(ms >= 250 && ms < 3000, `closed after ${ms} ms`);
    });

    it('refuses connections beyond the cap', async () => {
      const a = await open();
      const b = await open();
      const c = await open();
      const ms = await c.closed; // the third is closed by the server at once, long before the idle timeout
      assert.ok(ms < 250, `third connection closed after ${ms} ms`);
      a.socket.destroy();
      b.socket.destroy();
    });
  });

  describe('dns server on IPv6 loopback', () => {
    let v6: DnsServer;
    before(async () => {
      v6 = await startDnsServer({ host: '::1', port: 0, table: () => current, udpTransport });
    });
    after(async () => {
      await v6?.close();
    });

    it('answers dig @::1 over UDP and TCP', async () => {
      for (const extra of [[], ['+tcp']]) {
        const { stdout } = await run('/usr/bin/dig', ['@::1', '-p', String(v6.udpPort), '+time=2', '+tries=1', ...extra, `web.${ZONE}`, 'A']);
        assert.deepEqual(parseDig(stdout).answers, ['A 10.1.0.1']);
      }
    });
  });
});
