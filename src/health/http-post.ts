/**
 * A small JSON POST with a hard deadline, for the peer exchange. Never throws: the outcome says
 * whether the peer took the view. node:http rather than fetch so the source address can be bound
 * and no connection pool outlives a request (a dead peer must not pin sockets).
 */
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP } from 'node:net';

export type PostOutcome = { readonly kind: 'delivered' } | { readonly kind: 'failed'; readonly reason: string };

export interface PostOptions {
  readonly timeoutMs: number;
  readonly localAddress?: string;
  readonly headers?: Readonly<Record<string, string>>;
}

export function postJson(url: string, body: unknown, options: PostOptions): Promise<PostOutcome> {
  const payload = Buffer.from(JSON.stringify(body));
  const target = new URL(url);
  const request = target.protocol === 'https:' ? httpsRequest : httpRequest;
  const host = target.hostname.replace(/^\[(.*)\]$/, '$1');
  return new Promise((resolve) => {
    let settled = false;
    const finish = (outcome: PostOutcome) => {
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
    });
    const timer = setTimeout(() => finish({ kind: 'failed', reason: 'timeout' }), options.timeoutMs);
    req.on('response', (res) => {
      res.resume();
      const status = res.statusCode ?? 0;
      finish(status >= 200 && status < 300 ? { kind: 'delivered' } : { kind: 'failed', reason: `status ${status}` });
    });
    req.on('error', (err: NodeJS.ErrnoException) => finish({ kind: 'failed', reason: err.code ?? err.message }));
    req.end(payload);
  });
}
