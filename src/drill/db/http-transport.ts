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
import type { ServerIdentity } from '../history/index.ts';
import { httpExchange, pickAddress, type NameResolver } from '../http-exchange.ts';
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

interface HttpAnswer {
  readonly status: number;
  readonly body: string;
}

export class HttpWriteTransport implements WriteTransport {
  readonly name = 'http';

  constructor(private readonly options: HttpWriteTransportOptions) {}

  async write(id: string): Promise<WriteResult> {
    const o = this.options;
    const pick = await pickAddress(o.resolver, o.fqdn, o.random ?? Math.random);
    if ('error' in pick) return { outcome: 'fail', error: pick.error };
    const { address } = pick;
    const exchange = await httpExchange({
      address, port: o.port, path: o.path ?? '/orders', method: 'POST', json: { id },
      connectMs: o.connectMs ?? 1000, answerMs: o.answerMs ?? 3000,
    });
    if (exchange.kind === 'notSent') return { outcome: 'fail', error: `${address}: ${exchange.error}` };
    if (exchange.kind === 'noAnswer') return { outcome: 'unknown', error: `${address}: ${exchange.error}` };
    return judgeAnswer(exchange, id);
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
