/**
 * A small JSON POST with a hard deadline, for the peer exchange and the agents' other peer routes.
 * Never throws: the outcome says whether the peer took the body. node:http rather than fetch so
 * the source address can be bound, client certificates given (mutual TLS between agents), and no
 * connection pool outlives a request (a dead peer must not pin sockets).
 */
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP } from 'node:net';
import type { ConnectionOptions } from 'node:tls';
import { apiTlsOptions, describeApiTlsError } from '../common/api-ca.ts';

export type PostOutcome = { readonly kind: 'delivered' } | { readonly kind: 'failed'; readonly reason: string };

/** The client side of mutual TLS to a peer listener (the agent builds it from its certificates). */
export type ClientTls = Pick<ConnectionOptions, 'ca' | 'cert' | 'key' | 'minVersion' | 'checkServerIdentity' | 'secureContext'>;

export interface PostOptions {
  readonly timeoutMs: number;
  readonly localAddress?: string;
  readonly headers?: Readonly<Record<string, string>>;
  /** For an `https:` URL: this agent's certificate and what the server must prove. */
  readonly tls?: ClientTls;
}

/** Answers are one JSON line: a peer that sends more is not read further. */
const MAX_ANSWER_BYTES = 64 * 1024;

export type AnswerOutcome = { readonly kind: 'answered'; readonly status: number; readonly body: unknown } | { readonly kind: 'failed'; readonly reason: string };

export async function postJson(url: string, body: unknown, options: PostOptions): Promise<PostOutcome> {
  const outcome = await exchange(url, body, options, false);
  if (outcome.kind === 'failed') return outcome;
  return outcome.status >= 200 && outcome.status < 300 ? { kind: 'delivered' } : { kind: 'failed', reason: `status ${outcome.status}` };
}

/** The same POST, reading the answer's JSON body (`{}` when it is not JSON). */
export function postJsonForAnswer(url: string, body: unknown, options: PostOptions): Promise<AnswerOutcome> {
  return exchange(url, body, options, true);
}

function exchange(url: string, body: unknown, options: PostOptions, readAnswer: boolean): Promise<AnswerOutcome> {
  const payload = Buffer.from(JSON.stringify(body));
  const target = new URL(url);
  const secure = target.protocol === 'https:';
  const request = secure ? httpsRequest : httpRequest;
  const host = target.hostname.replace(/^\[(.*)\]$/, '$1');
  let apiTls: ReturnType<typeof apiTlsOptions> = {};
  try {
    // No client certificate given: an agent's API (a peer without a peer listener), trusted as any client trusts it.
    if (secure && !options.tls) apiTls = apiTlsOptions(target);
  } catch (err) {
    return Promise.resolve({ kind: 'failed', reason: (err as Error).message });
  }
  return new Promise((resolve) => {
    let settled = false;
    const finish = (outcome: AnswerOutcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.destroy();
      resolve(outcome);
    };
    const req = request(target, {
      method: 'POST',
      agent: false,
      localAddress: options.localAddress && isIP(options.localAddress) === isIP(host) ? options.localAddress : undefined,
      headers: { ...options.headers, 'content-type': 'application/json', 'content-length': payload.length },
      ...(secure ? options.tls ?? apiTls : {}),
    });
    const timer = setTimeout(() => finish({ kind: 'failed', reason: 'timeout' }), options.timeoutMs);
    req.on('response', (res) => {
      const status = res.statusCode ?? 0;
      if (!readAnswer) {
        res.resume();
        return finish({ kind: 'answered', status, body: {} });
      }
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_ANSWER_BYTES) finish({ kind: 'failed', reason: `answer over ${MAX_ANSWER_BYTES} bytes` });
        else chunks.push(chunk);
      });
      res.on('error', (err: NodeJS.ErrnoException) => finish({ kind: 'failed', reason: err.code ?? err.message }));
      res.on('end', () => finish({ kind: 'answered', status, body: parseOr(Buffer.concat(chunks).toString('utf8')) }));
    });
    req.on('error', (err: NodeJS.ErrnoException) => finish({ kind: 'failed', reason: err.code ? (options.tls ? err.code : describeApiTlsError(err.code, target)) : err.message }));
    req.end(payload);
  });
}

function parseOr(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return {};
  }
}
