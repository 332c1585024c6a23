/** readBody against a real loopback server: the body within the cap, and an answer past it. */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, request } from 'node:http';
import { BodyTooLargeError, readBody } from '../../../src/common/http-body.ts';

const CAP = 1024;
const errors: unknown[] = [];
const server = createServer((req, res) => {
  readBody(req, CAP).then(
    (body) => res.writeHead(200).end(`read ${body.length}: ${body.slice(0, 10)}`),
    (err: unknown) => {
      errors.push(err);
      res.writeHead(413).end(err instanceof Error ? err.message : String(err));
    },
  );
});
after(() => (server.closeAllConnections(), server.close()));

async function post(body: string): Promise<{ status: number; text: string }> {
  if (!server.listening) await once(server.listen(0, '127.0.0.1'), 'listening');
  const { port } = server.address() as { port: number };
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method: 'POST', path: '/', agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('readBody', () => {
  it('reads a body up to the cap, as UTF-8', async () => {
    assert.deepEqual(await post('héllo'), { status: 200, text: 'read 5: héllo' });
    assert.deepEqual(await post('x'.repeat(CAP)), { status: 200, text: `read ${CAP}: xxxxxxxxxx` });
    assert.deepEqual(errors, []);
  });

  it('past the cap: BodyTooLargeError, and the caller\'s answer still reaches the client', async () => {
    assert.deepEqual(await post('x'.repeat(CAP + 1)), { status: 413, text: 'body too large' });
    assert.deepEqual(await post('y'.repeat(2 * 1024 * 1024)), { status: 413, text: 'body too large' });
    assert.equal(errors.length, 2);
    assert.ok(errors.every((e) => e instanceof BodyTooLargeError && e.maxBytes === CAP));
  });
});
