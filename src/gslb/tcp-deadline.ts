/**
 * When a DNS-over-TCP connection must be closed, from what it has sent, so that a client dribbling
 * bytes (slowloris) cannot keep it open: a socket timeout is reset by every byte, these are not.
 * - A message (RFC 7766: 2-byte length, then the message) must arrive whole within `messageMs`
 *   of its first byte.
 * - Between messages the connection may stay idle `idleMs` after the last whole message (or the
 *   accept); a byte that starts a message does not extend that, only the message deadline applies.
 * Pure: the socket code feeds reads and reads the deadline (./tcp.ts).
 */

export interface StreamTimeouts {
  /** Idle time allowed between whole messages. */
  readonly idleMs: number;
  /** Time allowed from a message's first byte to its last. */
  readonly messageMs: number;
}

export interface StreamClock {
  /** The accept, or the end of the last whole message. */
  readonly lastMessageAtMs: number;
  /** First byte of the message still incomplete; undefined between messages. */
  readonly partialSinceMs?: number;
}

export function openedAt(nowMs: number): StreamClock {
  return { lastMessageAtMs: nowMs };
}

/** After a read that completed `whole` messages and left `pendingBytes` of the next one. */
export function afterRead(clock: StreamClock, whole: number, pendingBytes: number, nowMs: number): StreamClock {
  const lastMessageAtMs = whole > 0 ? nowMs : clock.lastMessageAtMs;
  if (pendingBytes === 0) return { lastMessageAtMs };
  // A new partial message started in this read, unless the one pending before is still unfinished.
  const partialSinceMs = whole === 0 && clock.partialSinceMs !== undefined ? clock.partialSinceMs : nowMs;
  return { lastMessageAtMs, partialSinceMs };
}

export function deadlineOf(clock: StreamClock, timeouts: StreamTimeouts): number {
  return clock.partialSinceMs !== undefined ? clock.partialSinceMs + timeouts.messageMs : clock.lastMessageAtMs + timeouts.idleMs;
}
