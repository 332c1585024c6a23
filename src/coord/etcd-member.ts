/**
 * The command line of one etcd member, as a pure function of the cluster's members, so the test
 * cluster (test/support/etcd-cluster.ts) and the lab (one member per region, inside network
 * namespaces) start etcd the same way. No process handling here.
 */
import { InputError } from '../common/errors.ts';

export interface EtcdMember {
  /** Unique member name, e.g. the region. */
  readonly name: string;
  /** URL clients use, e.g. http://127.0.0.1:23790. */
  readonly clientUrl: string;
  /** URL the other members use, e.g. http://127.0.0.1:23800. */
  readonly peerUrl: string;
  readonly dataDir: string;
  /** Client TLS (the client URL is then https://): this member's certificate, and the CA every client's certificate must be signed by. */
  readonly clientTls?: EtcdServerTls;
  /**
   * Peer TLS (the peer URL is then https://): the certificate this member serves on its peer port
   * and presents when it dials the others (serverAuth and clientAuth), and the CA every other
   * member's must be signed by. Best a CA of its own: any certificate it signed can join raft.
   */
  readonly peerTls?: EtcdServerTls;
}

/** A member's certificate files on one of its listeners (clients' or peers'), and the CA it requires of whoever connects. */
export interface EtcdServerTls {
  /** The member's server certificate; its SANs must name the client URL's host (an IP SAN for an address). */
  readonly certFile: string;
  readonly keyFile: string;
  /** Clients must present a certificate signed by this CA (`--client-cert-auth`); its CN is their etcd user once auth is on. */
  readonly trustedCaFile: string;
}

export interface EtcdClusterSettings {
  /** Distinguishes this cluster from others on the same network (the lab runs several). */
  readonly clusterToken: string;
  /** Raft heartbeat. etcd's default is 100 ms. */
  readonly heartbeatMs: number;
  /**
   * Raft election timeout (default 1000 ms). It also sets etcd's minimum lease TTL:
   * ceil(1.5 × election timeout) in whole seconds, e.g. 2 s for 1000 ms.
   */
  readonly electionMs: number;
  /** `new` to bootstrap, `existing` to join a running cluster. Ignored once the data dir exists. */
  readonly initialState?: 'new' | 'existing';
  /** etcd log level; `warn` keeps test output quiet. */
  readonly logLevel?: 'debug' | 'info' | 'warn' | 'error';
}

export const FAST_TEST_SETTINGS: Omit<EtcdClusterSettings, 'clusterToken'> = { heartbeatMs: 100, electionMs: 1000, logLevel: 'warn' };

/** Smallest lease TTL etcd grants with these settings (it silently raises shorter ones). */
export function minimumLeaseTtlMs(settings: Pick<EtcdClusterSettings, 'electionMs'>): number {
  return Math.ceil((1.5 * settings.electionMs) / 1000) * 1000;
}

/** Arguments for `etcd` (without the program name) that start `self` as a member of `members`. */
export function etcdMemberArgs(self: EtcdMember, members: readonly EtcdMember[], settings: EtcdClusterSettings): string[] {
  checkCluster(self, members, settings);
  return [
    `--name=${self.name}`,
    `--data-dir=${self.dataDir}`,
    `--listen-client-urls=${self.clientUrl}`,
    `--advertise-client-urls=${self.clientUrl}`,
    `--listen-peer-urls=${self.peerUrl}`,
    `--initial-advertise-peer-urls=${self.peerUrl}`,
    `--initial-cluster=${members.map((m) => `${m.name}=${m.peerUrl}`).join(',')}`,
    `--initial-cluster-token=${settings.clusterToken}`,
    `--initial-cluster-state=${settings.initialState ?? 'new'}`,
    `--heartbeat-interval=${settings.heartbeatMs}`,
    `--election-timeout=${settings.electionMs}`,
    // A member back from a partition would otherwise call an election with the higher term it
    // reached alone, depose a healthy leader and extend every lease once more (etcd 3.4 default: off).
    '--pre-vote=true',
    `--log-level=${settings.logLevel ?? 'info'}`,
    '--logger=zap',
    ...clientTlsArgs(self.clientTls),
    ...peerTlsArgs(self.peerTls),
  ];
}

/**
 * `--peer-client-cert-auth`: a member accepts raft traffic only from a certificate signed by the
 * peer CA. etcd (≥ 3.2) also refuses an incoming peer certificate whose IP SANs do not include the
 * address the connection comes from, and a dialing member checks that the other's certificate names
 * the host of its peer URL: the certificate names the member's address and the one it dials from.
 * etcd rereads these files at every new handshake, so a renewed certificate needs no restart.
 */
function peerTlsArgs(tls: EtcdServerTls | undefined): string[] {
  if (!tls) return [];
  return [`--peer-cert-file=${tls.certFile}`, `--peer-key-file=${tls.keyFile}`, '--peer-client-cert-auth', `--peer-trusted-ca-file=${tls.trustedCaFile}`];
}

/**
 * `--client-cert-auth` makes the handshake itself require a certificate from the trusted CA, on
 * gRPC and on the HTTP gateway (/health included): an unauthenticated client reaches no handler.
 */
function clientTlsArgs(tls: EtcdServerTls | undefined): string[] {
  if (!tls) return [];
  return [`--cert-file=${tls.certFile}`, `--key-file=${tls.keyFile}`, '--client-cert-auth', `--trusted-ca-file=${tls.trustedCaFile}`];
}

function checkCluster(self: EtcdMember, members: readonly EtcdMember[], settings: EtcdClusterSettings): void {
  const names = members.map((m) => m.name);
  if (!names.includes(self.name)) throw new InputError(`etcd member ${self.name} is not in the member list (${names.join(', ')})`);
  const duplicate = names.find((n, i) => names.indexOf(n) !== i);
  if (duplicate) throw new InputError(`etcd member name ${duplicate} is used twice`);
  for (const m of members) {
    if (!/^[A-Za-z0-9-]+$/.test(m.name)) throw new InputError(`etcd member name ${JSON.stringify(m.name)}: use letters, digits and '-'`);
    for (const url of [m.clientUrl, m.peerUrl]) {
      if (!/^https?:\/\/[^/,\s]+$/.test(url)) throw new InputError(`etcd member ${m.name}: ${JSON.stringify(url)} is not a URL like http://10.0.0.1:2379`);
    }
    // etcd serves TLS on an https:// listen URL only, and plaintext on an http:// one, whatever the files say.
    if (m.clientTls && !m.clientUrl.startsWith('https://')) throw new InputError(`etcd member ${m.name}: client TLS needs an https:// client URL, got ${m.clientUrl}`);
    if (!m.clientTls && m.clientUrl.startsWith('https://')) throw new InputError(`etcd member ${m.name}: ${m.clientUrl} is https:// but no client TLS files were given`);
    if (m.peerTls && !m.peerUrl.startsWith('https://')) throw new InputError(`etcd member ${m.name}: peer TLS needs an https:// peer URL, got ${m.peerUrl}`);
    if (!m.peerTls && m.peerUrl.startsWith('https://')) throw new InputError(`etcd member ${m.name}: ${m.peerUrl} is https:// but no peer TLS files were given`);
  }
  // etcd's own rule: it refuses to start otherwise.
  if (settings.electionMs < 5 * settings.heartbeatMs) {
    throw new InputError(`etcd election timeout ${settings.electionMs}ms must be at least 5 × the heartbeat (${settings.heartbeatMs}ms)`);
  }
}
