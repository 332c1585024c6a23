/**
 * What Patroni's REST API says about its cluster, and when that cluster is whole again (pure
 * judgement over the answers; `readPatroniCluster` does the reads). Whole = every member known to
 * the DCS, one leader running, every other member a running replica on the leader's timeline,
 * and the leader streaming WAL to each of them (its /patroni `replication` list, read from
 * pg_stat_replication). Patroni 3.0.2 has no `streaming` state in /cluster, hence the second read.
 */
import { httpGet } from '../../src/lab/index.ts';
import { PATRONI_API_PORT } from './patroni-config.ts';

/** A member of GET /cluster. */
export interface ClusterMember {
  readonly name: string;
  readonly role: string;
  readonly state: string;
  readonly host?: string;
  readonly timeline?: number;
  readonly lag?: number | string;
}

/** The parts of GET /patroni used here. */
export interface MemberStatus {
  readonly state?: string;
  readonly role?: string;
  readonly timeline?: number;
  readonly replication?: readonly { readonly application_name?: string; readonly state?: string }[];
}

export type ClusterJudgement = { readonly whole: true; readonly leader: string } | { readonly whole: false; readonly waitingFor: string };

const LEADER_ROLES = new Set(['leader', 'master', 'primary']);
const REPLICA_ROLES = new Set(['replica', 'sync_standby']);

export function judgeCluster(members: readonly ClusterMember[], leaderStatus: MemberStatus | undefined, expected: readonly string[]): ClusterJudgement {
  const missing = expected.filter((name) => !members.some((m) => m.name === name));
  if (missing.length > 0) return { whole: false, waitingFor: `${missing.join(', ')} to register in the DCS` };
  const leaders = members.filter((m) => LEADER_ROLES.has(m.role));
  if (leaders.length !== 1) return { whole: false, waitingFor: `one leader (the DCS shows ${leaders.length})` };
  const leader = leaders[0]!;
  if (leader.state !== 'running') return { whole: false, waitingFor: `the leader ${leader.name} to run (state ${leader.state})` };
  for (const m of members.filter((x) => x !== leader)) {
    if (!REPLICA_ROLES.has(m.role) || m.state !== 'running') return { whole: false, waitingFor: `${m.name} to run as a replica (${m.role}, ${m.state})` };
    if (m.timeline !== undefined && leader.timeline !== undefined && m.timeline !== leader.timeline) {
      return { whole: false, waitingFor: `${m.name} on timeline ${m.timeline} to follow the leader's ${leader.timeline}` };
    }
  }
  if (!leaderStatus) return { whole: false, waitingFor: `the leader ${leader.name}'s /patroni` };
  const stuck = notStreaming(members, leaderStatus);
  if (stuck.length > 0) return { whole: false, waitingFor: `the leader ${leader.name} to stream to ${stuck.join(', ')}` };
  return { whole: true, leader: leader.name };
}

/**
 * Members other than the leader that the leader does not stream to. Patroni lists a replica that
 * diverged from the leader on the same timeline number as `running`, and never rewinds it: only
 * `patronictl reinit` brings it back (seen in this benchmark after an old leader took over again).
 */
export function notStreaming(members: readonly ClusterMember[], leaderStatus: MemberStatus): string[] {
  const leader = members.find((m) => LEADER_ROLES.has(m.role));
  const streaming = new Set((leaderStatus.replication ?? []).filter((r) => r.state === 'streaming').map((r) => r.application_name));
  return members.filter((m) => m !== leader && !streaming.has(m.name)).map((m) => m.name);
}

export const apiUrl = (address: string, path: string): string => `http://${address}:${PATRONI_API_PORT}${path}`;

export async function getJson<T>(url: string, timeoutMs: number): Promise<{ status: number; body: T } | undefined> {
  try {
    const res = await httpGet(url, timeoutMs);
    return { status: res.status, body: JSON.parse(res.body) as T };
  } catch {
    return undefined; // not answering (cut, stopped, starting): the callers' expected case
  }
}

/**
 * Reads /cluster from the first member that answers, then the leader's /patroni, and judges.
 * `addresses` maps member name (region) → database address.
 */
export interface ClusterReading {
  readonly judgement: ClusterJudgement;
  readonly members: readonly ClusterMember[];
  /** Non-leader members the leader does not stream to (empty when no leader status was read). */
  readonly notStreaming: readonly string[];
}

export async function readPatroniCluster(addresses: Readonly<Record<string, string>>, timeoutMs = 1000): Promise<ClusterReading> {
  for (const address of Object.values(addresses)) {
    const cluster = await getJson<{ members?: ClusterMember[] }>(apiUrl(address, '/cluster'), timeoutMs);
    if (!cluster || cluster.status !== 200) continue;
    const members = cluster.body.members ?? [];
    const leader = members.find((m) => LEADER_ROLES.has(m.role));
    const leaderAddress = leader ? addresses[leader.name] : undefined;
    const status = leaderAddress ? await getJson<MemberStatus>(apiUrl(leaderAddress, '/patroni'), timeoutMs) : undefined;
    return {
      judgement: judgeCluster(members, status?.body, Object.keys(addresses)),
      members,
      notStreaming: status && status.status === 200 ? notStreaming(members, status.body) : [],
    };
  }
  return { judgement: { whole: false, waitingFor: 'any member to answer GET /cluster' }, members: [], notStreaming: [] };
}

/** `patronictl reinit --force` through the member's REST API: it re-clones itself from the leader. */
export async function reinitialize(address: string, timeoutMs = 5000): Promise<string> {
  try {
    const res = await fetch(apiUrl(address, '/reinitialize'), {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ force: true }), signal: AbortSignal.timeout(timeoutMs),
    });
    return `${res.status} ${(await res.text()).trim()}`;
  } catch (err) {
    return `no answer: ${err instanceof Error ? err.message : String(err)}`;
  }
}
