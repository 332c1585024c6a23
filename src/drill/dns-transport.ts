/**
 * Sends one A query to one nameserver: UDP first, TCP when the UDP answer is truncated, as a
 * stub resolver does. Node has no client API that both names the server and exposes the
 * rcode/TTL (node:dns Resolver hides TTL on failures and retries on its own), so this is a
 * small hand-written exchange over dgram/net with dns-packet doing the wire format.
 */
import { createSocket } from 'node:dgram';
import { randomInt } from 'node:crypto';
import { connect, isIPv6 } from 'node:net';
import { decodeResponse, encodeAQuery, readAAnswer, type AAnswer } from './dns-answer.ts';
import type { Nameserver } from './types.ts';

export type Transport = 'udp' | 'tcp';

export type DnsQueryOutcome =
  | ({ readonly kind: 'response'; readonly transport: Transport } & AAnswer)
  | { readonly kind: 'timeout'; readonly transport: Transport }
  | { readonly kind: 'error'; readonly transport: Transport; readonly message: string };

export async function queryA(server: Nameserver, name: string, timeoutMs: number): Promise<DnsQueryOutcome> {
  const udp = await exchangeUdp(server, name, timeoutMs);
  if (udp.kind !== 'response' || !udp.truncated) return udp;
  return exchangeTcp(server, name, timeoutMs);
}

function exchangeUdp(server: Nameserver, name: string, timeoutMs: number): Promise<DnsQueryOutcome> {
  const id = randomInt(0, 0x10000);
  const socket = createSocket(isIPv6(server.address) ? 'udp6' : 'udp4');
  return new Promise<DnsQueryOutcome>((resolve) => {
    let done = false;
    const finish = (outcome: DnsQueryOutcome) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.close();
      resolve(outcome);
    };
    const timer = setTimeout(() => finish({ kind: 'timeout', transport: 'udp' }), timeoutMs);
    socket.on('error', (err) => finish({ kind: 'error', transport: 'udp', message: err.message }));
    socket.on('message', (msg, from) => {
      // Anything not from the server we asked, or not for our id, is ignored (spoofing, strays).
      if (from.address !== server.address || from.port !== server.port) return;
      const packet = decodeResponse(msg, id);
      if (packet) finish({ kind: 'response', transport: 'udp', ...readAAnswer(packet) });
    });
    socket.send(encodeAQuery(id, name), server.port, server.address);
  });
}

function exchangeTcp(server: Nameserver, name: string, timeoutMs: number): Promise<DnsQueryOutcome> {
  const id = randomInt(0, 0x10000);
  const query = encodeAQuery(id, name);
  const socket = connect({ host: server.address, port: server.port });
  return new Promise<DnsQueryOutcome>((resolve) => {
    let received = Buffer.alloc(0);
    let done = false;
    const finish = (outcome: DnsQueryOutcome) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(outcome);
    };
    const timer = setTimeout(() => finish({ kind: 'timeout', transport: 'tcp' }), timeoutMs);
    socket.on('error', (err) => finish({ kind: 'error', transport: 'tcp', message: err.message }));
    socket.on('close', () => finish({ kind: 'error', transport: 'tcp', message: 'connection closed before an answer' }));
    socket.on('connect', () => {
      const length = Buffer.alloc(2);
      length.writeUInt16BE(query.length);
      socket.write(Buffer.concat([length, query]));
    });
    socket.on('data', (chunk) => {
      received = Buffer.concat([received, chunk]);
      if (received.length < 2 || received.length < 2 + received.readUInt16BE(0)) return;
      const packet = decodeResponse(received.subarray(2, 2 + received.readUInt16BE(0)), id);
      finish(
        packet
          ? { kind: 'response', transport: 'tcp', ...readAAnswer(packet) }
          : { kind: 'error', transport: 'tcp', message: 'malformed or mismatched TCP answer' },
      );
    });
  });
}
