/**
 * The etcd3 client, configured to fail fast, and the few protobuf shapes we build by hand.
 *
 * etcd3's defaults suit a web app, not a fencing decision: no request deadline (a call to a frozen
 * member waits forever), a 5 s circuit breaker per host, a 30 s watch backoff; and its `dialTimeout`
 * option is not used at all in 1.1. So every unary call gets a deadline, one retry on another host,
 * members that stop answering are skipped until a probe sees them back (member-health.ts), and
 * watches back off briefly.
 */
import { ExponentialBackoff, handleWhen, noop, retry, type IBackoff } from 'cockatiel';
import { Etcd3, isRecoverableError, type ICompare, type IKeyValue, type IRequestOp } from 'etcd3';
import { describeError } from '../common/errors.ts';
import { etcd3Credentials, type EtcdTls } from './etcd-tls.ts';
import { MemberHealth } from './member-health.ts';

export interface EtcdClientOptions {
  /** Client URLs of the members, e.g. http://127.0.0.1:2379. */
  readonly endpoints: readonly string[];
  /** Deadline of every unary call (per attempt). */
  readonly requestTimeoutMs: number;
  /** CA and client certificate (etcd-tls.ts); the endpoints are then https://. */
  readonly tls?: EtcdTls;
}

/** The client and the member health it routes by; close both. */
export interface EtcdClient {
  readonly client: Etcd3;
  readonly health: MemberHealth;
  /** A client that talks to exactly this member (maintenance calls that must reach one member). */
  onMember(host: string): Etcd3;
  close(): void;
}

const PROBE_EVERY_MS = 500;

export function createEtcdClient(options: EtcdClientOptions): EtcdClient {
  if (options.endpoints.length === 0) throw new Error('etcd client needs at least one endpoint');
  const single = new Map<string, Etcd3>();
  // Every channel, the per-member ones included, presents the same certificate.
  const credentials = options.tls ? { credentials: etcd3Credentials(options.tls) } : {};
  // Its own client per member, without retries on other hosts: the call must reach exactly it.
  const onMember = (host: string): Etcd3 => {
    let client = single.get(host);
    if (!client) {
      client = new Etcd3({ hosts: [host], ...credentials, faultHandling: { global: noop, host: () => noop, watchBackoff: shortWatchBackoff() } });
      single.set(host, client);
    }
    return client;
  };
  const health = new MemberHealth({
    probeEveryMs: PROBE_EVERY_MS,
    probe: async (host) => void (await onMember(host).maintenance.status({ deadline: Date.now() + options.requestTimeoutMs })),
  });
  const client = new Etcd3({
    hosts: [...options.endpoints],
    ...credentials,
    // Streams (watch, keepalive) set their own deadlines; a watch must be allowed to live long.
    defaultCallOptions: (ctx) => (ctx.isStream ? {} : { deadline: Date.now() + options.requestTimeoutMs }),
    grpcOptions: {
      // Reconnect to a member that comes back within about a second, not after gRPC's 2 min cap.
      'grpc.initial_reconnect_backoff_ms': 100,
      'grpc.max_reconnect_backoff_ms': 1000,
    },
    faultHandling: {
      // Every operation we send is safe to send twice (see etcd-store.ts), so one retry is fine.
      global: retry(handleWhen(isRecoverableError), { maxAttempts: 1 }),
      host: (host) => health.policyFor(host),
      watchBackoff: shortWatchBackoff(),
    },
  });
  return {
    client,
    health,
    onMember,
    close: () => {
      health.close();
      client.close();
      for (const c of single.values()) c.close();
    },
  };
}

// etcd3 types this as IBackoff but calls it as a factory (`.next()`), which is what this is.
function shortWatchBackoff(): IBackoff<unknown> {
  return new ExponentialBackoff({ initialDelay: 100, maxDelay: 1000 }) as unknown as IBackoff<unknown>;
}

/** One line for an `unavailable` outcome. */
export function unreachableReason(err: unknown): string {
  return `etcd unreachable: ${describeEtcdError(describeError(err))}`;
}

/**
 * gRPC's message for a failed channel, as one line an operator can act on. Its text spans lines,
 * ends in a timestamp and "Resolution note:", and names a TLS refusal only by OpenSSL's alert; the
 * alerts a client-cert setup produces are spelled out (what was refused, and the likely cause).
 */
export function describeEtcdError(message: string): string {
  const line = message.replace(/(\s*\(\d{4}-\d\d-\d\dT[\d:.]+Z\))?\.?\s*Resolution note:.*$/s, '').replace(/\s+/g, ' ').trim();
  const tls = TLS_CAUSES.find((c) => c.pattern.test(line));
  return tls ? `${tls.explain} [${line}]` : line;
}

const TLS_CAUSES: readonly { readonly pattern: RegExp; readonly explain: string }[] = [
  { pattern: /alert bad certificate|alert certificate required|alert unknown ca|alert certificate unknown/i, explain: "etcd refused this client's TLS certificate (none sent, or not signed by the CA etcd trusts: check --etcd-tls tls.crt)" },
  { pattern: /certificate verify failed|unable to verify|self[- ]signed certificate|unable to get (local )?issuer/i, explain: "etcd's server certificate is not signed by the CA in --etcd-tls ca.crt" },
  { pattern: /Hostname\/IP does not match|IP: [^ ]+ is not in the cert's list|altnames/i, explain: "etcd's server certificate does not name the endpoint's host (its SANs)" },
  { pattern: /wrong version number|packet length too long|http_request/i, explain: 'a TLS client met a plaintext etcd endpoint (use http:// without --etcd-tls, or start etcd with TLS)' },
];

const bytes = (text: string): Buffer => Buffer.from(text, 'utf8');

/** "key was created at exactly this revision" (0 means: the key does not exist). */
export function createdAt(key: string, revision: bigint): ICompare {
  return { key: bytes(key), target: 'Create', result: 'Equal', create_revision: revision.toString() };
}

/** "key was last modified at exactly this revision" (0 means: the key does not exist). */
export function modifiedAt(key: string, revision: bigint): ICompare {
  return { key: bytes(key), target: 'Mod', result: 'Equal', mod_revision: revision.toString() };
}

export function rangeOp(key: string): IRequestOp {
  return { request_range: { key: bytes(key) } };
}

export function putOp(key: string, value: string, leaseId?: string): IRequestOp {
  return { request_put: { key: bytes(key), value: bytes(value), ...(leaseId ? { lease: leaseId } : {}) } };
}

export function deleteOp(key: string): IRequestOp {
  return { request_delete_range: { key: bytes(key) } };
}

export function keyValue(kv: IKeyValue): { key: string; value: string; createRevision: bigint; modRevision: bigint; leaseId: string } {
  return {
    key: kv.key.toString('utf8'),
    value: kv.value.toString('utf8'),
    createRevision: BigInt(kv.create_revision),
    modRevision: BigInt(kv.mod_revision),
    leaseId: kv.lease,
  };
}

/** etcd answered something its API rules out: a bug (ours or etcd's). Never mapped to `unavailable`. */
export class BrokenInvariant extends Error {
  override readonly name = 'BrokenInvariant';
}

/** Maps a failed call to `unavailable`, except broken invariants, which must stop the caller. */
export function unavailableUnlessBug(err: unknown): { kind: 'unavailable'; reason: string } {
  if (err instanceof BrokenInvariant) throw err;
  return { kind: 'unavailable', reason: unreachableReason(err) };
}
