/**
 * Reading a member's replication state over SQL. Never throws for a member that cannot be
 * reached: that is an expected outcome (`{reachable: false, reason}`). A query the server rejects
 * (e.g. missing privileges) throws DbQueryFailed: that is a misconfiguration to fix, not a state.
 */
import type pg from 'pg';
import { DbQueryFailed, DbUnavailable, queryRows, withClient, type DbTimeouts, type PgTarget } from './connect.ts';
import { conninfoHostPort } from './conf.ts';
import type { KeptSession, RunOptions } from './kept-session.ts';
import { historyFileName, parseTimelineHistory, timelineOfWalFile, type TimelineHistory } from './history.ts';
import { parseLsn, parseOptionalLsn, type Lsn } from './lsn.ts';
import type { DbState, Observation, PrimaryState, ReplicaInfo, StandbyState, WalReceiverInfo } from './types.ts';

export function readMemberState(target: PgTarget, timeouts?: Partial<DbTimeouts>): Promise<DbState> {
  return unreachableOnFailure(() => withClient(target, readWithRetry, timeouts));
}

/** readMemberState over a kept session (./kept-session.ts): the local agent's checks, the observers' looks. */
export function readMemberStateOn(session: KeptSession, opts: RunOptions = {}): Promise<DbState> {
  return unreachableOnFailure(() => session.run(readWithRetry, { retryStale: true, ...opts }));
}

async function unreachableOnFailure(read: () => Promise<DbState>): Promise<DbState> {
  try {
    return await read();
  } catch (err) {
    if (err instanceof DbUnavailable) return { reachable: false, reason: err.message, code: err.code };
    throw err;
  }
}

/** The primary's current WAL position, or undefined if it does not answer or is no primary. */
export function readPrimaryLsn(target: PgTarget, timeouts?: Partial<DbTimeouts>): Promise<Lsn | undefined> {
  return undefinedOnFailure(() => withClient(target, primaryLsnOf, timeouts));
}

/** readPrimaryLsn over a kept session. */
export function readPrimaryLsnOn(session: KeptSession, opts: RunOptions = {}): Promise<Lsn | undefined> {
  return undefinedOnFailure(() => session.run(primaryLsnOf, { retryStale: true, ...opts }));
}

async function primaryLsnOf(c: pg.Client): Promise<Lsn | undefined> {
  const [row] = await queryRows<{ lsn: string | null }>(c, 'SELECT CASE WHEN pg_is_in_recovery() THEN NULL ELSE pg_current_wal_lsn()::text END AS lsn');
  return parseOptionalLsn(row?.lsn);
}

async function undefinedOnFailure<T>(read: () => Promise<T>): Promise<T | undefined> {
  try {
    return await read();
  } catch (err) {
    if (err instanceof DbUnavailable) return undefined;
    throw err;
  }
}

/** One Observation for judgeEligibility: the primary's LSN first, then the candidate. */
export async function observeCandidate(
  candidate: PgTarget,
  primary: PgTarget | undefined,
  timeouts?: Partial<DbTimeouts>,
  now: () => number = Date.now,
  /** For the primary's read, when it differs (a primary known to be silent gets a short attempt). */
  primaryTimeouts: Partial<DbTimeouts> | undefined = timeouts,
): Promise<Observation> {
  return observation(
    () => (primary ? readPrimaryLsn(primary, primaryTimeouts) : Promise.resolve(undefined)),
    () => readMemberState(candidate, timeouts),
    now,
  );
}

/** observeCandidate over kept sessions (the observers'); `connectMs` per side for a session opened now. */
export function observeCandidateOn(candidate: SessionRead, primary: SessionRead | undefined, now: () => number = Date.now): Promise<Observation> {
  return observation(
    () => (primary ? readPrimaryLsnOn(primary.session, primary.opts) : Promise.resolve(undefined)),
    () => readMemberStateOn(candidate.session, candidate.opts),
    now,
  );
}

/** A kept session and how to open it if it must be opened now. */
export interface SessionRead {
  readonly session: KeptSession;
  readonly opts?: RunOptions;
}

async function observation(primaryLsnOf: () => Promise<Lsn | undefined>, memberState: () => Promise<DbState>, now: () => number): Promise<Observation> {
  const primaryLsn = await primaryLsnOf();
  const member = await memberState();
  return { atMs: now(), member, ...(primaryLsn !== undefined ? { primaryLsn } : {}) };
}

/**
 * A promotion racing the read can make a recovery-only function fail with SQLSTATE 55000
 * ("recovery is not in progress"); the second read sees the settled role.
 */
async function readWithRetry(c: pg.Client): Promise<DbState> {
  try {
    return await readState(c);
  } catch (err) {
    if (err instanceof Error && (err as { code?: string }).code === '55000') return readState(c);
    throw err;
  }
}

interface BaseRow {
  in_recovery: boolean;
  sysid: string;
  checkpoint_tli: number;
  min_recovery_tli: number;
  version_num: number;
  current_lsn: string | null;
  current_walfile: string | null;
  receive_lsn: string | null;
  replay_lsn: string | null;
  replay_ts: Date | null;
  pause_state: string;
  sync_names: string;
  read_only: string;
  checkpoint_lsn: string;
  /** Carries the replication password: parsed to host and port at once, never kept. */
  conninfo: string | null;
}

