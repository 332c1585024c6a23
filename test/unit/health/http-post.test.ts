/** The peers' JSON POST on a real loopback server: delivered or not, and the answer read (bounded) for the callers that need it. */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import { postJson, postJsonForAnswer } from '../../../src/health/index.ts';

let server: Server;
let base = '';

before(async () => {
  server = createServer((req, res) => {
    req.resume();
    if (req.url === '/ok') return void res.writeHead(200, { 'content-type': 'application/json' }).end('{"kind":"done","detail":"x"}');
    if (req.url === '/refused') return void res.writeHead(409, { 'content-type': 'application/json' }).end('{"kind":"refused","detail":"no"}');
    if (req.url === '/text') return void res.writeHead(500).end('oops');
    if (req.url === '/huge') return void res.writeHead(200).end(Buffer.alloc(200 * 1024, 'a'));
    // /slow: never answers
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});

after(() => {
  server.closeAllConnections();
  server.close();
});

test('postJson: a 2xx is delivered, anything else failed with its status', async () => {
  assert.deepEqual(await postJson(`${base}/ok`, {}, { timeoutMs: 2_000 }), { kind: 'delivered' });
  assert.deepEqual(await postJson(`${base}/refused`, {}, { timeoutMs: 2_000 }), { kind: 'failed', reason: 'status 409' });
  assert.deepEqual(await postJson(`${base}/slow`, {}, { timeoutMs: 200 }), { kind: 'failed', reason: 'timeout' });
});

test('postJsonForAnswer: the status and JSON body of any answer; {} for a body that is not JSON; a huge answer is not read', async () => {
  assert.deepEqual(await postJsonForAnswer(`${base}/ok`, {}, { timeoutMs: 2_000 }), { kind: 'answered', status: 200, body: { kind: 'done', detail: 'x' } });
  assert.deepEqual(await postJsonForAnswer(`${base}/refused`, {}, { timeoutMs: 2_000 }), { kind: 'answered', status: 409, body: { kind: 'refused', detail: 'no' } });
  assert.deepEqual(await postJsonForAnswer(`${base}/text`, {}, { timeoutMs: 2_000 }), { kind: 'answered', status: 500, body: {} });
  assert.deepEqual(await postJsonForAnswer(`${base}/huge`, {}, { timeoutMs: 2_000 }), { kind: 'failed', reason: 'answer over 65536 bytes' });
  const refused = await postJsonForAnswer('http://127.0.0.1:1/x', {}, { timeoutMs: 2_000 });
  assert.equal(refused.kind, 'failed');
});
