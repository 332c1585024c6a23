/**
 * Limits of the agent's HTTP API (docs/security.md "Limits"): the same event loop answers DNS and
 * renews leases, so no client may hold more than its share of connections or keep one open by
 * sending slowly.
 * - Deadlines that a slow client cannot push back: node:http's `headersTimeout` runs from the
 *   first byte of a request (or the accept) to the end of its headers, and `requestTimeout` to the
 *   end of its body; neither is reset by a byte (unlike a socket timeout). Both are checked every
 *   `connectionsCheckingInterval`, 30 s by default: too coarse, hence 500 ms.
 * - `keepAliveTimeout` closes an idle connection between requests; a byte sent after it starts a
 *   request, so the header deadline applies from then.
 * - Connections per source address and in all, refused at accept with one JSON line
 *   (../common/connection-gate.ts).
 */
import type { ServerOptions } from 'node:http';
import type { Server } from 'node:net';
import type { Logger } from 'pino';
import { gateConnections } from '../common/connection-gate.ts';

export interface ApiLimits {
  readonly headersTimeoutMs: number;
  readonly requestTimeoutMs: number;
  readonly keepAliveTimeoutMs: number;
  readonly maxHeaderBytes: number;
  readonly maxConnections: number;
  readonly maxConnectionsPerSource: number;
}

export const API_LIMITS: ApiLimits = {
  // Peers, the CLI and the dashboard send a request in one write: seconds are generous.
  headersTimeoutMs: 3_000,
  requestTimeoutMs: 5_000,
  // Peers push every period; an idle connection must not outlive a peer that went away.
  keepAliveTimeoutMs: 2_000,
  // node's default, said out loud: a browser sends cookies of every port of the agent's host name.
  maxHeaderBytes: 16 * 1024,
  // A browser opens at most 6 connections to a host, a peer 1-2; NAT and the CLI's bursts fit too.
  maxConnectionsPerSource: 64,
  // Well under the 1024 file descriptors a default process may open (DNS over TCP takes 256).
  maxConnections: 512,
};

/** The node:http server options for these limits. */
export function apiServerOptions(limits: ApiLimits): ServerOptions {
  return {
    headersTimeout: limits.headersTimeoutMs,
    requestTimeout: limits.requestTimeoutMs,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    maxHeaderSize: limits.maxHeaderBytes,
    connectionsCheckingInterval: 500,
  };
}

/** Caps connections per source and in all; a refused client reads why before the close. */
export function limitApiConnections(server: Server, limits: ApiLimits, logger: Logger): void {
  const perSource = refusal(429, `too many connections from this address (at most ${limits.maxConnectionsPerSource}): close some and retry`);
  const total = refusal(503, `too many connections to this agent (at most ${limits.maxConnections}): retry shortly`);
  gateConnections(server, {
    perSource: limits.maxConnectionsPerSource,
    total: limits.maxConnections,
    onRefused: (socket, why, source) => {
      logger.debug({ client: source, why }, 'api connection refused');
      socket.end(why === 'sourceFull' ? perSource : total);
    },
  });
}

function refusal(status: 429 | 503, error: string): Buffer {
  const body = `${JSON.stringify({ error })}\n`;
  const reason = status === 429 ? 'Too Many Requests' : 'Service Unavailable';
  return Buffer.from(
    `HTTP/1.1 ${status} ${reason}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
  );
}
