import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { once } from 'node:events';
import { createProbeAgent, probeEndpoint, probeUrl, type ProbeTarget } from '../../../src/health/index.ts';
import { freePort } from '../../support/ports.ts';

const seen: IncomingMessage[] = [];
const servers: Server[] = [];
after(() => servers.forEach((s) => { s.closeAllConnections(); s.close(); }));

async function serve(handler: (url: string) => number | 'hang'): Promise<number> {
  const server = createServer((req, res) => {
    seen.push(req);
    const status = handler(req.url ?? '');
    if (status !== 'hang') res.writeHead(status).end('x');
  });
  servers.push(server);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  return typeof address === 'object' && address ? address.port : 0;
}

const target = (port: number, path = '/healthz'): ProbeTarget => ({ address: '127.0.0.1', port, path, hostname: 'web.global.test', timeoutMs: 150 });

test('probe: 2xx is ok, with the service name as Host and the source address bound', async () => {
  const port = await serve(() => 204);
  const result = await probeEndpoint(target(port), { localAddress: '127.0.0.1', agent: createProbeAgent() });
  assert.equal(result.kind, 'ok');
  const req = seen.at(-1);
  assert.equal(req?.headers.host, `web.global.test:${port}`);
  assert.equal(req?.url, '/healthz');
  assert.equal(req?.socket.remoteAddress, '127.0.0.1');
});

test('probe: the source address is the vantage point (127.0.0.2 is loopback too)', async () => {
  const port = await serve(() => 200);
  await probeEndpoint(target(port), { localAddress: '127.0.0.2' });
  assert.equal(seen.at(-1)?.socket.remoteAddress, '127.0.0.2');
});

test('probe: a non-2xx status is a failure named by its status', async () => {
  const port = await serve((url) => (url === '/ready' ? 503 : 200));
  assert.deepEqual(await probeEndpoint(target(port, '/ready')).then((r) => r.kind === 'failed' && r.reason), 'status 503');
});

test('probe: a closed port is refused', async () => {
  const port = await freePort();
  const result = await probeEndpoint(target(port));
  assert.equal(result.kind === 'failed' && result.reason, 'refused');
});

test('probe: a server that never answers times out at the deadline', async () => {
  const port = await serve(() => 'hang');
  const started = performance.now();
  const result = await probeEndpoint(target(port));
  const took = performance.now() - started;
  assert.equal(result.kind === 'failed' && result.reason, 'timeout');
  assert.ok(took >= 140 && took < 400, `took ${took}ms`);
});

test('probeUrl brackets IPv6 addresses', () => {
  assert.equal(probeUrl({ ...target(8080), address: 'fd00::1' }), 'http://[fd00::1]:8080/healthz');
});