// One statement, so every column describes the same role; recovery-only functions are guarded
// by CASE (evaluated lazily) so the statement works on either role.
const BASE_SQL = `
SELECT r.in_recovery,
  s.system_identifier::text AS sysid,
  c.timeline_id AS checkpoint_tli,
  c.checkpoint_lsn::text AS checkpoint_lsn,
  rc.min_recovery_end_timeline AS min_recovery_tli,
  current_setting('server_version_num')::int AS version_num,
  CASE WHEN r.in_recovery THEN NULL ELSE pg_current_wal_lsn()::text END AS current_lsn,
  CASE WHEN r.in_recovery THEN NULL ELSE pg_walfile_name(pg_current_wal_lsn()) END AS current_walfile,
  pg_last_wal_receive_lsn()::text AS receive_lsn,
  pg_last_wal_replay_lsn()::text AS replay_lsn,
  pg_last_xact_replay_timestamp() AS replay_ts,
  CASE WHEN r.in_recovery THEN pg_get_wal_replay_pause_state() ELSE 'not paused' END AS pause_state,
  current_setting('synchronous_standby_names') AS sync_names,
  current_setting('default_transaction_read_only') AS read_only,
  CASE WHEN r.in_recovery THEN current_setting('primary_conninfo') END AS conninfo
FROM (SELECT pg_is_in_recovery() AS in_recovery) r,
  pg_control_system() s, pg_control_checkpoint() c, pg_control_recovery() rc`;

async function readState(c: pg.Client): Promise<PrimaryState | StandbyState> {
  const [row] = await queryRows<BaseRow>(c, BASE_SQL);
  if (!row) throw new DbQueryFailed(undefined, 'member state query returned no row');
  const common = {
    reachable: true as const,
    systemIdentifier: row.sysid,
    serverVersionNum: row.version_num,
    synchronousStandbyNames: row.sync_names,
    readOnlyByDefault: row.read_only === 'on',
  };
  if (!row.in_recovery) {
    const timeline = timelineOfWalFile(row.current_walfile ?? '') ?? row.checkpoint_tli;
    return {
      ...common,
      role: 'primary',
      timeline,
      history: await readHistory(c, timeline),
      currentLsn: parseLsn(row.current_lsn ?? '0/0'),
      replicas: await readReplicas(c),
    };
  }
  const walReceiver = await readWalReceiver(c);
  const timeline = Math.max(row.checkpoint_tli, row.min_recovery_tli, walReceiver?.receivedTimeline ?? 0, await newestSegmentTimeline(c));
  return {
    ...common,
    role: 'standby',
    timeline,
    history: await readHistory(c, timeline),
    replayLsn: parseLsn(row.replay_lsn ?? row.checkpoint_lsn),
    receiveLsn: parseOptionalLsn(row.receive_lsn),
    replayTimestamp: row.replay_ts ?? undefined,
    replayPaused: row.pause_state !== 'not paused',
    walReceiver,
    upstreamConfigured: conninfoHostPort(row.conninfo ?? ''),
  };
}

async function readHistory(c: pg.Client, timeline: number): Promise<TimelineHistory | undefined> {
  if (timeline === 1) return { timeline, ancestors: [] };
  const [row] = await queryRows<{ text: string | null }>(c,
    'SELECT pg_read_file($1, 0, 1048576, true) AS text', [`pg_wal/${historyFileName(timeline)}`]);
  return row?.text ? parseTimelineHistory(timeline, row.text) : undefined;
}

/** The walreceiver names segments after the timeline it streams, so this tracks a timeline switch early. */
async function newestSegmentTimeline(c: pg.Client): Promise<number> {
  const rows = await queryRows<{ name: string }>(c,
    "SELECT max(name) AS name FROM pg_ls_waldir() WHERE name ~ '^[0-9A-F]{24}$'");
  return timelineOfWalFile(rows[0]?.name ?? '') ?? 0;
}

async function readWalReceiver(c: pg.Client): Promise<WalReceiverInfo | undefined> {
  const [row] = await queryRows<{
    status: string; received_tli: number | null; flushed_lsn: string | null;
    sender_host: string | null; sender_port: number | null; slot_name: string | null;
  }>(c, 'SELECT status, received_tli, flushed_lsn::text, sender_host, sender_port, slot_name FROM pg_stat_wal_receiver');
  if (!row) return undefined;
  return {
    status: row.status,
    receivedTimeline: row.received_tli ?? undefined,
    flushedLsn: parseOptionalLsn(row.flushed_lsn),
    senderHost: row.sender_host ?? undefined,
    senderPort: row.sender_port ?? undefined,
    slotName: row.slot_name ?? undefined,
  };
}

async function readReplicas(c: pg.Client): Promise<ReplicaInfo[]> {
  const rows = await queryRows<{
    application_name: string; client_addr: string | null; state: string; sync_state: string;
    sent_lsn: string | null; flush_lsn: string | null; replay_lsn: string | null; replay_lag_ms: number | null;
  }>(c, `SELECT application_name, host(client_addr) AS client_addr, state, sync_state,
      sent_lsn::text, flush_lsn::text, replay_lsn::text,
      (extract(epoch FROM replay_lag) * 1000)::float8 AS replay_lag_ms
    FROM pg_stat_replication ORDER BY application_name`);
  return rows.map((r) => ({
    applicationName: r.application_name,
    clientAddr: r.client_addr ?? undefined,
    state: r.state,
    syncState: r.sync_state,
    sentLsn: parseOptionalLsn(r.sent_lsn),
    flushLsn: parseOptionalLsn(r.flush_lsn),
    replayLsn: parseOptionalLsn(r.replay_lsn),
    replayLagMs: r.replay_lag_ms ?? undefined,
  }));
}
