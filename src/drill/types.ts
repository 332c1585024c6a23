/**
 * The drill's vocabulary: the environment port a drill runs against, and the records it keeps.
 * Every record is plain JSON (times are epoch milliseconds from the drill's Clock), so a saved
 * history can be re-read and the report recomputed from it.
 */

export interface Nameserver {
  /** Region whose agent serves DNS at this address. */
  readonly region: string;
  readonly address: string;
  readonly port: number;
}

/** Where a service's endpoints are, per region: lets a report tell which region an address is in. */
export interface RegionEndpoints {
  readonly region: string;
  readonly addresses: readonly string[];
}

/**
 * What a drill needs from the world. The lab adapter (lab-environment.ts) builds one from the
 * running lab; tests may build one over loopback servers.
 */
export interface DrillEnvironment {
  /** Service name to resolve, e.g. `web.global.meridian.test`. */
  readonly fqdn: string;
  /** Port of the service's HTTP endpoints (the DNS answer carries only addresses). */
  readonly port: number;
  readonly nameservers: readonly Nameserver[];
  readonly endpoints: readonly RegionEndpoints[];
  cut(region: string): Promise<void>;
  heal(region: string): Promise<void>;
}

/** `address:port` (IPv6 in brackets), the key we use for a nameserver in records. */
export function serverKey(ns: Pick<Nameserver, 'address' | 'port'>): string {
  return ns.address.includes(':') ? `[${ns.address}]:${ns.port}` : `${ns.address}:${ns.port}`;
}

/** One query the stub resolver sent, as the client saw it. */
export interface ResolverExchange {
  readonly atMs: number;
  readonly server: string;
  readonly region: string;
  /** DNS rcode name (`NOERROR`, `SERVFAIL`, …), `timeout`, or `error` (socket error, bad packet). */
  readonly rcode: string;
  readonly transport: 'udp' | 'tcp';
  readonly addresses: readonly string[];
  /** Smallest TTL of the A records, seconds; undefined when there was no answer. */
  readonly ttl?: number;
  readonly error?: string;
}

/** One HTTP request of the load client. */
export interface LoadOp {
  readonly id: number;
  readonly startMs: number;
  readonly endMs: number;
  readonly ok: boolean;
  readonly status?: number;
  readonly error?: string;
  /** Address the request went to; absent when name resolution failed. */
  readonly address?: string;
  /** Region that served it, from the JSON body. */
  readonly region?: string;
}

/** One direct query of the DNS watcher to one nameserver. */
export interface WatcherSample {
  /** When the answer (or the timeout) was observed. */
  readonly atMs: number;
  readonly sentAtMs: number;
  readonly server: string;
  readonly region: string;
  /** Present when the server answered NOERROR. */
  readonly addresses?: readonly string[];
  /** `timeout`, a non-NOERROR rcode, or a socket error. */
  readonly error?: string;
}

/** When the fault was injected and removed, by the drill's clock. */
export interface FaultTimeline {
  readonly startMs: number;
  readonly cutAtMs: number;
  readonly healAtMs: number;
  /** When the orchestrator saw the region back in the answers, if it did. */
  readonly restoredAtMs?: number;
  readonly endMs: number;
}
