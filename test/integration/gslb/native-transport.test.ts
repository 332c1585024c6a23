/**
 * The batched native UDP transport (native/udp-batch) on real loopback sockets: bursts, bad
 * datagrams, handlers that drop, throw or close, a flood (timers still run), the port after close,
 * IPv6, bind errors; and the transport choice, down to the agent's own log line. The addon must
 * be built (scripts/setup.sh runs `npm run build:native`): a missing build fails here, not skips.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createSocket, type Socket } from 'node:dgram';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import dnsPacket from 'dns-packet';
import { pino } from 'pino';
import { runAgent } from '../../../src/agent/index.ts';
import { InputError } from '../../../src/common/errors.ts';
import { buildAnswerTable, startDnsServer, type DnsServer } from '../../../src/gslb/index.ts';
import {
  chooseUdpTransport, loadNativeAddon, nativeTransport, UDP_TRANSPORT_ENV, type NativeDnsTransport,
} from '../../../src/gslb/native-transport.ts';
import type { DatagramHandler } from '../../../src/gslb/transport.ts';
import { parseTopology } from '../../../src/spec/index.ts';
import { freePort } from '../../support/ports.ts';

const ZONE = 'global.test';
/** One region, one service: enough to build an answer table or run an agent. */
const oneRegion = (o: { dns: number; api: number; endpoint: string; port: number }) => parseTopology(`
apiVersion: meridian/v1
zone: ${ZONE}
regions:
  - { name: eu-west, agent: { dns: "127.0.0.1:${o.dns}", api: "http://127.0.0.1:${o.api}" } }
services:
  - { name: web, hostname: web, port: ${o.port}, endpoints: { eu-west: ["${o.endpoint}"] }, policy: { type: all-healthy } }
`);
const topology = oneRegion({ dns: 5300, api: 7700, endpoint: '10.1.0.1', port: 8080 });
const allUp = { atMs: 0, endpoints: new Map(), reachablePeers: [] };

function addon() {
  const load = loadNativeAddon();
  if (!load.ok) assert.fail(`${load.reason} (scripts/setup.sh should have built it)`);
  return load.addon;
}

async function open(handler: DatagramHandler, host = '127.0.0.1', port = 0): Promise<NativeDnsTransport> {
  return (await nativeTransport(addon())({ host, port, handler })) as NativeDnsTransport;
}

/** A client socket with room for every answer of a burst (the default buffer holds ~250). */
async function client(family: 'udp4' | 'udp6' = 'udp4'): Promise<{ socket: Socket; received: Buffer[]; rinfo: { address: string; port: number }[] }> {
  const socket = createSocket(family);
  const received: Buffer[] = [];
  const rinfo: { address: string; port: number }[] = [];
  socket.on('message', (msg, r) => {
    received.push(msg);
    rinfo.push({ address: r.address, port: r.port });
  });
  await new Promise<void>((resolve) => socket.bind(0, family === 'udp4' ? '127.0.0.1' : '::1', resolve));
  socket.setRecvBufferSize(4 * 1024 * 1024);
  return { socket, received, rinfo };
}

