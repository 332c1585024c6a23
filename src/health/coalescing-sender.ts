/**
 * Sends the newest value to one HTTP target, never piling up: at most one request in flight; a
 * value offered meanwhile waits and replaces any value already waiting, and goes right after the
 * request ends unless it is the very value that request carried. Shared by the peer exchange (our
 * view to each peer) and the sibling relay (peers' views to the other agents of our region).
 */
import type { PostOutcome } from './http-post.ts';

export class CoalescingSender<T> {
  private inFlight?: Promise<void>;
  private waiting?: T;
  private closed = false;

  constructor(
    private readonly send: (value: T) => Promise<PostOutcome>,
    private readonly onOutcome: (outcome: PostOutcome) => void,
  ) {}

  offer(value: T): void {
    if (this.closed) return;
    if (this.inFlight) {
      this.waiting = value;
      return;
    }
    this.start(value);
  }

  /** No new request starts; resolves when the one in flight (if any) has ended. */
  async close(): Promise<void> {
    this.closed = true;
    this.waiting = undefined;
    await this.inFlight;
  }

  private start(value: T): void {
    // send() reports failures as outcomes; a throw would be a bug, but must not crash the agent.
    let attempt: Promise<PostOutcome>;
    try {
      attempt = this.send(value).catch(failed);
    } catch (err) {
      attempt = Promise.resolve(failed(err));
    }
    this.inFlight = attempt.then((outcome) => {
      this.inFlight = undefined;
      if (!this.closed) this.onOutcome(outcome);
      const next = this.waiting;
      this.waiting = undefined;
      if (next !== undefined && next !== value) this.offer(next);
    });
  }
}

function failed(err: unknown): PostOutcome {
  return { kind: 'failed', reason: err instanceof Error ? err.message : String(err) };
}
