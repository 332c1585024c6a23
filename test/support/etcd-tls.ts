/**
 * Certificates for an etcd test cluster that requires client certificates, made with the real
 * openssl (src/lab/openssl-certs.ts, as the lab makes its own): one CA, a server certificate per
 * member naming 127.0.0.1, and client certificates in the layout `meridian agent --etcd-tls` reads.
 * Also the one HTTP request the cluster helper needs over that TLS (health, leader).
 */
import { readFileSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';
import { issueCertificate, makeCa, type CertificateAuthority } from '../../src/lab/openssl-certs.ts';
import type { EtcdServerTls } from '../../src/coord/index.ts';

export interface EtcdTestPki {
  readonly ca: CertificateAuthority;
  /** The server files of member `name` (made by `make`). */
  server(name: string): EtcdServerTls;
  /** A client certificate directory (ca.crt, tls.crt, tls.key) whose CN is `user`, signed by this CA. */
  client(user: string): Promise<string>;
}

export async function makeEtcdTestPki(root: string, members: readonly string[]): Promise<EtcdTestPki> {
  const ca = await makeCa(join(root, 'ca'), 'meridian test etcd CA');
  const serverDir = (name: string) => join(root, 'server', name);
  await Promise.all(members.map((name) => issueCertificate(ca, serverDir(name), { commonName: `etcd ${name}`, sans: ['IP:127.0.0.1'] })));
  return {
    ca,
    server: (name) => ({ certFile: join(serverDir(name), 'tls.crt'), keyFile: join(serverDir(name), 'tls.key'), trustedCaFile: ca.crt }),
    client: async (user) => {
      const dir = join(root, 'clients', user);
      await issueCertificate(ca, dir, { commonName: user, sans: [] });
      return dir;
    },
  };
}

/** POST/GET over https with the client certificate in `tlsDir`; the JSON body, or an error. */
export function httpsJson(url: string, tlsDir: string, method: 'GET' | 'POST', timeoutMs = 1000): Promise<Record<string, unknown>> {
  const file = (name: string) => readFileSync(join(tlsDir, name));
  return new Promise((resolve, reject) => {
    const req = request(url, { method, agent: false, timeout: timeoutMs, ca: file('ca.crt'), cert: file('tls.crt'), key: file('tls.key') }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => {
        try {
          resolve(JSON.parse(body) as Record<string, unknown>);
        } catch (err) {
          reject(err as Error);
        }
      });
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs}ms`)));
    req.on('error', reject);
    req.end(method === 'POST' ? '{}' : undefined);
  });
}
