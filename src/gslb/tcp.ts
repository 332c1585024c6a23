/**
 * DNS over TCP (RFC 7766): 2-byte length framing, pipelined queries answered in order, partial
 * reads, an idle timeout and a cap on concurrent connections.
 */
import { createServer, type Server, type Socket } from 'node:net';
import type { Logger } from '../common/log.ts';
import type { DnsTransport } from './transport.ts';

export type StreamHandler = (query: Buffer, client: { readonly address: string }) => Buffer | null;

export interface TcpOptions {
  readonly host: string;
  readonly port: number;
  readonly handler: StreamHandler;
  readonly logger?: Logger;
  /** Close a connection with no traffic either way for this long. Default 10 s. */
  readonly idleTimeoutMs?: number;
  /** Connections beyond this are refused (closed at once). Default 256. */
  readonly maxConnections?: number;
}

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
}

export function startTcp(options: TcpOptions): Promise<DnsTransport> {
  const idleMs = options.idleTimeoutMs ?? 10_000;
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => serve(socket, options, idleMs, sockets));
  server.maxConnections = options.maxConnections ?? 256;
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
            for (const s of sockets) s.destroy();
            server.close(() => done());
          })),
      });
    });
  });
}

function serve(socket: Socket, options: TcpOptions, idleMs: number, sockets: Set<Socket>): void {
  sockets.add(socket);
  socket.on('close', () => sockets.delete(socket));
  socket.on('error', (err) => options.logger?.debug({ err, client: socket.remoteAddress }, 'dns tcp connection error'));
  socket.setNoDelay(true);
  socket.setTimeout(idleMs, () => socket.destroy());
  const client = { address: socket.remoteAddress ?? '' };
  const reader = new FrameReader();
  socket.on('data', (chunk: Buffer) => {
    for (const query of reader.push(chunk)) {
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
