/**
 * DNS over TCP (RFC 7766): 2-byte length framing, pipelined queries answered in order, partial
 * reads. Limits (docs/security.md): connections per source address and in all (refused at accept,
 * ../common/connection-gate.ts), and deadlines a client cannot push back byte by byte: a whole
 * message within `messageTimeoutMs` of its first byte, an idle gap between messages of at most
 * `idleTimeoutMs` (./tcp-deadline.ts), checked by one sweep per server rather than a timer per read.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { gateConnections } from '../common/connection-gate.ts';
import type { Logger } from '../common/log.ts';
import { afterRead, deadlineOf, openedAt, type StreamClock, type StreamTimeouts } from './tcp-deadline.ts';
import type { DnsTransport } from './transport.ts';

export type StreamHandler = (query: Buffer, client: { readonly address: string }) => Buffer | null;

export interface TcpLimits {
  /** Close a connection this long after its last whole message (or its accept). Default 10 s. */
  readonly idleTimeoutMs?: number;
  /** Close a connection whose message has not arrived whole this long after its first byte. Default 3 s. */
  readonly messageTimeoutMs?: number;
  /** Connections beyond this are refused (closed at once). Default 256. */
  readonly maxConnections?: number;
  /** Connections from one address beyond this are refused. Default 16. */
  readonly maxConnectionsPerSource?: number;
}

export interface TcpOptions extends TcpLimits {
  readonly host: string;
  readonly port: number;
  readonly handler: StreamHandler;
  readonly logger?: Logger;
  /** Monotonic milliseconds (../common/clock.ts); default the system clock. */
  readonly now?: () => number;
}

export const TCP_DEFAULTS = { idleTimeoutMs: 10_000, messageTimeoutMs: 3_000, maxConnections: 256, maxConnectionsPerSource: 16 } as const;

/** How often deadlines are checked: they are met to within this. */
const SWEEP_MS = 250;

/** Splits a byte stream into length-prefixed messages; keeps the incomplete tail for later. */
export class FrameReader {
  private pending: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): Buffer[] {
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    const frames: Buffer[] = [];
    let p = 0;
    while (this.pending.length - p >= 2) {
      const len = this.pending.readUInt16BE(p);
      if (this.pending.length - p - 2 < len) break;
      frames.push(this.pending.subarray(p + 2, p + 2 + len));
      p += 2 + len;
    }
    this.pending = this.pending.subarray(p);
    return frames;
  }

  /** Bytes of a message not yet whole. */
  get pendingBytes(): number {
    return this.pending.length;
  }
}

export function startTcp(options: TcpOptions): Promise<DnsTransport> {
  const timeouts: StreamTimeouts = {
    idleMs: options.idleTimeoutMs ?? TCP_DEFAULTS.idleTimeoutMs,
    messageMs: options.messageTimeoutMs ?? TCP_DEFAULTS.messageTimeoutMs,
  };
  const now = options.now ?? (() => performance.now());
  const clocks = new Map<Socket, StreamClock>();
  const server: Server = createServer((socket) => serve(socket, options, now, clocks));
  gateConnections(server, {
    perSource: options.maxConnectionsPerSource ?? TCP_DEFAULTS.maxConnectionsPerSource,
    total: options.maxConnections ?? TCP_DEFAULTS.maxConnections,
    onRefused: (socket, why, source) => {
      options.logger?.debug({ client: source, why }, 'dns tcp connection refused');
      socket.destroy();
    },
  });
  const sweep = setInterval(() => {
    const at = now();
    for (const [socket, clock] of clocks) if (deadlineOf(clock, timeouts) <= at) socket.destroy();
  }, SWEEP_MS);
  sweep.unref();
  server.on('error', (err) => options.logger?.warn({ err }, 'dns tcp server error'));
  let closed: Promise<void> | undefined;
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port: options.port, host: options.host, exclusive: true }, () => {
      server.off('error', reject);
      const address = server.address();
      resolve({
        host: options.host,
        port: typeof address === 'object' && address ? address.port : options.port,
        close: () =>
          (closed ??= new Promise<void>((done) => {
            clearInterval(sweep);
            for (const s of clocks.keys()) s.destroy();
            server.close(() => done());
          })),
      });
    });
  });
}

function serve(socket: Socket, options: TcpOptions, now: () => number, clocks: Map<Socket, StreamClock>): void {
  clocks.set(socket, openedAt(now()));
  socket.on('close', () => clocks.delete(socket));
  socket.on('error', (err) => options.logger?.debug({ err, client: socket.remoteAddress }, 'dns tcp connection error'));
  socket.setNoDelay(true);
  const client = { address: socket.remoteAddress ?? '' };
  const reader = new FrameReader();
  socket.on('data', (chunk: Buffer) => {
    const queries = reader.push(chunk);
    const clock = clocks.get(socket);
    if (clock) clocks.set(socket, afterRead(clock, queries.length, reader.pendingBytes, now()));
    for (const query of queries) {
      const response = options.handler(query, client);
      if (!response) {
        socket.destroy(); // not a query we answer: the stream cannot be trusted any further
        return;
      }
      const framed = Buffer.allocUnsafe(response.length + 2);
      framed.writeUInt16BE(response.length, 0);
      response.copy(framed, 2);
      if (!socket.write(framed) && !socket.isPaused()) {
        socket.pause(); // a client that does not read its answers must not grow our buffers
        socket.once('drain', () => socket.resume());
      }
    }
  });
}
