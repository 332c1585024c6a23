/**
 * Paced DNS queries over UDP to one server, each one's round trip timed: what a resolver sees.
 * One query every `intervalMs` (not back to back, so a slow answer does not lower the rate and
 * hide itself); a query unanswered after `timeoutMs` is lost.
 */
import { createSocket } from 'node:dgram';
import dnsPacket from 'dns-packet';

export interface ProbeResult {
  readonly latenciesMs: readonly number[];
  readonly sent: number;
  readonly lost: number;
}

export async function probeDns(port: number, name: string, durationMs: number, intervalMs = 5, timeoutMs = 1_000): Promise<ProbeResult> {
  const socket = createSocket('udp4');
  await new Promise<void>((r) => socket.bind(0, '127.0.0.1', r));
  const sentAt = new Map<number, number>();
  const latenciesMs: number[] = [];
  socket.on('message', (msg) => {
    const id = msg.readUInt16BE(0);
    const at = sentAt.get(id);
    if (at === undefined) return;
    latenciesMs.push(performance.now() - at);
    sentAt.delete(id);
  });
  let sent = 0;
  const start = performance.now();
  // Slot n is due at start + n·interval: a late timer does not lower the rate.
  while (performance.now() - start < durationMs) {
    const id = sent % 65536;
    sentAt.set(id, performance.now());
    socket.send(dnsPacket.encode({ type: 'query', id, flags: dnsPacket.RECURSION_DESIRED, questions: [{ type: 'A', name, class: 'IN' }] }), port, '127.0.0.1');
    sent++;
    const next = start + sent * intervalMs;
    await new Promise((r) => setTimeout(r, Math.max(0, next - performance.now())));
  }
  await new Promise((r) => setTimeout(r, timeoutMs));
  socket.close();
  return { latenciesMs, sent, lost: sent - latenciesMs.length };
}

/** The p-th percentile (0-100) by nearest rank. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] as number;
}
