/**
 * Replication lag per standby, as the store status reports it: a pure mapping from what the
 * recorded primary last said (its WAL position and pg_stat_replication, remembered by the
 * StoreObserver from observations it already makes) to one row per member standby. No database
 * round-trip here: status() is read on every /status and scrape.
 */
import { formatLsn, lsnLagBytes } from '../../data/index.ts';
import type { PrimaryObservation } from '../../failover/adapters/index.ts';

export interface ReplicationStatus {
  /** The standby's region (its application_name). */
  readonly region: string;
  /** Primary's current LSN minus the standby's replay LSN; null until the standby reports a replay position. */
  readonly lagBytes: number | null;
  /** pg_stat_replication.replay_lag; null when PostgreSQL has none (idle primary, or not reported yet). */
  readonly lagSeconds: number | null;
  /** pg_stat_replication.state (streaming, catchup, startup, backup, stopping). */
  readonly state: string;
  /** pg_stat_replication.sync_state (async, potential, sync, quorum). */
  readonly syncState: string;
  readonly replayLsn: string | null;
  /** When the primary was observed. */
  readonly observedAt: string;
}

/**
 * Rows for the standbys of `primaryRegion` among `regions`, from `observation` when it is of that
 * primary; none otherwise (the record moved since, or the primary stopped answering). Connections
 * that are not members (pg_basebackup, pg_rewind, unnamed) are left out: region labels stay bounded.
 */
export function replicationRows(observation: PrimaryObservation | undefined, primaryRegion: string | undefined, regions: readonly string[]): ReplicationStatus[] {
  if (!observation || observation.region !== primaryRegion) return [];
  const members = new Set(regions.filter((r) => r !== primaryRegion));
  const observedAt = new Date(observation.atMs).toISOString();
  return observation.replicas
    .filter((r) => members.has(r.applicationName))
    .map((r) => ({
      region: r.applicationName,
      lagBytes: r.replayLsn === undefined ? null : Number(lsnLagBytes(observation.currentLsn, r.replayLsn)),
      lagSeconds: r.replayLagMs === undefined ? null : r.replayLagMs / 1000,
      state: r.state,
      syncState: r.syncState,
      replayLsn: r.replayLsn === undefined ? null : formatLsn(r.replayLsn),
      observedAt,
    }))
    .sort((a, b) => a.region.localeCompare(b.region));
}
