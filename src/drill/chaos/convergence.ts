/**
 * Has the store converged? One pure judgement over one observed snapshot (observer.ts takes it).
 * Converged means all of:
 *  (a) record: a primary record is readable and every answering agent names the same region P;
 *  (b) primaryWritable: P's database answers as a primary, is not read-only or fenced, and the
 *      newest write through the primary DNS name (sent after the observation began) was
 *      acknowledged by P on P's timeline;
 *  (c) standbysStreaming: every other member answers, is in recovery, and its WAL receiver is
 *      `streaming` from P's address on P's current timeline;
 *  (d) singleWritable: no other member runs as a writable primary;
 *  (e) dnsAnswer: every agent whose DNS answers gives exactly P's address for the primary name.
 * Every failed condition is a problem naming its check and member, so a round that never
 * converged says what was still wrong.
 */

export const CONVERGENCE_CHECKS = ['record', 'primaryWritable', 'standbysStreaming', 'singleWritable', 'dnsAnswer'] as const;
export type ConvergenceCheck = (typeof CONVERGENCE_CHECKS)[number];

/** One member as seen over SQL with the admin login. */
export interface MemberFacts {
  readonly region: string;
  /** `ip:port` as the topology lists it. */
  readonly host: string;
  readonly port: number;
  readonly reachable: boolean;
  /** Why it did not answer. */
  readonly error?: string;
  readonly inRecovery?: boolean;
  /** default_transaction_read_only. */
  readonly readOnly?: boolean;
  /** synchronous_standby_names names the fence's impossible standby. */
  readonly fenced?: boolean;
  /** A primary's timeline (from its current WAL file). */
  readonly timeline?: number;
  /** pg_stat_wal_receiver's row; null when there is none. */
  readonly walReceiver?: { readonly status: string; readonly senderHost: string | null; readonly senderPort: number | null; readonly receivedTli: number | null } | null;
}

/** One agent: its /status (the primary record) and its DNS answer for the primary name. */
export interface AgentFacts {
  readonly region: string;
  /** The record from its /status; undefined when /status did not answer, null when it showed no record. */
  readonly record?: { readonly region: string; readonly token: string; readonly timeline?: number } | null;
  /** A records for the primary name; undefined when its DNS did not answer. */
  readonly dnsAnswer?: readonly string[];
}

/** The newest write of the main client through the primary DNS name, sent after the observation began. */
export interface NamedWrite {
  readonly sentAtMs: number;
  readonly outcome: 'ok' | 'fail' | 'unknown';
  readonly server?: { readonly region: string; readonly timeline?: number };
  readonly error?: string;
}

export interface ConvergenceSnapshot {
  readonly startedAtMs: number;
  readonly endedAtMs: number;
  readonly members: readonly MemberFacts[];
  readonly agents: readonly AgentFacts[];
  readonly write: NamedWrite | null;
}

export interface Problem {
  readonly check: ConvergenceCheck;
  /** The member or agent region it is about, when it is about one. */
  readonly region?: string;
  readonly detail: string;
}

export interface Convergence {
  readonly converged: boolean;
  /** P: the region the record names (null when no record could be read). */
  readonly primary: string | null;
  readonly problems: readonly Problem[];
}

export function judgeConvergence(s: ConvergenceSnapshot): Convergence {
  const { primary, problems } = recordCheck(s.agents);
  if (primary === null) return { converged: false, primary, problems };
  const p = s.members.find((m) => m.region === primary);
  if (!p) return { converged: false, primary, problems: [...problems, { check: 'record', detail: `the record names ${primary}, which is not a member of the store` }] };
  const all = [...problems, ...primaryChecks(p, s.write), ...s.members.filter((m) => m !== p).flatMap((m) => memberChecks(m, p)), ...dnsChecks(s.agents, p)];
  return { converged: all.length === 0, primary, problems: all };
}

