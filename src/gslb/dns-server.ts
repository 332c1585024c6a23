/**
 * The authoritative DNS server: UDP and TCP on one host and port, answering from whatever table
 * `table()` returns at the moment each query arrives (the agent swaps tables on health changes).
 */
import type { Logger } from '../common/log.ts';
import { InfraError } from '../common/errors.ts';
import type { AnswerTable, ExchangeCodes } from './answer-table.ts';
import { ResponseRateLimiter, type RateLimitSettings } from './rate-limit.ts';
import { slipResponse } from './slip.ts';
import { startTcp, type TcpLimits } from './tcp.ts';
import { dgramTransport, type DnsTransport, type UdpTransportFactory } from './transport.ts';
import { DROPPED, NO_QTYPE } from './wire.ts';

/**
 * One exchange, as the answer table saw it: codes it already had, not a decode of the packets
 * (`qtype` 28 for AAAA, NO_QTYPE when unreadable; `rcode` 3 for NXDOMAIN, 16 for BADVERS, DROPPED
 * when no response was sent). A new object per exchange.
 */
export interface QueryEvent extends ExchangeCodes {
  readonly client: string;
  readonly transport: 'udp' | 'tcp';
}

export interface DnsServerOptions {
  host: string;
  /** 0 picks a free port; UDP and TCP then share it when possible, else they may differ. */
  port: number;
  table: () => AnswerTable;
  logger?: Logger;
  /** Called after every exchange, on the hot path: keep it to a few lookups and an increment. */
  onQuery?: (q: QueryEvent) => void;
  /** Replaces node:dgram (e.g. a batched native transport). */
  udpTransport?: UdpTransportFactory;
  tcpIdleTimeoutMs?: number;
  tcpMaxConnections?: number;
  /** Further TCP limits (deadlines, per-source cap); the two fields above win over theirs. */
  tcp?: TcpLimits;
  /** Response rate limiting of UDP answers (./rate-limit.ts); absent: none. The agent passes the topology's. */
  rateLimit?: RateLimitSettings;
  /** Monotonic milliseconds for the rate limiter and TCP deadlines; default performance.now. */
  now?: () => number;
}

export interface DnsServer {
  readonly host: string;
  readonly udpPort: number;
  readonly tcpPort: number;
  close(): Promise<void>;
}

export async function startDnsServer(options: DnsServerOptions): Promise<DnsServer> {
  const now = options.now ?? (() => performance.now());
  // UDP only: a TCP client's address is proven by its handshake, so it cannot aim answers at a victim.
  const limiter = options.rateLimit ? new ResponseRateLimiter(options.rateLimit, now) : undefined;
  const handle = (transport: 'udp' | 'tcp') => (query: Buffer, client: { readonly address: string }) => {
    let response: Buffer | null = null;
    const event = options.onQuery ? { qtype: NO_QTYPE, rcode: DROPPED, client: client.address, transport } : undefined;
    try {
      response = options.table().respond(query, { address: client.address }, transport, event);
    } catch (err) {
      options.logger?.error({ err }, 'answer table threw; query dropped'); // respond() must never throw
    }
    if (response && limiter && transport === 'udp') response = limited(limiter.verdict(client.address), response);
    if (options.onQuery && event) {
      if (response === null) event.rcode = DROPPED;
      try {
        options.onQuery(event);
      } catch (err) {
        options.logger?.warn({ err }, 'onQuery callback threw');
      }
    }
    return response;
  };
  const udpFactory = options.udpTransport ?? dgramTransport;
  const startBoth = async (port: number): Promise<[DnsTransport, DnsTransport]> => {
    const udp = await udpFactory({ host: options.host, port, handler: handle('udp'), ...(options.logger ? { logger: options.logger } : {}) });
    try {
      const tcp = await startTcp({
        host: options.host,
        port: udp.port,
        handler: handle('tcp'),
        ...(options.logger ? { logger: options.logger } : {}),
        now,
        ...options.tcp,
        ...(options.tcpIdleTimeoutMs !== undefined ? { idleTimeoutMs: options.tcpIdleTimeoutMs } : {}),
        ...(options.tcpMaxConnections !== undefined ? { maxConnections: options.tcpMaxConnections } : {}),
      });
      return [udp, tcp];
    } catch (err) {
      await udp.close();
      throw err;
    }
  };

  let lastError: unknown;
  // With port 0 the UDP port is free but the same TCP port may not be: retry a few times.
  for (let attempt = 0; attempt < (options.port === 0 ? 5 : 1); attempt++) {
    try {
      const [udp, tcp] = await startBoth(options.port);
      options.logger?.info({ host: options.host, port: udp.port }, 'dns server listening');
      return {
        host: options.host,
        udpPort: udp.port,
        tcpPort: tcp.port,
        close: async () => {
          await Promise.all([udp.close(), tcp.close()]);
        },
      };
    } catch (err) {
      lastError = err;
    }
  }
  throw new InfraError(`cannot listen for DNS on ${options.host}:${options.port}`, { cause: lastError });
}

/** The response rate limiting lets through: itself, its truncated twin, or nothing. */
function limited(verdict: 'answer' | 'drop' | 'slip', response: Buffer): Buffer | null {
  if (verdict === 'answer') return response;
  return verdict === 'slip' ? slipResponse(response) : null;
}
