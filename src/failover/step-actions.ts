/**
 * What each step kind does through the ports. Every action returns a StepResult and never
 * throws: a port that throws is a failed step, with the error's message as the detail.
 * Waits poll until done or timed out, checking the coordinator's token on every round.
 * A port's `pending` (asked for, not observed yet) is a pending step: the next tick looks again.
 */
import { describeError } from '../common/errors.ts';
import { formatLsn } from './lsn.ts';
import type { Clock, LeaseCheck, PortOutcome, ReplicaControl, TrafficControl } from './ports.ts';
import type { FencingToken, Step } from './types.ts';

export type StepResult =
  | { readonly kind: 'ok'; readonly detail: string }
  | { readonly kind: 'pending'; readonly detail: string }
  | { readonly kind: 'failed'; readonly detail: string }
  /** The coordinator lost its lease during the step: stop at once. */
  | { readonly kind: 'lost'; readonly detail: string };

export interface ExecutorTiming {
  /** Between two polls of a wait. @default 200 */
  readonly pollMs: number;
  /** Longest wait for the old primary's lease to expire. @default 60000 */
  readonly fenceTimeoutMs: number;
  /** Longest wait for a standby to catch up. @default 60000 */
  readonly catchupTimeoutMs: number;
}

export interface ActionContext {
  readonly replica: ReplicaControl;
  readonly traffic: TrafficControl;
  readonly lease: LeaseCheck;
  readonly clock: Clock;
  readonly timing: ExecutorTiming;
  readonly token: FencingToken;
}

export async function runStep(s: Step, ctx: ActionContext): Promise<StepResult> {
  const t = ctx.token;
  switch (s.kind) {
    case 'switch-dns': return call(() => ctx.traffic.switchDns(s.name, s.to, t));
    case 'promote': return call(() => ctx.replica.promote(s.region, t, s.sync));
    case 'repoint': return call(() => ctx.replica.repoint(s.region, s.to, t));
    case 'freeze': return call(() => ctx.replica.freeze(s.region, t));
    case 'fence': return call(() => ctx.replica.fence(s.region, t));
    case 'demote': return call(() => ctx.replica.demote(s.region, s.to, t));
    case 'validate-write': return call(() => ctx.replica.validateWrite(s.region, t));
    case 'mark-rejoin': return call(() => ctx.replica.markRejoin(s.region, t));
    case 'block-writes': return call(() => ctx.replica.blockWrites(s.region, t));
    case 'resume-writes': return call(() => ctx.replica.resumeWrites(s.region, t));
    case 'rejoin': return call(() => ctx.replica.rejoin(s.region, s.from, s.method, t));
    case 'await-fence': return awaitFence(s, ctx);
    case 'await-catchup': return awaitCatchup(s, ctx);
  }
}

async function call(action: () => Promise<PortOutcome>): Promise<StepResult> {
  try {
    const outcome = await action();
    if (outcome.kind === 'done') return { kind: 'ok', detail: outcome.detail };
    if (outcome.kind === 'pending') return { kind: 'pending', detail: outcome.detail };
    return { kind: 'failed', detail: `refused: ${outcome.detail}` };
  } catch (err) {
    return { kind: 'failed', detail: describeError(err) };
  }
}

/** `hopeless`: waiting longer cannot help (the world moved on): fail now, so the next tick plans again. */
type Probe = { readonly done: boolean; readonly detail: string; readonly hopeless?: boolean };

