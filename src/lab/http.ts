/** One short HTTP GET without connection reuse, for readiness polls (nothing left open after). */
import { request } from 'node:http';
import { request as requestTls } from 'node:https';
import { apiCa } from '../common/api-ca.ts';
import { readLabApiCa } from './api-tls-files.ts';

export interface HttpResult {
  readonly status: number;
  readonly body: string;
}

/** A client certificate and the CA to trust, for an https:// URL (the lab's etcd members). */
export interface ClientTls {
  readonly ca: Buffer;
  readonly cert: Buffer;
  readonly key: Buffer;
}

/**
 * `headers`: e.g. the lab's viewer token (token-files.ts `labAuthHeaders`) for an agent's /status.
 * `tls`: for an https:// URL, the certificate to present and the only CA trusted. An https:// URL
 * without it is a lab agent's API (agentApiTrust).
 */
export function httpGet(url: string, timeoutMs: number, headers: Readonly<Record<string, string>> = {}, tls?: ClientTls): Promise<HttpResult> {
  return new Promise((resolve, reject) => {
    const secure = url.startsWith('https:');
    const send = secure ? requestTls : request;
    const trust = tls ? { ca: tls.ca, cert: tls.cert, key: tls.key } : secure ? agentApiTrust() : {};
    const req = send(url, { agent: false, timeout: timeoutMs, headers, ...trust }, (res) => {
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

/**
 * Whom a request to a lab agent's API trusts: the CA the process set or MERIDIAN_API_CA names
 * (common/api-ca.ts: in the CLI, the lab's CA and the system's), else the running lab's API CA
 * itself. So lab up's readiness polls, restarts and the drills' /status reads verify the agents
 * whoever calls them (the CLI, a test, the bench), with nothing to export; never no verification.
 */
function agentApiTrust(): { ca?: Buffer } {
  const ca = apiCa() ?? readLabApiCa();
  return ca ? { ca } : {};
}

/** `ip:port` or `[ip6]:port` for an address and port. */
export function hostPort(ip: string, port: number): string {
  return ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`;
}
