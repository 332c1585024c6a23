/**
 * A JSON GET with a hard deadline and a size cap, for reading other agents' documents. Never
 * throws: an agent that does not answer, answers an error or sends no JSON comes back with why.
 * node:http rather than fetch so the source address can be bound (the agent's own address, as
 * its probes and pushes use) and no connection pool outlives a request.
 */
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP } from 'node:net';
import { apiTlsOptions, describeApiTlsError } from './api-ca.ts';

export interface GetOptions {
  readonly timeoutMs: number;
  readonly localAddress?: string;
  /** Default 16 MiB: a status document with many services is large, but never that large. */
  readonly maxBytes?: number;
  /** E.g. `authorization: Bearer …` (the agents' reads need a viewer token). */
  readonly headers?: Readonly<Record<string, string>>;
}

export type GetOutcome = { readonly body: unknown } | { readonly error: string };

const DEFAULT_MAX_BYTES = 16 << 20;

export function getJson(url: URL, options: GetOptions): Promise<GetOutcome> {
  const get = url.protocol === 'https:' ? httpsRequest : httpRequest;
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  let tls: ReturnType<typeof apiTlsOptions>;
  try {
    // An https agent API: verified against the configured CA, else the system's (common/api-ca.ts).
    tls = apiTlsOptions(url);
  } catch (err) {
    return Promise.resolve({ error: (err as Error).message });
  }
  return new Promise((resolve) => {
    const req = get(url, {
      ...tls,
      method: 'GET',
      agent: false,
      ...(options.headers ? { headers: options.headers } : {}),
      signal: AbortSignal.timeout(options.timeoutMs),
      localAddress: options.localAddress && isIP(options.localAddress) === isIP(host) ? options.localAddress : undefined,
    }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        size += c.length;
        if (size > maxBytes) {
          req.destroy();
          return resolve({ error: `response over ${maxBytes} bytes` });
        }
        chunks.push(c);
      });
      res.on('end', () => {
        if (res.statusCode !== 200) return resolve({ error: `status ${res.statusCode}${errorLine(Buffer.concat(chunks))}` });
        try {
          resolve({ body: JSON.parse(Buffer.concat(chunks).toString('utf8')) });
        } catch {
          resolve({ error: 'response is not JSON' });
        }
      });
      res.on('error', (err) => resolve({ error: err.message }));
    });
    req.on('error', (err: NodeJS.ErrnoException) => resolve({ error: err.name === 'AbortError' ? 'timeout' : (err.code ? describeApiTlsError(err.code, url) : err.message) }));
    req.end();
  });
}

/** `: <the answer's error line>` when the answer is the agents' one-line JSON error (a 401 or 403 names the role needed). */
function errorLine(body: Buffer): string {
  try {
    const error = (JSON.parse(body.toString('utf8')) as { error?: unknown }).error;
    return typeof error === 'string' ? `: ${error.slice(0, 300)}` : '';
  } catch {
    return '';
  }
}
