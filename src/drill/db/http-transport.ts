/**
 * Writes through the web service, as a real user does: resolve the service's GSLB name with the
 * drill's caching stub resolver, pick one answered address, `POST /orders {id}` on a fresh
 * connection. The demo app answers 201 {id, servedBy: {region, timeline, systemId}} only after
 * COMMIT, 503 when the write failed, 409 when the id exists.
 *
 * Outcomes: nothing sent (DNS failure, refused, no TCP connection in time) is `fail`; an answer
 * the app defines as a failure (503, 409, other 4xx) is `fail`; no answer after the request went
 * out, or any other 5xx, is `unknown`: the app may have committed before it failed to answer.
 */
import { request } from 'node:http';
import type { ServerIdentity } from '../history/index.ts';
import type { NameResolver } from '../load-client.ts';
import type { WriteResult, WriteTransport } from './types.ts';

export interface HttpWriteTransportOptions {
  readonly fqdn: string;
  readonly port: number;
  readonly resolver: NameResolver;
  /** @default '/orders' */
  readonly path?: string;
  /** TCP connect. @default 1000 */
  readonly connectMs?: number;
  /** Whole request once connected. @default 3000 */
  readonly answerMs?: number;
  /** Picks an answer address; injectable for tests. @default Math.random */
  readonly random?: () => number;
}

const MAX_BODY_BYTES = 64 * 1024;

interface HttpAnswer {
  readonly status: number;
  readonly body: string;
}

type Exchange = { kind: 'answer'; answer: HttpAnswer } | { kind: 'notSent'; error: string } | { kind: 'noAnswer'; error: string };

export class HttpWriteTransport implements WriteTransport {
  readonly name = 'http';

  constructor(private readonly options: HttpWriteTransportOptions) {}

  async write(id: string): Promise<WriteResult> {
    const o = this.options;
    const resolution = await o.resolver.resolve(o.fqdn);
    if (resolution.kind === 'failed') return { outcome: 'fail', error: `dns: ${resolution.reason}` };
    const addresses = resolution.addresses;
    if (addresses.length === 0) return { outcome: 'fail', error: `dns: no address for ${o.fqdn}` };
    const address = addresses[Math.floor((o.random ?? Math.random)() * addresses.length)] ?? addresses[0]!;
    const exchange = await postJson(address, o.port, o.path ?? '/orders', { id }, o.connectMs ?? 1000, o.answerMs ?? 3000);
    if (exchange.kind === 'notSent') return { outcome: 'fail', error: `${address}: ${exchange.error}` };
    if (exchange.kind === 'noAnswer') return { outcome: 'unknown', error: `${address}: ${exchange.error}` };
    return judgeAnswer(exchange.answer, id);
  }
}

/** The app's answer → outcome (pure). */
export function judgeAnswer(answer: HttpAnswer, id: string): WriteResult {
  const { status } = answer;
  const server = servedBy(answer.body);
  const withServer = server ? { server } : {};
  if (status === 201) {
    return server ? { outcome: 'ok', server } : { outcome: 'ok' };
  }
  if (status === 503) return { outcome: 'fail', error: `HTTP 503 (the app reports the write failed)`, ...withServer };
  if (status === 409) return { outcome: 'fail', error: `HTTP 409: id ${id} already exists`, ...withServer };
  if (status >= 400 && status < 500) return { outcome: 'fail', error: `HTTP ${status}`, ...withServer };
  return { outcome: 'unknown', error: `HTTP ${status}: the app may have committed before failing`, ...withServer };
}

function servedBy(body: string): ServerIdentity | undefined {
  try {
    const parsed = JSON.parse(body) as { servedBy?: { region?: unknown; timeline?: unknown; systemId?: unknown } };
    const s = parsed.servedBy;
    if (!s || typeof s.region !== 'string') return undefined;
    return {
      region: s.region,
      ...(typeof s.timeline === 'number' ? { timeline: s.timeline } : {}),
      ...(typeof s.systemId === 'string' ? { systemId: s.systemId } : {}),
    };
  } catch {
    return undefined;
  }
}

/** POST on a fresh connection; never rejects. Tells "never connected" from "connected, no answer". */
function postJson(address: string, port: number, path: string, body: unknown, connectMs: number, answerMs: number): Promise<Exchange> {
  const payload = JSON.stringify(body);
  return new Promise((resolve) => {
    let connected = false;
    let settled = false;
    const settle = (exchange: Exchange) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.destroy();
      resolve(exchange);
    };
    const req = request({
      host: address, port, path, method: 'POST', agent: false,
      headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload), connection: 'close' },
    });
    let timer = setTimeout(() => settle({ kind: 'notSent', error: `no connection within ${connectMs} ms` }), connectMs);
    req.on('socket', (socket) => {
      socket.once('connect', () => {
        connected = true;
        clearTimeout(timer);
        timer = setTimeout(() => settle({ kind: 'noAnswer', error: `no answer within ${answerMs} ms` }), answerMs);
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
      res.on('end', () => settle({ kind: 'answer', answer: { status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') } }));
    });
    req.end(payload);
  });
}
