/**
 * The thin shell around `judgeConvergence`: one observation of the store, taken directly and in
 * parallel: each member over SQL with the admin login, each agent's /status (the primary record)
 * and each agent's DNS answer for the primary name; then the newest write of the main client
 * through that name, sent after the observation began (waited for a little, as writes are in
 * flight when the observation ends).
 */
import { FENCE_STANDBY_NAME } from '../../data/index.ts';
import type { Clock } from '../clock.ts';
import { runStatement } from '../db/single-statement.ts';
import type { WriteOp } from '../db/types.ts';
import { queryA } from '../dns-transport.ts';
import type { AgentStoreStatus } from './agent-status.ts';
import type { AgentFacts, ConvergenceSnapshot, MemberFacts, NamedWrite } from './convergence.ts';
import type { ChaosEnvironment, MemberAddress } from './types.ts';

const MEMBER_SQL = `SELECT pg_is_in_recovery() AS in_recovery,
  current_setting('default_transaction_read_only') AS read_only,
  current_setting('synchronous_standby_names') AS sync_names,
  CASE WHEN pg_is_in_recovery() THEN NULL ELSE pg_walfile_name(pg_current_wal_lsn()) END AS walfile,
  w.status, w.sender_host, w.sender_port, w.received_tli
FROM (SELECT 1) AS one LEFT JOIN pg_stat_wal_receiver AS w ON true`;

interface MemberRow {
  in_recovery: boolean;
  read_only: string;
  sync_names: string;
  walfile: string | null;
  status: string | null;
  sender_host: string | null;
  sender_port: number | null;
  received_tli: number | null;
}

/**
 * The observer is the measuring stick, not the system under test: it waits longer than the
 * agents do, so a busy host's slow logins are not taken for a store that has not converged (with
 * 1 s, rounds on a loaded 2-core machine "never converged" while writes went through).
 */
const DEADLINES = { connectMs: 3000, answerMs: 3000 };
const DNS_TIMEOUT_MS = 500;
/** A write's outcome is known within its connect + answer deadlines (1 s + 2 s). */
const WRITE_WAIT_MS = 3500;

export interface ObserverOptions {
  readonly env: ChaosEnvironment;
  readonly clock: Clock;
  /** The main client's writes so far (read again while waiting). */
  readonly mainOps: () => readonly WriteOp[];
  /** Every /status read also feeds the record sightings. */
  readonly onStatuses?: (statuses: readonly AgentStoreStatus[], atMs: number) => void;
  readonly signal?: AbortSignal;
}

export async function observeStore(o: ObserverOptions): Promise<ConvergenceSnapshot> {
  const startedAtMs = o.clock.nowMs();
  const [members, agents] = await Promise.all([Promise.all(o.env.members.map((m) => readMember(o.env, m))), readAgents(o)]);
  const write = await awaitNamedWrite(o, startedAtMs);
  return { startedAtMs, endedAtMs: o.clock.nowMs(), members, agents, write };
}

async function readMember(env: ChaosEnvironment, m: MemberAddress): Promise<MemberFacts> {
  const target = { host: m.host, port: m.port, user: env.admin.user, password: env.admin.password, database: 'postgres', ...(env.admin.tls ? { tls: env.admin.tls } : {}) };
  const r = await runStatement<MemberRow>(target, MEMBER_SQL, [], DEADLINES);
  const base = { region: m.region, host: m.host, port: m.port };
  if (r.kind !== 'answered') return { ...base, reachable: false, error: r.error };
  const row = r.rows[0];
  if (!row) return { ...base, reachable: false, error: 'the state query returned no row' };
  const timeline = row.walfile ? Number.parseInt(row.walfile.slice(0, 8), 16) : undefined;
  return {
    ...base,
    reachable: true,
    inRecovery: row.in_recovery,
    readOnly: row.read_only === 'on',
    fenced: row.sync_names.includes(FENCE_STANDBY_NAME),
    ...(timeline ? { timeline } : {}),
    walReceiver: row.status === null ? null : { status: row.status, senderHost: row.sender_host, senderPort: row.sender_port, receivedTli: row.received_tli },
  };
}

async function readAgents(o: ObserverOptions): Promise<AgentFacts[]> {
  const [statuses, answers] = await Promise.all([
    o.env.readAgentStatuses().catch(() => []),
    Promise.all(o.env.nameservers.map(async (ns) => ({ region: ns.region, outcome: await queryA(ns, o.env.store.primaryFqdn, DNS_TIMEOUT_MS) }))),
  ]);
  o.onStatuses?.(statuses, o.clock.nowMs());
  return o.env.nameservers.map((ns) => {
    const status = statuses.find((s) => s.agentRegion === ns.region);
    const dns = answers.find((a) => a.region === ns.region)!.outcome;
    return {
      region: ns.region,
      ...(status ? { record: status.record } : {}),
      ...(dns.kind === 'response' && dns.rcode === 'NOERROR' ? { dnsAnswer: dns.addresses } : {}),
    };
  });
}

async function awaitNamedWrite(o: ObserverOptions, sinceMs: number): Promise<NamedWrite | null> {
  for (;;) {
    const done = o.mainOps().filter((op) => op.sentAtMs >= sinceMs);
    const newest = done.reduce<WriteOp | undefined>((a, b) => (!a || b.sentAtMs > a.sentAtMs ? b : a), undefined);
    if (newest) {
      return {
        sentAtMs: newest.sentAtMs,
        outcome: newest.outcome,
        ...(newest.server ? { server: newest.server } : {}),
        ...(newest.error ? { error: newest.error } : {}),
      };
    }
    if (o.clock.nowMs() - sinceMs >= WRITE_WAIT_MS) return null;
    await o.clock.sleep(50, o.signal);
  }
}
