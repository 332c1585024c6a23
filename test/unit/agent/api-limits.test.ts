/**
 * The API's limits on real sockets on loopback: a slowloris client dribbling header bytes is cut
 * at the header deadline, and the N+1th connection from one address is refused while another
 * address still gets in (127.0.0.2 is loopback too on Linux).
 */
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import { startApiServer, type ApiServer } from '../../../src/agent/http-api.ts';

const silent = pino({ level: 'silent' });
const handlers = {
  status: () => { throw new Error('not read in these tests'); },
  view: () => { throw new Error('not read in these tests'); },
  receiveView: () => 'accepted' as const,
};

interface Client {
  readonly socket: Socket;
  /** Milliseconds from connect to the server's close, and what it sent. */
  readonly closed: Promise<{ ms: number; received: string }>;
}

function open(port: number, localAddress = '127.0.0.1'): Promise<Client> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    let received = '';
    const socket = connect({ port, host: '127.0.0.1', localAddress }, () => resolve({ socket, closed }));
    socket.setEncoding('utf8');
    socket.on('data', (d: string) => (received += d));
    const closed = new Promise<{ ms: number; received: string }>((r) => socket.on('close', () => r({ ms: performance.now() - started, received })));
    socket.on('error', (err: NodeJS.ErrnoException) => (err.code === 'ECONNRESET' ? undefined : reject(err)));
  });
}

describe('api limits on loopback', () => {
  let api: ApiServer;
  before(async () => {
    api = await startApiServer({ host: '127.0.0.1', port: 0 }, handlers, silent, {
      limits: { headersTimeoutMs: 600, requestTimeoutMs: 1_000, maxConnectionsPerSource: 3 },
    });
  });
  after(async () => api?.close());

  it('cuts a client dribbling header bytes at the header deadline (bytes do not push it back)', async () => {
    const c = await open(api.port);
    c.socket.write('GET /status HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ');
    const dribble = setInterval(() => c.socket.writable && c.socket.write('a'), 100);
    const { ms, received } = await c.closed;
    clearInterval(dribble);
    // 600 ms deadline, checked every 500 ms; a per-byte timeout would have kept it open for good.
    assert.ok(ms >= 550 && ms < 2_000, `closed after ${Math.round(ms)} ms`);
    assert.match(received, /^HTTP\/1\.1 408/);
  });

  it('cuts a connection that sends nothing at the header deadline', async () => {
    const { ms } = await (await open(api.port)).closed;
    assert.ok(ms >= 550 && ms < 2_000, `closed after ${Math.round(ms)} ms`);
  });

  it('refuses the N+1th connection from one address with a JSON line, and admits another address', async () => {
    const held = [await open(api.port), await open(api.port), await open(api.port)];
    const refused = await open(api.port);
    const { ms, received } = await refused.closed;
    assert.ok(ms < 500, `refused after ${Math.round(ms)} ms`);
    assert.match(received, /^HTTP\/1\.1 429 /);
    assert.match(received.split('\r\n\r\n')[1] ?? '', /^\{"error":"too many connections from this address \(at most 3\)[^\n]*"\}\n$/);
    const other = await open(api.port, '127.0.0.2');
    other.socket.write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
    await new Promise((r) => other.socket.once('data', r));
    for (const c of [...held, other]) c.socket.destroy();
  });

  it('counts a closed connection out: the address gets in again', async () => {
    const held = [await open(api.port), await open(api.port), await open(api.port)];
    held[0]?.socket.destroy();
    await held[0]?.closed;
    await new Promise((r) => setTimeout(r, 50)); // the server sees the close
    const again = await open(api.port);
    again.socket.write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
    await new Promise((r) => again.socket.once('data', r));
    for (const c of [...held, again]) c.socket.destroy();
  });
});
