/**
 * The wire protocol's CancelRequest: a 16-byte message on a new connection that asks the
 * postmaster to cancel what one backend runs. It takes no session and no connection slot.
 *
 * Why it is needed: a backend that waits for a synchronous standby does not notice that its client
 * went away (only a cancel or a terminate ends the wait), and it keeps its slot and its locks.
 * A control session that gave up on such a commit and only closed its socket leaked one reserved
 * slot per try; a benchmark's new primary ran out of them within seconds and its own agent could
 * no longer connect (issue 10).
 *
 * Written by hand because node-postgres cancels only through an undocumented
 * `Client#cancel(client, query)` that needs the query still active, and its types do not declare
 * the backend key it uses.
 */
import { Socket } from 'node:net';
import type pg from 'pg';

/** CancelRequest code: 1234 in the high 16 bits, 5678 in the low (PostgreSQL protocol docs). */
const CANCEL_REQUEST_CODE = 80877102;

/** The backend's key as sent in BackendKeyData; undefined before the session started. */
export function backendKeyOf(client: pg.Client): { readonly pid: number; readonly secret: number } | undefined {
  const c = client as unknown as { processID?: number | null; secretKey?: number | null };
  return typeof c.processID === 'number' && typeof c.secretKey === 'number' ? { pid: c.processID, secret: c.secretKey } : undefined;
}

/**
 * Sends the request; true once it was written and the server closed the connection (it answers
 * nothing, by design). Never throws, never waits longer than `timeoutMs`.
 */
export function sendCancelRequest(host: string, port: number, key: { readonly pid: number; readonly secret: number }, timeoutMs: number): Promise<boolean> {
  const message = Buffer.alloc(16);
  message.writeInt32BE(16, 0);
  message.writeInt32BE(CANCEL_REQUEST_CODE, 4);
  message.writeInt32BE(key.pid, 8);
  message.writeUInt32BE(key.secret >>> 0, 12);
  return new Promise((resolve) => {
    const socket = new Socket();
    let written = false;
    const finish = (ok: boolean) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(ok);
    };
    const timer = setTimeout(() => finish(false), timeoutMs);
    socket.once('error', () => finish(false));
    socket.once('close', () => finish(written));
    socket.connect(port, host, () => {
      socket.end(message, () => {
        written = true;
      });
    });
  });
}
