/**
 * Which etcd members answer, for the client's host selection.
 *
 * etcd3 sends each call to a random member. A member in a cut-off region answers nothing, so a
 * call that lands on it waits its whole deadline before trying the next one. A timed breaker
 * (cockatiel's half-open) uses a real call as its probe, so some caller keeps paying that
 * deadline every few seconds: during a failover runbook that was one second per step. Here a
 * member that fails a call is isolated at once and only a background probe (a Status call with
 * a short deadline) brings it back: no caller waits on a member known to be gone.
 *
 * When every member is isolated, calls go through anyway: failing fast then would turn a blip on
 * every link into "etcd unavailable", and the calls' own deadlines still bound the wait.
 */
import { circuitBreaker, ConsecutiveBreaker, handleWhen, type CircuitBreakerPolicy, type IDefaultPolicyContext, type IPolicy } from 'cockatiel';
import { isRecoverableError } from 'etcd3';

export interface MemberHealthOptions {
  /** Asks one member whether it answers; rejects if not (it must carry its own deadline). */
  readonly probe: (host: string) => Promise<void>;
  /** Between two probes of an isolated member. */
  readonly probeEveryMs: number;
}

interface Member {
  readonly breaker: CircuitBreakerPolicy;
  isolated: boolean;
  timer?: NodeJS.Timeout;
}

/** Long enough that only the probe ever closes a broken circuit. */
const NEVER_MS = 24 * 3600_000;

export class MemberHealth {
  private readonly members = new Map<string, Member>();
  private closed = false;

  constructor(private readonly options: MemberHealthOptions) {}

  /** The per-host policy etcd3 asks for (`faultHandling.host`). */
  policyFor(host: string): IPolicy<IDefaultPolicyContext> {
    const breaker = circuitBreaker(handleWhen(isRecoverableError), { halfOpenAfter: NEVER_MS, breaker: new ConsecutiveBreaker(1) });
    const member: Member = { breaker, isolated: false };
    this.members.set(host, member);
    breaker.onBreak(() => this.isolate(host, member));
    return {
      _altReturn: undefined as never,
      onSuccess: breaker.onSuccess,
      onFailure: breaker.onFailure,
      // async: a callback that throws (etcd3's markFailed does) must become a rejection.
      execute: async (fn, signal) => (this.allIsolated() ? fn({ signal: signal ?? new AbortController().signal }) : breaker.execute(fn, signal)),
    };
  }

  /** Hosts currently skipped (for logs and tests). */
  isolatedHosts(): string[] {
    return [...this.members].filter(([, m]) => m.isolated).map(([h]) => h).sort();
  }

  close(): void {
    this.closed = true;
    for (const m of this.members.values()) clearTimeout(m.timer);
  }

  private allIsolated(): boolean {
    return [...this.members.values()].every((m) => m.isolated);
  }

  private isolate(host: string, member: Member): void {
    if (this.closed || member.isolated) return;
    member.isolated = true;
    this.scheduleProbe(host, member);
  }

  private scheduleProbe(host: string, member: Member): void {
    member.timer = setTimeout(() => {
      this.options.probe(host).then(
        () => {
          // cockatiel has no reset: isolating and releasing at once leaves the circuit closed.
          member.breaker.isolate().dispose();
          member.isolated = false;
        },
        () => {
          if (!this.closed) this.scheduleProbe(host, member);
        },
      );
    }, this.options.probeEveryMs);
    member.timer.unref();
  }
}
