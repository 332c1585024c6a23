/**
 * Per-source and total connection caps on a node:net server (node:http's Server is one). The
 * gate runs before the server's own 'connection' listeners: a refused socket never reaches
 * node:http (no parser, no timers) or the DNS framing, so refusing costs an accept and a close.
 * node:net's `maxConnections` caps only the total; nothing in node or a maintained package counts
 * per remote address on a raw server, hence this small wrapper over ./connection-ledger.ts.
 */
import type { Server, Socket } from 'node:net';
import { ConnectionLedger, sourceKey, type Admission, type ConnectionCaps } from './connection-ledger.ts';

export interface GateOptions extends ConnectionCaps {
  /** Called on each refusal, before the socket is closed (write a last line, count it). */
  readonly onRefused?: (socket: Socket, why: Exclude<Admission, 'admitted'>, source: string) => void;
}

/**
 * Wraps the 'connection' listeners `server` has now (node:http adds its own in its constructor,
 * net.createServer its callback): call it after creating the server and before listening.
 */
export function gateConnections(server: Server, options: GateOptions): ConnectionLedger {
  const ledger = new ConnectionLedger(options);
  const downstream = server.listeners('connection') as ((socket: Socket) => void)[];
  server.removeAllListeners('connection');
  server.on('connection', (socket: Socket) => {
    const source = sourceKey(socket.remoteAddress);
    const admission = ledger.admit(source);
    if (admission !== 'admitted') {
      socket.on('error', () => undefined); // a reset from the refused client must not crash the agent
      options.onRefused?.(socket, admission, source);
      if (!socket.destroyed) socket.destroySoon(); // after whatever onRefused wrote
      return;
    }
    socket.once('close', () => ledger.release(source));
    for (const listener of downstream) listener.call(server, socket);
  });
  return ledger;
}
