/**
 * The drills' HTTP exchange against real loopback servers, and the address pick over a resolver
 * the test scripts. A connect that never completes needs a black hole (the lab's cut region), so
 * `no connection within` is covered by the drills, not here.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import { httpExchange, pickAddress, type NameResolver } from '../../../src/drill/http-exchange.ts';
import { freePort } from '../../support/ports.ts';

const servers: Server[] = [];
after(() => servers.forEach((s) => (s.closeAllConnections(), s.close())));

/** A server that answers `status` with `body` (echoing a POSTed body when `body` is 'echo'), or never. */
async function serve(status: number | 'hang', body = ''): Promise<number> {
  const server = createServer((req, res) => {
    let received = '';
    req.on('data', (c: Buffer) => (received += c.toString('utf8')));
    req.on('end', () => {
      if (status === 'hang') return;
      res.writeHead(status, { 'content-type': 'application/json' }).end(body === 'echo' ? JSON.stringify({ method: req.method, url: req.url, received }) : body);
    });
  });
  servers.push(server);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return (server.address() as { port: number }).port;
}

const exchange = (port: number, more: { method?: 'GET' | 'POST'; json?: unknown; connectMs?: number; answerMs?: number } = {}) =>
  httpExchange({ address: '127.0.0.1', port, path: '/orders', method: more.method ?? 'GET', connectMs: more.connectMs ?? 300, ...more });

describe('httpExchange', () => {
  it('an answer carries the status and the body; a POST sends its JSON', async () => {
    const port = await serve(201, 'echo');
    const r = await exchange(port, { method: 'POST', json: { id: 'a-1' } });
    assert.equal(r.kind, 'answer');
    assert.equal(r.kind === 'answer' && r.status, 201);
    assert.deepEqual(JSON.parse(r.kind === 'answer' ? r.body : ''), { method: 'POST', url: '/orders', received: '{"id":"a-1"}' });
  });

  it('an error status is still an answer', async () => {
    const port = await serve(503, '{"error":"no primary"}');
    assert.deepEqual(await exchange(port), { kind: 'answer', status: 503, body: '{"error":"no primary"}' });
  });

  it('a body past 64 KiB is cut, not buffered', async () => {
    const port = await serve(200, 'x'.repeat(200 * 1024));
    const r = await exchange(port);
    assert.ok(r.kind === 'answer' && r.body.length <= 64 * 1024 && r.body.length > 0, r.kind === 'answer' ? `${r.body.length} bytes` : r.kind);
  });

  it('refused: not sent', async () => {
    assert.deepEqual(await exchange(await freePort()), { kind: 'notSent', error: 'ECONNREFUSED' });
  });

  it('connected and silent: no answer, within connectMs when there is no answerMs', async () => {
    const port = await serve('hang');
    const started = Date.now();
    assert.deepEqual(await exchange(port, { connectMs: 200 }), { kind: 'noAnswer', error: 'no answer within 200 ms' });
    assert.ok(Date.now() - started < 1000);
  });

  it('connected and silent: answerMs replaces the deadline once connected', async () => {
    const port = await serve('hang');
    const started = Date.now();
    assert.deepEqual(await exchange(port, { connectMs: 100, answerMs: 400 }), { kind: 'noAnswer', error: 'no answer within 400 ms' });
    assert.ok(Date.now() - started >= 350, 'waited for the answer deadline, not the connect one');
  });
});

describe('pickAddress', () => {
  const resolving = (addresses: string[]): NameResolver => ({ resolve: async () => ({ kind: 'answer', addresses, fromCache: false }) });

  it('picks the answered address the random draw points at', async () => {
    const resolver = resolving(['10.0.0.1', '10.0.0.2', '10.0.0.3']);
    assert.deepEqual(await pickAddress(resolver, 'web.test', () => 0), { address: '10.0.0.1' });
    assert.deepEqual(await pickAddress(resolver, 'web.test', () => 0.5), { address: '10.0.0.2' });
    assert.deepEqual(await pickAddress(resolver, 'web.test', () => 0.999), { address: '10.0.0.3' });
  });

  it('a failed lookup or an empty answer is a dns error', async () => {
    const failed: NameResolver = { resolve: async () => ({ kind: 'failed', reason: 'no nameserver answered' }) };
    assert.deepEqual(await pickAddress(failed, 'web.test', Math.random), { error: 'dns: no nameserver answered' });
    assert.deepEqual(await pickAddress(resolving([]), 'web.test', Math.random), { error: 'dns: no address for web.test' });
  });
});
