/**
 * The UDP side of the DNS server behind a port, so the batched native transport
 * (native-transport.ts: recvmmsg/sendmmsg) can replace node:dgram without touching the answer
 * table or the policies.
 */
import { createSocket, type Socket } from 'node:dgram';
import { isIPv6 } from 'node:net';
import type { Logger } from '../common/log.ts';

/**
 * Answers one datagram; null drops it. Must not throw. `query` is valid only during the call (the
 * native transport reuses its memory for the next batch): copy what must outlive it.
 */
export type DatagramHandler = (query: Buffer, client: { readonly address: string; readonly port: number }) => Buffer | null;

export interface DnsTransport {
  readonly host: string;
  readonly port: number;
  close(): Promise<void>;
}

export type UdpTransportFactory = (options: {
  host: string;
  port: number;
  handler: DatagramHandler;
  logger?: Logger;
}) => Promise<DnsTransport>;

/** Absorbs bursts while the event loop is busy; the kernel caps it at net.core.rmem_max. */
export const RECEIVE_BUFFER_BYTES = 4 * 1024 * 1024;

/** node:dgram, one datagram at a time. */
export const dgramTransport: UdpTransportFactory = ({ host, port, handler, logger }) =>
  new Promise((resolve, reject) => {
    const socket: Socket = createSocket({ type: isIPv6(host) ? 'udp6' : 'udp4' });
    const onBindError = (err: Error) => {
      socket.close();
      reject(err);
    };
    socket.once('error', onBindError);
    socket.on('message', (msg, rinfo) => {
      const response = handler(msg, rinfo);
      if (!response) return;
      socket.send(response, rinfo.port, rinfo.address, (err) => {
        if (err) logger?.debug({ err, client: rinfo.address }, 'dns udp send failed');
      });
    });
    socket.bind(port, host, () => {
      socket.off('error', onBindError);
      // After bind, a socket error (e.g. ICMP unreachable surfaced on some platforms) must not crash the agent.
      socket.on('error', (err) => logger?.warn({ err }, 'dns udp socket error'));
      try {
        socket.setRecvBufferSize(RECEIVE_BUFFER_BYTES);
      } catch (err) {
        logger?.debug({ err }, 'dns udp: could not enlarge the receive buffer');
      }
      let closed: Promise<void> | undefined;
      resolve({
        host,
        port: socket.address().port,
        close: () => (closed ??= new Promise<void>((done) => socket.close(() => done()))),
      });
    });
  });
