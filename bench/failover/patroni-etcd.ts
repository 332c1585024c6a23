/**
 * Patroni's way into the lab's etcd, which serves clients over TLS, requires a client certificate
 * from every client and has RBAC on (src/lab/etcd-certs.ts, etcd-rbac.ts). Patroni talks to etcd
 * through etcd's JSON gateway, which does not hand a certificate's CN to etcd's auth, so Patroni
 * logs in as a password user whose role reaches its own namespace only, with a client certificate
 * of its own that carries no CN (etcd wants one from every client; the gateway refuses a CN, and
 * the password decides who it is). The files are copied
 * into each member's directory, owned by `postgres`, since Patroni runs as that user.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { InfraError } from '../../src/common/errors.ts';
import { TLS_DIR_FILES } from '../../src/common/tls-dir.ts';
import { writeOwnedFile } from '../../src/data/index.ts';
import { labEtcdTlsRoot } from '../../src/lab/etcd-certs.ts';
import { issueCertificate } from '../../src/lab/openssl-certs.ts';
import { ETCDCTL_BIN, etcdctlArgs } from '../../src/lab/etcd-rbac.ts';

const run = promisify(execFile);

/** What Patroni's etcd3 section needs besides its hosts. */
export interface PatroniEtcdAccess {
  readonly cacert: string;
  readonly cert: string;
  readonly key: string;
  readonly username: string;
  readonly password: string;
}

/**
 * A user and role for `namespace` (e.g. `/meridian-bench-123/`), and the certificate files in
 * each of `memberDirs`; undefined when the lab's etcd speaks plain http (nothing to do).
 */
export async function grantPatroniEtcd(o: {
  readonly labDir: string;
  readonly clientUrls: readonly string[];
  readonly namespace: string;
  readonly memberDirs: readonly string[];
  readonly osUser: string;
}): Promise<PatroniEtcdAccess | undefined> {
  if (!o.clientUrls.every((u) => u.startsWith('https://'))) return undefined;
  const name = `patroni${o.namespace.replace(/[^a-z0-9-]/gi, '-').replace(/-+$/, '')}`;
  const password = randomBytes(18).toString('base64url');
  for (const command of [
    ['role', 'add', name],
    ['role', 'grant-permission', name, '--prefix=true', 'readwrite', o.namespace],
    ['user', 'add', `${name}:${password}`],
    ['user', 'grant-role', name, name],
  ]) {
    try {
      await run(ETCDCTL_BIN, [...etcdctlArgs(o.labDir, o.clientUrls), ...command], { env: { ...process.env, ETCDCTL_API: '3' } });
    } catch (err) {
      const e = err as { stderr?: string; message: string };
      throw new InfraError(`etcd access for Patroni failed at 'etcdctl ${command.join(' ')}': ${(e.stderr || e.message).trim().split('\n')[0]}`, { cause: err });
    }
  }
  // A client certificate of its own without a CN: etcd's JSON gateway refuses one that has a CN
  // ("CommonName of client sending a request against gateway will be ignored").
  const tlsRoot = labEtcdTlsRoot(o.labDir);
  const own = join(tlsRoot, name);
  await issueCertificate({ crt: join(tlsRoot, TLS_DIR_FILES.ca), key: join(tlsRoot, 'ca.key') }, own, { commonName: null, sans: [] });
  const files = { cacert: TLS_DIR_FILES.ca, cert: TLS_DIR_FILES.cert, key: TLS_DIR_FILES.key };
  for (const dir of o.memberDirs) {
    for (const file of Object.values(files)) await writeOwnedFile(join(dir, `etcd-${file}`), readFileSync(join(own, file), 'utf8'), o.osUser);
  }
  // Every member's copy sits at the same name below its own directory: Patroni's config names it per member.
  return { cacert: `etcd-${files.cacert}`, cert: `etcd-${files.cert}`, key: `etcd-${files.key}`, username: name, password };
}
