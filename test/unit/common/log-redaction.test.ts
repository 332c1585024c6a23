/** The logger never writes a credential-bearing field, at the depths log calls use. */
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { createLogger } from '../../../src/common/log.ts';

function capture(): { lines: string[]; stream: Writable } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(chunk.toString('utf8'));
      done();
    },
  });
  return { lines, stream };
}

test('passwords, authorization headers and cookies are redacted at any depth; fencing tokens and the message stay', () => {
  const prev = process.env.MERIDIAN_LOG_LEVEL;
  process.env.MERIDIAN_LOG_LEVEL = 'info';
  try {
    const { lines, stream } = capture();
    const log = createLogger('test', { region: 'eu' }, stream);
    log.info({
      password: 'p0',
      auth: { user: 'meridian', password: 'p1' },
      db: { replication: { user: 'repl', password: 'p2' } },
      deep: { a: { b: { password: 'p3' } } },
      req: { headers: { authorization: 'Bearer s3cret', cookie: 'sid=s4', host: 'agent' } },
      authorization: 'Bearer s5',
      token: '42',
      event: 'store.local',
    }, 'a line that names no secret');
    assert.equal(lines.length, 1);
    const text = lines[0]!;
    for (const secret of ['p0', 'p1', 'p2', 'p3', 's3cret', 'sid=s4', 's5']) assert.ok(!text.includes(secret), `${secret} leaked: ${text}`);
    const line = JSON.parse(text) as Record<string, unknown> & { auth: { user: string; password: string }; req: { headers: Record<string, string> } };
    assert.equal(line.auth.user, 'meridian');
    assert.equal(line.auth.password, '[redacted]');
    assert.equal(line.req.headers.host, 'agent');
    assert.equal(line.token, '42');
    assert.equal(line.region, 'eu');
    assert.equal(line.msg, 'a line that names no secret');
  } finally {
    if (prev === undefined) delete process.env.MERIDIAN_LOG_LEVEL;
    else process.env.MERIDIAN_LOG_LEVEL = prev;
  }
});
