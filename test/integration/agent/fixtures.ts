/**
 * Loopback fixtures for agent tests: endpoint HTTP servers on their own 127.0.x.y addresses (all
 * of 127.0.0.0/8 is loopback on Linux), a topology naming them, and dig.
 */
import { execFile } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import { promisify } from 'node:util';
import { freePort } from '../../support/ports.ts';

const run = promisify(execFile);

/** A public endpoint: GET /healthz answers 200, or 503 to the source addresses in `refuse503`. */
export class EndpointServer {
  private server?: Server;
  readonly refuse503 = new Set<string>();
  constructor(readonly address: string, readonly port: number) {}

  async start(): Promise<void> {
    const server = createServer((req, res) => {
      const status = req.url === '/healthz' && !this.refuse503.has(req.socket.remoteAddress ?? '') ? 200 : 503;
      res.writeHead(status).end();
    });
    server.listen(this.port, this.address);
    await once(server, 'listening');
    this.server = server;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
}

/** A port free on every one of the given addresses. */
export async function portFreeOn(addresses: readonly string[]): Promise<number> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const port = await freePort(addresses[0]);
    const ok = await Promise.all(addresses.map((a) => bindable(a, port)));
    if (ok.every(Boolean)) return port;
  }
  throw new Error(`no common free port on ${addresses.join(', ')}`);
}

async function bindable(address: string, port: number): Promise<boolean> {
  const server = createServer();
  try {
    server.listen(port, address);
    await once(server, 'listening');
    return true;
  } catch {
    return false;
  } finally {
    server.close();
  }
}

export async function dig(server: string, port: number, name: string, type = 'A'): Promise<string[]> {
  const { stdout } = await run('dig', [`@${server}`, '-p', String(port), name, type, '+short', '+time=1', '+tries=1']);
  return stdout.split('\n').filter(Boolean).sort();
}

export async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 5_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out after ${timeoutMs}ms waiting for ${what}${last ? `: ${String(last)}` : ''}`);
}

export async function getJson(url: string): Promise<{ status: number; body: unknown }> {
  const res = await fetch(url, { signal: AbortSignal.timeout(2_000) });
  const text = await res.text();
  return { status: res.status, body: text.startsWith('{') || text.startsWith('[') ? JSON.parse(text) : text };
}