/** Polls `probe` until done, the deadline, or the coordinator losing its lease. */
async function poll(ctx: ActionContext, timeoutMs: number, probe: () => Promise<Probe>): Promise<StepResult> {
  const started = ctx.clock.nowMs();
  for (;;) {
    const coordinator = await coordinatorStatus(ctx);
    if (coordinator) return { kind: 'lost', detail: coordinator };
    let last: Probe;
    try {
      last = await probe();
    } catch (err) {
      last = { done: false, detail: describeError(err) };
    }
    if (last.done) return { kind: 'ok', detail: last.detail };
    if (last.hopeless) return { kind: 'failed', detail: last.detail };
    const waited = ctx.clock.nowMs() - started;
    if (waited >= timeoutMs) return { kind: 'failed', detail: `gave up after ${waited} ms: ${last.detail}` };
    await ctx.clock.sleep(Math.min(ctx.timing.pollMs, timeoutMs - waited));
  }
}

/** undefined while the coordinator's token holds; why not, otherwise. Unknown counts as lost. */
export async function coordinatorStatus(ctx: Pick<ActionContext, 'lease' | 'token'>): Promise<string | undefined> {
  try {
    const status = await ctx.lease.coordinator(ctx.token);
    return status.kind === 'valid' ? undefined : `coordinator lease (token ${ctx.token}) lost: ${status.detail}`;
  } catch (err) {
    return `coordinator lease (token ${ctx.token}) cannot be confirmed: ${describeError(err)}`;
  }
}

async function awaitFence(s: Extract<Step, { kind: 'await-fence' }>, ctx: ActionContext): Promise<StepResult> {
  const expired = await poll(ctx, ctx.timing.fenceTimeoutMs, async () => {
    const lease = await ctx.lease.primaryLease(s.region, s.token);
    if (lease.kind === 'expired') return { done: true, detail: `${s.region}'s lease (token ${s.token}) has expired` };
    // A newer token: its agent took the lease again, which it does only with the record naming it
    // and no rejoin mark, so it is a healthy primary again. Waiting out the step's timeout here held
    // the store's loop (and every rebuild) for 17 s in a chaos round.
    if (lease.token > s.token) {
      return { done: false, hopeless: true, detail: `${s.region} took the primary lease again under a newer token ${lease.token} (the plan fenced token ${s.token}): its agent is back in charge; planning again` };
    }
    return { done: false, detail: `${s.region}'s lease (token ${lease.token}) still held, deadline ${lease.validUntilMs}` };
  });
  if (expired.kind !== 'ok') return expired;
  // The expired lease is the fence; actively fencing a reachable old primary is the belt on top,
  // so a throw here does not stop the failover. A refusal (we are fenced ourselves) does.
  try {
    const fenced = await ctx.replica.fence(s.region, ctx.token);
    if (fenced.kind === 'refused') return { kind: 'failed', detail: `${expired.detail}; fence refused: ${fenced.detail}` };
    return { kind: 'ok', detail: `${expired.detail}; ${fenced.detail}` };
  } catch (err) {
    return { kind: 'ok', detail: `${expired.detail}; active fencing failed (${describeError(err)}), the expired lease still fences it` };
  }
}

async function awaitCatchup(s: Extract<Step, { kind: 'await-catchup' }>, ctx: ActionContext): Promise<StepResult> {
  return poll(ctx, ctx.timing.catchupTimeoutMs, async () => {
    const members = await ctx.replica.readState();
    const target = members.find((m) => m.region === s.region);
    const source = members.find((m) => m.region === s.from);
    if (!target?.reachable) return { done: false, detail: `${s.region} does not answer` };
    if (!source?.reachable) return { done: false, detail: `${s.from} does not answer, so its position is unknown` };
    // From a primary the target must really stream; from a demoted primary only positions count.
    if (source.role === 'primary' && target.upstream !== s.from) {
      return { done: false, detail: `${s.region} does not stream from ${s.from}` };
    }
    const where = `${s.region} at ${formatLsn(target.replayLsn)}, ${s.from} at ${formatLsn(source.replayLsn)}`;
    const caughtUp = target.replayLsn + s.maxLagBytes >= source.replayLsn;
    return { done: caughtUp, detail: caughtUp ? `caught up: ${where}` : `behind by more than ${s.maxLagBytes} bytes: ${where}` };
  });
}
