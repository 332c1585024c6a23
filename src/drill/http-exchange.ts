/**
 * One HTTP request as the drills' clients send it: the service name resolved through the drill's
 * caching stub resolver, one answered address picked at random, and the request sent on a fresh
 * connection (no keep-alive pool: the point is to measure where name resolution sends new
 * requests, not how long a pooled socket to a dead host survives). The exchange never rejects and
 * tells "never connected" (nothing was sent) from "connected, no answer" (the server may have
 * acted): a write drill's history depends on that difference.
 */
import { request } from 'node:http';
import type { Resolution } from './stub-resolver.ts';

export interface NameResolver {
  resolve(name: string): Promise<Resolution>;
}

export type AddressPick = { readonly address: string } | { readonly error: string };

/** Resolves `fqdn` and picks one answered address; `random` is injectable for tests. */
export async function pickAddress(resolver: NameResolver, fqdn: string, random: () => number): Promise<AddressPick> {
  const resolution = await resolver.resolve(fqdn);
  if (resolution.kind === 'failed') return { error: `dns: ${resolution.reason}` };
  const { addresses } = resolution;
  const address = addresses[Math.floor(random() * addresses.length)] ?? addresses[0];
  return address === undefined ? { error: `dns: no address for ${fqdn}` } : { address };
}

export interface HttpExchangeOptions {
  readonly address: string;
  readonly port: number;
  readonly path: string;
  readonly method: 'GET' | 'POST';
  /** Sent as the JSON body. */
  readonly json?: unknown;
  /** Deadline from the start; without `answerMs` it bounds the whole exchange. */
  readonly connectMs: number;
  /** Once connected, the answer gets this long instead, counted from the connection. */
  readonly answerMs?: number;
}

export type HttpExchange =
  | { readonly kind: 'answer'; readonly status: number; readonly body: string }
  | { readonly kind: 'notSent'; readonly error: string }
  | { readonly kind: 'noAnswer'; readonly error: string };

/** Bodies are read up to this size; the rest is dropped (the clients only look for a few fields). */
const MAX_BODY_BYTES = 64 * 1024;

export function httpExchange(o: HttpExchangeOptions): Promise<HttpExchange> {
  const payload = o.json === undefined ? undefined : JSON.stringify(o.json);
  const bodyHeaders = payload === undefined ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) };
  return new Promise((resolve) => {
    let connected = false;
    let settled = false;
    const settle = (exchange: HttpExchange) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.destroy();
      resolve(exchange);
    };
    const timedOut = (ms: number) => () =>
      settle(connected ? { kind: 'noAnswer', error: `no answer within ${ms} ms` } : { kind: 'notSent', error: `no connection within ${ms} ms` });
    const req = request({
      host: o.address, port: o.port, path: o.path, method: o.method, agent: false,
      headers: { ...bodyHeaders, connection: 'close' },
    });
    let timer = setTimeout(timedOut(o.connectMs), o.connectMs);
    req.on('socket', (socket) => {
      socket.once('connect', () => {
        connected = true;
        if (o.answerMs === undefined) return;
        clearTimeout(timer);
        timer = setTimeout(timedOut(o.answerMs), o.answerMs);
      });
    });
    req.on('error', (err: NodeJS.ErrnoException) => {
      const error = err.code ?? err.message;
      settle(connected ? { kind: 'noAnswer', error } : { kind: 'notSent', error });
    });
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size <= MAX_BODY_BYTES) chunks.push(chunk);
      });
      res.on('error', (err) => settle({ kind: 'noAnswer', error: err.message }));
      res.on('end', () => settle({ kind: 'answer', status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.end(payload);
  });
}