function recordCheck(agents: readonly AgentFacts[]): { primary: string | null; problems: Problem[] } {
  const answering = agents.filter((a) => a.record !== undefined);
  if (answering.length === 0) return { primary: null, problems: [{ check: 'record', detail: 'no agent answered /status' }] };
  const named = answering.filter((a) => a.record);
  const newest = [...named].sort((a, b) => compareTokens(b.record!.token, a.record!.token))[0]?.record;
  if (!newest) return { primary: null, problems: [{ check: 'record', detail: 'no agent shows a primary record' }] };
  const problems: Problem[] = answering
    .filter((a) => a.record?.region !== newest.region)
    .map((a) => ({ check: 'record', region: a.region, detail: a.record ? `agent shows the record naming ${a.record.region} (token ${a.record.token}), not ${newest.region} (token ${newest.token})` : 'agent shows no primary record' }));
  return { primary: newest.region, problems };
}

function primaryChecks(p: MemberFacts, write: NamedWrite | null): Problem[] {
  const at = (detail: string): Problem => ({ check: 'primaryWritable', region: p.region, detail });
  if (!p.reachable) return [at(`the recorded primary does not answer: ${p.error ?? 'unreachable'}`)];
  const out: Problem[] = [];
  if (p.inRecovery) out.push(at('the recorded primary is in recovery (a standby)'));
  if (p.readOnly) out.push(at('the recorded primary is read-only (default_transaction_read_only on)'));
  if (p.fenced) out.push(at("the recorded primary is fenced (synchronous_standby_names names the fence's standby)"));
  if (!write) out.push(at('no write through the primary name completed since the observation began'));
  else if (write.outcome !== 'ok') out.push(at(`the newest write through the primary name: ${write.outcome}${write.error ? ` (${write.error})` : ''}`));
  else if (write.server?.region !== p.region) out.push(at(`the newest write through the primary name was acknowledged by ${write.server?.region ?? 'an unknown server'}`));
  else if (p.timeline !== undefined && write.server.timeline !== undefined && write.server.timeline !== p.timeline) {
    out.push(at(`the newest write through the primary name was acknowledged on timeline ${write.server.timeline}, the primary is on ${p.timeline}`));
  }
  return out;
}

function memberChecks(m: MemberFacts, p: MemberFacts): Problem[] {
  const streaming = (detail: string): Problem => ({ check: 'standbysStreaming', region: m.region, detail });
  if (!m.reachable) return [streaming(`does not answer: ${m.error ?? 'unreachable'}`)];
  if (!m.inRecovery) {
    const writable = !m.readOnly && !m.fenced;
    const role = `runs as a primary${m.timeline === undefined ? '' : ` on timeline ${m.timeline}`}`;
    return [
      streaming(`${role}, not as a standby of ${p.region}`),
      ...(writable ? [{ check: 'singleWritable' as const, region: m.region, detail: `${role} and accepts writes (not read-only, not fenced)` }] : []),
    ];
  }
  const w = m.walReceiver;
  if (!w) return [streaming('in recovery with no WAL receiver (not streaming from anyone)')];
  const out: Problem[] = [];
  if (w.status !== 'streaming') out.push(streaming(`WAL receiver is '${w.status}', not 'streaming'`));
  if (w.senderHost !== p.host || (w.senderPort !== null && w.senderPort !== p.port)) {
    out.push(streaming(`streams from ${w.senderHost ?? '?'}:${w.senderPort ?? '?'}, not from ${p.region} (${p.host}:${p.port})`));
  }
  if (p.timeline !== undefined && w.receivedTli !== p.timeline) out.push(streaming(`receives timeline ${w.receivedTli ?? '?'}, the primary is on ${p.timeline}`));
  return out;
}

function dnsChecks(agents: readonly AgentFacts[], p: MemberFacts): Problem[] {
  return agents
    .filter((a) => a.dnsAnswer !== undefined && !(a.dnsAnswer.length === 1 && a.dnsAnswer[0] === p.host))
    .map((a) => ({ check: 'dnsAnswer', region: a.region, detail: `answers the primary name with [${a.dnsAnswer!.join(', ')}], not ${p.host} (${p.region})` }));
}

/** Fencing tokens are decimal strings of any length: compare them as numbers. */
export function compareTokens(a: string, b: string): number {
  try {
    const [x, y] = [BigInt(a), BigInt(b)];
    return x < y ? -1 : x > y ? 1 : 0;
  } catch {
    return a.localeCompare(b);
  }
}
