/**
 * Real loopback servers for the drill's integration tests: a small authoritative UDP/TCP DNS
 * responder (dns-packet + dgram/net) whose answers a test can change, and demo-like HTTP servers
 * on 127.0.0.x that answer GET / with {region}. They stand in for the lab's agents and demo
 * instances; the real agent's DNS server is tested by its own suite, the real lab drill by the
 * integrator's end-to-end test.
 */
import { createSocket, type Socket } from 'node:dgram';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer as createTcpServer, type Server as TcpServer } from 'node:net';
import * as dnsPacket from 'dns-packet';
import { freePort } from '../../support/ports.ts';

export type ResponderMode = 'answer' | 'silent' | 'servfail' | 'truncate';

export interface DnsResponder {
  readonly port: number;
  addresses: string[];
  ttl: number;
  mode: ResponderMode;
  /** Queries received over UDP and TCP, in order, with the time they arrived. */
  readonly queries: { atMs: number; transport: 'udp' | 'tcp' }[];
  close(): Promise<void>;
}

function respond(query: dnsPacket.DecodedPacket, r: DnsResponder, truncate: boolean): Buffer {
  const question = query.questions?.[0];
  return dnsPacket.encode({
    type: 'response',
    id: query.id ?? 0,
    flags: dnsPacket.AUTHORITATIVE_ANSWER | (r.mode === 'servfail' ? 2 : 0) | (truncate ? dnsPacket.TRUNCATED_RESPONSE : 0),
    questions: question ? [question] : [],
    answers:
      r.mode === 'servfail' || truncate || !question
        ? []
        : r.addresses.map((data) => ({ type: 'A' as const, name: question.name, ttl: r.ttl, data })),
  });
}

export async function startDnsResponder(addresses: string[], ttl: number): Promise<DnsResponder> {
  for (let attempt = 0; ; attempt += 1) {
    try {
      return await tryStartDnsResponder(addresses, ttl);
    } catch (err) {
      // The UDP port was free but its TCP twin was taken: pick another pair.
      if (attempt >= 5 || (err as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw err;
    }
  }
}

async function tryStartDnsResponder(addresses: string[], ttl: number): Promise<DnsResponder> {
  const udp: Socket = createSocket('udp4');
  await new Promise<void>((resolve, reject) => {
    udp.once('error', reject);
    udp.bind(0, '127.0.0.1', () => resolve());
  });
  const port = udp.address().port;
  const responder: DnsResponder = {
    port,
    addresses,
    ttl,
    mode: 'answer',
    queries: [],
    close: async () => {
      udp.close();
      await new Promise<void>((resolve) => tcp.close(() => resolve()));
    },
  };
  udp.on('message', (msg, from) => {
    responder.queries.push({ atMs: Date.now(), transport: 'udp' });
    if (responder.mode === 'silent') return;
    udp.send(respond(dnsPacket.decode(msg), responder, responder.mode === 'truncate'), from.port, from.address);
  });
  const tcp: TcpServer = createTcpServer((conn) => {
    conn.on('data', (data) => {
      responder.queries.push({ atMs: Date.now(), transport: 'tcp' });
      if (responder.mode === 'silent') return;
      const query = dnsPacket.streamDecode(data) as dnsPacket.DecodedPacket;
      conn.end(dnsPacket.streamEncode(dnsPacket.decode(respond(query, responder, false))));
    });
    conn.on('error', () => {});
  });
  await new Promise<void>((resolve, reject) => {
    tcp.once('error', (err) => {
      udp.close();
      reject(err);
    });
    tcp.listen(port, '127.0.0.1', () => resolve());
  });
  return responder;
}

export interface RegionServer {
  readonly region: string;
  readonly address: string;
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** One HTTP server per region, all on the same port (a service has one port), on 127.0.0.x. */
export async function startRegionServers(regions: { region: string; address: string }[]): Promise<{ port: number; servers: RegionServer[] }> {
  for (let attempt = 0; ; attempt += 1) {
    const port = await freePort(regions[0]!.address);
    const servers = regions.map((r) => regionServer(r.region, r.address, port));
    try {
      for (const s of servers) await s.start();
      return { port, servers };
    } catch (err) {
      for (const s of servers) await s.stop();
      if (attempt >= 5) throw err;
    }
  }
}

function regionServer(region: string, address: string, port: number): RegionServer {
  let server: HttpServer | undefined;
  return {
    region,
    address,
    start: () =>
      new Promise((resolve, reject) => {
        if (server) return resolve();
        const s = createHttpServer((req, res) => {
          res.setHeader('content-type', 'application/json');
          res.end(JSON.stringify({ region, service: 'web', instance: 1, address, time: new Date().toISOString() }));
        });
        s.once('error', reject);
        s.listen(port, address, () => {
          server = s;
          resolve();
        });
      }),
    stop: () =>
      new Promise((resolve) => {
        if (!server) return resolve();
        const s = server;
        server = undefined;
        s.closeAllConnections();
        s.close(() => resolve());
      }),
  };
}
