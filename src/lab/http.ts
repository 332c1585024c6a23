/** One short HTTP GET without connection reuse, for readiness polls (nothing left open after). */
import { request } from 'node:http';

export interface HttpResult {
  readonly status: number;
  readonly body: string;
}

/** `headers`: e.g. the lab's viewer token (token-files.ts `labAuthHeaders`) for an agent's /status. */
export function httpGet(url: string, timeoutMs: number, headers: Readonly<Record<string, string>> = {}): Promise<HttpResult> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent: false, timeout: timeoutMs, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs}ms`)));
    req.on('error', reject);
    req.end();
  });
}

/** `ip:port` or `[ip6]:port` for an address and port. */
export function hostPort(ip: string, port: number): string {
  return ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`;
}
