/**
 * The DNS server's limits on real sockets on loopback: a TCP client dribbling a query byte by
 * byte is cut at the message deadline, the N+1th TCP connection from one address is refused, and
 * under a UDP flood from one /24 the rate limiting answers some, slips truncated answers (TC=1)
 * among the drops, while another /24 still gets full answers. 127.0.0.2 and 127.0.1.2 are
 * loopback too on Linux; loopback is not exempt in these servers.
 */
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { connect, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import dnsPacket from 'dns-packet';
import { buildAnswerTable, startDnsServer, type DnsServer } from '../../../src/gslb/index.ts';
import { query, service, snapshot, topologyWith, ZONE } from './fixtures.ts';

const topology = topologyWith(service('web', '{ type: all-healthy }'));
const table = buildAnswerTable(topology, snapshot(topology));
const WEB = `web.${ZONE}`;

function framed(message: Buffer): Buffer {
  const out = Buffer.alloc(message.length + 2);
  out.writeUInt16BE(message.length, 0);
  message.copy(out, 2);
  return out;
}

function open(port: number, localAddress = '127.0.0.1'): Promise<{ socket: Socket; closed: Promise<number> }> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const socket = connect({ port, host: '127.0.0.1', localAddress }, () => resolve({ socket, closed }));
    const closed = new Promise<number>((r) => socket.on('close', () => r(performance.now() - started)));
    socket.on('error', (err: NodeJS.ErrnoException) => (err.code === 'ECONNRESET' ? undefined : reject(err)));
  });
}

describe('dns over tcp limits on loopback', () => {
  let server: DnsServer;
  before(async () => {
    server = await startDnsServer({ host: '127.0.0.1', port: 0, table: () => table, tcp: { messageTimeoutMs: 500, idleTimeoutMs: 5_000, maxConnectionsPerSource: 2 } });
  });
  after(async () => server?.close());

  it('cuts a client dribbling a query byte by byte at the message deadline', async () => {
    const { socket, closed } = await open(server.tcpPort);
    const bytes = [...framed(query(WEB, 'A'))];
    const dribble = setInterval(() => (bytes.length > 0 && socket.writable ? socket.write(Buffer.from([bytes.shift() as number])) : undefined), 100);
    const ms = await closed;
    clearInterval(dribble);
    // 500 ms from the first byte, swept every 250 ms; the whole query would have taken ~3.5 s.
    assert.ok(ms >= 450 && ms < 1_500, `closed after ${Math.round(ms)} ms`);
    assert.ok(bytes.length > 0, 'the query was never completed');
  });

  it('answers a whole query, then keeps the connection for the idle time', async () => {
    const { socket, closed } = await open(server.tcpPort);
    const answer = new Promise<Buffer>((r) => socket.once('data', r));
    socket.write(framed(query(WEB, 'A')));
    assert.equal(dnsPacket.decode((await answer).subarray(2)).answers?.length, 4);
    const raced = await Promise.race([closed, new Promise((r) => setTimeout(() => r('open'), 1_000))]);
    assert.equal(raced, 'open');
    socket.destroy();
  });

  it('refuses the N+1th connection from one address, admits another address', async () => {
    const held = [await open(server.tcpPort), await open(server.tcpPort)];
    const ms = await (await open(server.tcpPort)).closed;
    assert.ok(ms < 200, `third connection closed after ${Math.round(ms)} ms`);
    const other = await open(server.tcpPort, '127.0.0.2');
    const answer = new Promise<Buffer>((r) => other.socket.once('data', r));
    other.socket.write(framed(query(WEB, 'A')));
    assert.equal(dnsPacket.decode((await answer).subarray(2)).answers?.length, 4);
    for (const c of [...held, other]) c.socket.destroy();
  });
});

describe('dns response rate limiting on loopback', () => {
  let server: DnsServer;
  before(async () => {
    server = await startDnsServer({
      host: '127.0.0.1', port: 0, table: () => table,
      rateLimit: { responsesPerSecond: 20, slip: 2, windowMs: 2_000, exemptLoopback: false },
    });
  });
  after(async () => server?.close());

  /** Sends `n` queries from `from` at once; the responses that came back within 400 ms, decoded. */
  async function burst(from: string, n: number): Promise<dnsPacket.DecodedPacket[]> {
    const socket = createSocket('udp4');
    await new Promise<void>((r) => socket.bind(0, from, r));
    const got: dnsPacket.DecodedPacket[] = [];
    socket.on('message', (m) => got.push(dnsPacket.decode(m)));
    for (let i = 0; i < n; i++) socket.send(query(WEB, 'A', { id: i }), server.udpPort, '127.0.0.1');
    await new Promise((r) => setTimeout(r, 400));
    socket.close();
    return got;
  }

  it('slips truncated answers under a flood from one /24, while another /24 gets full answers', async () => {
    const flood = await burst('127.0.0.2', 200);
    const full = flood.filter((p) => !p.flag_tc);
    const truncated = flood.filter((p) => p.flag_tc);
    // 20 in the bucket, about 8 more over 400 ms; half of the ~170 drops slipped.
    assert.ok(full.length >= 20 && full.length <= 40, `${full.length} full answers`);
    assert.ok(truncated.length >= 60 && truncated.length <= 100, `${truncated.length} truncated`);
    assert.ok(truncated.every((p) => (p.answers?.length ?? 0) === 0 && p.questions?.[0]?.name === WEB));
    const other = await burst('127.0.1.2', 10);
    assert.equal(other.length, 10);
    assert.ok(other.every((p) => !p.flag_tc && p.answers?.length === 4));
  });
});
