/**
 * The http write transport against loopback servers, named through a loopback DNS responder and
 * the drill's caching stub resolver: 201 is an ack by the server the body names, 503 and a
 * refused connection are failures, a server that takes the request and never answers is unknown.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { HttpWriteTransport } from '../../../src/drill/db/index.ts';
import { StubResolver } from '../../../src/drill/index.ts';
import { freePort } from '../../support/ports.ts';
import { startDnsResponder, type DnsResponder } from '../drill/loopback.ts';

let dns: DnsResponder;
let server: Server;
let port = 0;
let mode: 'created' | 'unavailable' | 'silent' = 'created';
const bodies: unknown[] = [];

describe('http write transport', () => {
  before(async () => {
    dns = await startDnsResponder(['127.0.0.1'], 0);
    server = createServer((req, res) => {
      let text = '';
      req.on('data', (c: Buffer) => (text += c.toString('utf8')));
      req.on('end', () => {
        bodies.push(JSON.parse(text));
        if (mode === 'silent') return; // takes the write, never answers
        if (mode === 'unavailable') return void res.writeHead(503).end('{"error":"no primary"}');
        res.writeHead(201, { 'content-type': 'application/json' })
          .end(JSON.stringify({ id: 'x', servedBy: { region: 'us-east', address: '10.0.0.2', timeline: 2, systemId: '7301' } }));
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as { port: number }).port;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
    await dns.close();
  });

  const transport = (p = port) => new HttpWriteTransport({
    fqdn: 'web.global.test', port: p, connectMs: 300, answerMs: 400,
    resolver: new StubResolver({ nameservers: [{ region: 'eu-west', address: '127.0.0.1', port: dns.port }] }),
  });

  it('201: ok, by the server the app names; the id is what was posted', async () => {
    mode = 'created';
    assert.deepEqual(await transport().write('run-m-000001'), { outcome: 'ok', server: { region: 'us-east', timeline: 2, systemId: '7301' } });
    assert.deepEqual(bodies.at(-1), { id: 'run-m-000001' });
  });

  it('503: fail', async () => {
    mode = 'unavailable';
    const r = await transport().write('run-m-000002');
    assert.equal(r.outcome, 'fail');
  });

  it('taken and never answered: unknown after the answer deadline', async () => {
    mode = 'silent';
    const started = Date.now();
    const r = await transport().write('run-m-000003');
    assert.deepEqual(r, { outcome: 'unknown', error: '127.0.0.1: no answer within 400 ms' });
    assert.ok(Date.now() - started < 1500);
  });

  it('refused: fail (nothing was sent)', async () => {
    const r = await transport(await freePort()).write('run-m-000004');
    assert.deepEqual(r, { outcome: 'fail', error: '127.0.0.1: ECONNREFUSED' });
  });

  it('the name does not resolve: fail', async () => {
    dns.mode = 'servfail';
    try {
      const r = await transport().write('run-m-000005');
      assert.equal(r.outcome, 'fail');
      assert.match(r.outcome === 'fail' ? r.error : '', /^dns: no nameserver answered/);
    } finally {
      dns.mode = 'answer';
    }
  });
});