async function until(what: string, done: () => boolean, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const settle = () => new Promise((r) => setTimeout(r, 150));
/** A child process sending small datagrams to 127.0.0.1:argv[1] as fast as it can for argv[2] ms. */
const FLOOD = `
const s = require('node:dgram').createSocket('udp4');
const [port, ms] = process.argv.slice(1).map(Number);
const end = Date.now() + ms, payload = Buffer.alloc(40);
const burst = () => {
  for (let i = 0; i < 500; i++) s.send(payload, port, '127.0.0.1');
  if (Date.now() < end) setImmediate(burst); else s.close();
};
burst();`;
const echo: DatagramHandler = (query) => Buffer.from(query);

describe('native udp transport with the answer table', () => {
  let server: DnsServer;
  const table = buildAnswerTable(topology, allUp);
  before(async () => {
    server = await startDnsServer({ host: '127.0.0.1', port: 0, table: () => table, udpTransport: nativeTransport(addon()) });
  });
  after(async () => {
    await server?.close();
  });

  it('answers a burst of 800 queries sent at once, each with its own id and question', async () => {
    const { socket, received } = await client();
    try {
      const names = new Map<number, string>();
      for (let id = 1; id <= 800; id++) {
        const name = id % 5 === 0 ? `nx-${id}.${ZONE}` : `web.${ZONE}`;
        names.set(id, name);
        socket.send(dnsPacket.encode({ type: 'query', id, flags: dnsPacket.RECURSION_DESIRED, questions: [{ name, type: 'A' }] }), server.udpPort, '127.0.0.1');
      }
      await until('800 answers', () => received.length >= 800);
      const answers = received.map((b) => dnsPacket.decode(b) as dnsPacket.DecodedPacket & { rcode?: string });
      assert.deepEqual(answers.map((a) => a.id).sort((a, b) => (a ?? 0) - (b ?? 0)), [...names.keys()]);
      for (const a of answers) {
        const name = names.get(a.id ?? 0) ?? '';
        assert.equal(a.questions?.[0]?.name, name);
        assert.equal(a.rcode, name.startsWith('nx-') ? 'NXDOMAIN' : 'NOERROR');
      }
    } finally {
      socket.close();
    }
  });
});

describe('native udp transport on its own', () => {
  it('passes the client address and port, and sends the response back to it', async () => {
    const seen: { address: string; port: number }[] = [];
    const t = await open((q, c) => (seen.push(c), Buffer.concat([Buffer.from('re:'), q])));
    const { socket, received } = await client();
    try {
      socket.send('hello', t.port, '127.0.0.1');
      await until('an answer', () => received.length === 1);
      assert.equal(received[0]?.toString(), 're:hello');
      assert.deepEqual(seen, [{ address: '127.0.0.1', port: socket.address().port }]);
    } finally {
      socket.close();
      await t.close();
    }
  });

  it('names each client by its own address (the address cache keys on the raw bytes)', async () => {
    const seen = new Map<string, string>();
    const t = await open((q, c) => (seen.set(q.toString(), c.address), Buffer.from(q)));
    const sockets = await Promise.all(['127.0.0.2', '127.0.0.3', '127.0.0.2'].map(async (address) => {
      const socket = createSocket('udp4');
      await new Promise<void>((resolve) => socket.bind(0, address, resolve));
      return { socket, address };
    }));
    try {
      sockets.forEach(({ socket }, i) => socket.send(`from-${i}`, t.port, '127.0.0.1'));
      await until('three queries', () => seen.size === 3);
      assert.deepEqual(Object.fromEntries(seen), { 'from-0': '127.0.0.2', 'from-1': '127.0.0.3', 'from-2': '127.0.0.2' });
    } finally {
      for (const { socket } of sockets) socket.close();
      await t.close();
    }
  });

  it('keeps serving after empty, oversized and garbage datagrams', async () => {
    const lengths: number[] = [];
    const t = await open((q) => (lengths.push(q.length), q.length === 0 ? null : Buffer.from(q)));
    const { socket, received } = await client();
    try {
      socket.send(Buffer.alloc(0), t.port, '127.0.0.1');
      socket.send(Buffer.alloc(9000, 0xff), t.port, '127.0.0.1'); // longer than a 4 KiB slot: dropped in C
      socket.send(Buffer.from([1, 2, 3, 4, 5]), t.port, '127.0.0.1');
      socket.send('still here', t.port, '127.0.0.1');
      await until('two answers', () => received.length === 2);
      await settle();
      assert.deepEqual(received.map((b) => b.length), [5, 10]);
      assert.deepEqual(lengths, [0, 5, 10]);
      const stats = t.stats();
      assert.equal(stats.received, 4);
      assert.equal(stats.oversized, 1);
      assert.equal(stats.sent, 2);
    } finally {
      socket.close();
      await t.close();
    }
  });

  it('a handler returning null drops that datagram only', async () => {
    const t = await open((q) => (q.toString().startsWith('drop') ? null : Buffer.from(q)));
    const { socket, received } = await client();
    try {
      for (const m of ['a', 'drop-1', 'b', 'drop-2', 'c']) socket.send(m, t.port, '127.0.0.1');
      await until('three answers', () => received.length === 3);
      await settle();
      assert.deepEqual(received.map(String), ['a', 'b', 'c']);
    } finally {
      socket.close();
      await t.close();
    }
  });

  it('a handler that throws loses that datagram, not the socket', async () => {
    const t = await open((q) => {
      if (q.toString() === 'boom') throw new Error('handler bug');
      return Buffer.from(q);
    });
    const { socket, received } = await client();
    try {
      for (const m of ['one', 'boom', 'two']) socket.send(m, t.port, '127.0.0.1');
      await until('two answers', () => received.length === 2);
      socket.send('three', t.port, '127.0.0.1');
      await until('three answers', () => received.length === 3);
      assert.deepEqual(received.map(String), ['one', 'two', 'three']);
      assert.equal(t.stats().handlerErrors, 1);
    } finally {
      socket.close();
      await t.close();
    }
  });

  it('responses too large for the rest of the output area are dropped and counted, the others sent whole', async () => {
    const t = await open((q) => Buffer.alloc(60_000, q[0])); // 4 fit in the 256 KiB area per batch
    const { socket, received } = await client();
    try {
      for (let i = 0; i < 10; i++) socket.send(Buffer.from([i]), t.port, '127.0.0.1');
      await until('every query answered or counted', () => received.length + t.stats().outputFull === 10);
      await settle();
      assert.ok(received.every((r) => r.length === 60_000 && r.every((b) => b === r[0])));
      assert.equal(received.length + t.stats().outputFull, 10);
    } finally {
      socket.close();
      await t.close();
    }
  });

  it('the addon survives a batch callback that throws: that batch is lost and counted', async () => {
    const raw = addon();
    let throwNext = true;
    const opened = raw.open('127.0.0.1', 0, 1 << 20, () => {
      if (throwNext) {
        throwNext = false;
        throw new Error('batch callback bug');
      }
      const meta = new Int32Array(opened.memory, raw.layout.metaOffset, raw.layout.metaInts);
      new Uint8Array(opened.memory, raw.layout.outOffset, 2).set([0x6f, 0x6b]);
      meta[3] = 2; // slot 0 answers "ok"
    });
    const { socket, received } = await client();
    try {
      socket.send('first', opened.port, '127.0.0.1');
      await until('the failed batch', () => raw.stats(opened.handle).callbackErrors === 1);
      socket.send('second', opened.port, '127.0.0.1');
      await until('an answer', () => received.length === 1);
      assert.equal(received[0]?.toString(), 'ok');
    } finally {
      socket.close();
      raw.close(opened.handle);
    }
  });

  it('a handler that closes the transport mid-batch sends nothing more and does not crash', async () => {
    let transport: NativeDnsTransport | undefined;
    let calls = 0;
    transport = await open((q) => {
      calls++;
      void transport?.close();
      return Buffer.from(q);
    });
    const { socket, received } = await client();
    try {
      for (let i = 0; i < 20; i++) socket.send(`q${i}`, transport.port, '127.0.0.1');
      await settle();
      assert.ok(calls >= 1);
      assert.equal(received.length, 0);
    } finally {
      socket.close();
      await transport.close();
      transport = undefined;
    }
  });

  it('under a flood it cannot keep up with, timers still run between bursts (bounded reads per wake-up)', async () => {
    const slowHandler: DatagramHandler = (q) => {
      const until = performance.now() + 0.02; // 20 µs a datagram: ~50k/s, far below the flood
      while (performance.now() < until);
      return q.length > 1000 ? Buffer.from(q) : null;
    };
    const t = await open(slowHandler);
    const flood = spawn(process.execPath, ['-e', FLOOD, String(t.port), '1500'], { stdio: 'ignore' });
    let last = performance.now();
    let worstGap = 0;
    const ticker = setInterval(() => {
      const now = performance.now();
      worstGap = Math.max(worstGap, now - last);
      last = now;
    }, 5);
    try {
      await new Promise((resolve) => flood.once('exit', resolve));
      await settle();
    } finally {
      clearInterval(ticker);
      flood.kill();
      await t.close();
    }
    const stats = t.stats();
    assert.ok(stats.received > 10_000, `only ${stats.received} datagrams arrived: not a flood`);
    assert.ok(worstGap < 250, `a 5 ms timer waited ${Math.round(worstGap)} ms`);
  });

  it('close is idempotent and frees the port at once', async () => {
    const t = await open(echo);
    const port = t.port;
    await t.close();
    await t.close();
    const again = createSocket('udp4');
    try {
      await new Promise<void>((resolve, reject) => {
        again.once('error', reject);
        again.bind(port, '127.0.0.1', resolve);
      });
    } finally {
      again.close();
    }
    const reopened = await open(echo, '127.0.0.1', port);
    assert.equal(reopened.port, port);
    await reopened.close();
  });

  it('binding a port in use fails with EADDRINUSE (the agent explains bind errors by code)', async () => {
    const t = await open(echo);
    try {
      await assert.rejects(open(echo, '127.0.0.1', t.port), (err: NodeJS.ErrnoException) => err.code === 'EADDRINUSE');
    } finally {
      await t.close();
    }
  });

  it('serves on the IPv6 loopback and sees the client as ::1', async () => {
    const seen: string[] = [];
    const t = await open((q, c) => (seen.push(c.address), Buffer.from(q)), '::1');
    const { socket, received } = await client('udp6');
    try {
      socket.send('v6', t.port, '::1');
      await until('an answer', () => received.length === 1);
      assert.equal(received[0]?.toString(), 'v6');
      assert.deepEqual(seen, ['::1']);
    } finally {
      socket.close();
      await t.close();
    }
  });
});

describe('choosing the udp transport', () => {
  it('native on Linux with the addon built; dgram when forced or not built; native forced but missing fails', () => {
    assert.equal(process.platform, 'linux');
    assert.equal(chooseUdpTransport({ env: {} }).name, 'native');
    assert.equal(chooseUdpTransport({ env: { [UDP_TRANSPORT_ENV]: 'dgram' } }).name, 'dgram');
    const missing = chooseUdpTransport({ env: {}, addonPath: '/nonexistent/udp_batch.node' });
    assert.deepEqual([missing.name, missing.reason], ['dgram', 'native udp transport not built: run npm run build:native']);
    assert.throws(() => chooseUdpTransport({ env: { [UDP_TRANSPORT_ENV]: 'native' }, addonPath: '/nonexistent/udp_batch.node' }), InputError);
    assert.throws(() => chooseUdpTransport({ env: { [UDP_TRANSPORT_ENV]: 'fast' } }), InputError);
  });

  for (const [forced, expected] of [[undefined, 'native'], ['dgram', 'dgram']] as const) {
    it(`the agent logs and uses the ${expected} transport${forced ? ` with ${UDP_TRANSPORT_ENV}=${forced}` : ''}`, async () => {
      const lines: { event?: string; transport?: string }[] = [];
      const sink = new Writable({ write: (chunk: Buffer, _enc, done) => (lines.push(JSON.parse(chunk.toString())), done()) });
      const dns = await freePort();
      const api = await freePort();
      const agentTopology = oneRegion({ dns, api, endpoint: '127.0.0.1', port: 9 });
      const previous = process.env[UDP_TRANSPORT_ENV];
      if (forced) process.env[UDP_TRANSPORT_ENV] = forced;
      else delete process.env[UDP_TRANSPORT_ENV];
      try {
        const agent = await runAgent({ topology: agentTopology, region: 'eu-west', logger: pino({ level: 'info' }, sink) });
        await agent.close();
      } finally {
        if (previous === undefined) delete process.env[UDP_TRANSPORT_ENV];
        else process.env[UDP_TRANSPORT_ENV] = previous;
      }
      assert.deepEqual(lines.filter((l) => l.event === 'dns.transport').map((l) => l.transport), [expected]);
    });
  }
});
