/**
 * `node --import tsx bench/pdns-check.ts`: checks that the PowerDNS reference for part (b) works
 * on this machine. Health servers on 127.0.0.2/.3 (first set) and 127.0.0.4 (second set), one LUA
 * `ifurlup` record; stop .2 and the answer must lose it, stop .3 and it must shift to .4.
 * Prints how long each drop took. Everything on loopback; every process stopped by PID.
 */
import { createServer, type Server } from 'node:http';
import { freePort } from '../test/support/ports.ts';
import { describeError } from '../src/common/errors.ts';
import { queryUdp } from './lib/dns-probe.ts';
import { ProcessGroup } from './lib/processes.ts';
import { startPdns } from './pdns.ts';

const ZONE = 'global.meridian.test';
const NAME = `web.${ZONE}`;

/** Hosts whose health URL accepts connections but never answers. */
const hanging = new Set<string>();

function healthServer(host: string, port: number): Promise<Server> {
  const server = createServer((_req, res) => {
    if (!hanging.has(host)) res.end('ok\n');
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve(server));
  });
}

async function stopServer(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
}

async function answer(port: number): Promise<string> {
  const a = await queryUdp('127.0.0.1', port, NAME, 'A', 1000);
  return (a?.answer ?? []).map((line) => line.split(' ').pop()).join(',');
}

async function waitForAnswer(port: number, expected: string, timeoutMs = 15_000): Promise<number> {
  const started = Date.now();
  let last = '';
  while (Date.now() - started < timeoutMs) {
    last = await answer(port);
    if (last === expected) return Date.now() - started;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`pdns still answers '${last}' after ${timeoutMs} ms, expected '${expected}'`);
}

async function main(): Promise<number> {
  const group = new ProcessGroup();
  const servers = new Map<string, Server>();
  try {
    const httpPort = await freePort();
    for (const host of ['127.0.0.2', '127.0.0.3', '127.0.0.4']) servers.set(host, await healthServer(host, httpPort));
    const pdns = await startPdns(
      group,
      {
        origin: ZONE,
        staticLines: [`${ZONE}. 2 IN SOA ns1.${ZONE}. hostmaster.${ZONE}. 1 60 10 300 2`, `${ZONE}. 300 IN NS ns1.${ZONE}.`, `ns1.${ZONE}. 300 IN A 127.0.0.1`],
        lua: [{ name: NAME, type: 'A', ttl: 2, healthUrl: `http://127.0.0.1:${httpPort}/healthz`, addressSets: [['127.0.0.2', '127.0.0.3'], ['127.0.0.4']], timeoutSeconds: 1 }],
      },
      { port: await freePort(), healthCheckIntervalSeconds: 1 },
    );
    console.log(`${pdns.version} on 127.0.0.1:${pdns.port}, health URLs on port ${httpPort}`);
    await waitForAnswer(pdns.port, '127.0.0.2,127.0.0.3');
    console.log('all up: answers 127.0.0.2,127.0.0.3');
    hanging.add('127.0.0.2');
    console.log(`127.0.0.2 stops answering (timeout 1 s): answers 127.0.0.3 after ${await waitForAnswer(pdns.port, '127.0.0.3')} ms`);
    await stopServer(servers.get('127.0.0.3') as Server);
    servers.delete('127.0.0.3');
    console.log(`127.0.0.3 refuses connections: answers 127.0.0.4 after ${await waitForAnswer(pdns.port, '127.0.0.4')} ms`);
    console.log('pdns-check: ok');
    return 0;
  } catch (err) {
    console.error(`pdns-check: ${describeError(err)}`);
    return 1;
  } finally {
    for (const server of servers.values()) await stopServer(server);
    await group.cleanup();
  }
}

process.exitCode = await main();
