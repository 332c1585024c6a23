/**
 * Starting the data layer of `lab up`: one etcd member per region and, per store, a PostgreSQL
 * primary with streaming standbys, each inside its region's namespace. Every process is recorded
 * in the lab state (postmasters by the PID in postmaster.pid), so `down` stops them by PID; as
 * they live in `mrd-*` namespaces, `down` also finds those of a crashed run with `ip netns pids`.
 */
import { readFileSync, rmSync, mkdirSync, statSync, chmodSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { InfraError } from '../common/errors.ts';
import { loadTlsDir } from '../common/tls-dir.ts';
import { createStandby, ensureOwnedDir, initPrimary, writeReplicationPassfile, type PgMember } from '../data/index.ts';
import type { Topology } from '../spec/index.ts';
import type { DbCredentials } from './credentials.ts';
import {
  agentsRoot, dataRoot, etcdPlan, etcdRoot, LAB_INITDB_ARGS, LAB_NETWORKS, LAB_PG_SETTINGS, postgresProcessName, storePlans,
  type EtcdMemberPlan, type StorePlan,
} from './data-plan.ts';
import { labEtcdRootDir } from './etcd-certs.ts';
import { labPgClientTls, labPgTlsDirClient, writeLabPgCertificates, type PgMemberIdentity } from './pg-certs.ts';
import { enableLabEtcdRbac } from './etcd-rbac.ts';
import type { LabLayout } from './layout.ts';
import { settleAll } from './settle.ts';
import { logsDir } from './state.ts';
import { adoptProcess, startInRegion, waitHealthy } from './supervise.ts';

export interface DataLayerOptions {
  readonly topology: Topology;
  readonly layout: LabLayout;
  readonly dir: string;
  readonly credentials: DbCredentials;
  /** Distinguishes this lab's etcd cluster from an earlier one's. */
  readonly clusterToken: string;
  /** Bound on waiting for etcd to be healthy (PostgreSQL tools carry their own timeouts). */
  readonly deadline: number;
  readonly signal: AbortSignal;
}

/** Starts etcd and every store; resolves when etcd is healthy and every member accepts connections. */
export async function startDataLayer(opts: DataLayerOptions): Promise<void> {
  const { topology, layout, dir } = opts;
  if (topology.stores.length === 0) return;
  const etcd = etcdPlan(topology, layout, dir, opts.clusterToken);
  const stores = storePlans(topology, layout, dir);
  await prepareDirectories(dir, stores);
  if (stores.length > 0) await writeReplicationPassfile(opts.credentials, 'postgres');
  if (stores.length > 0) await writeLabPgCertificates(dir, pgMemberIdentities(stores));
  const giveUp = new AbortController();
  const signal = AbortSignal.any([opts.signal, giveUp.signal]);
  await settleAll([startEtcd(etcd, dir, opts.deadline, signal), ...stores.map((s) => startStore(s, opts.credentials, dir, signal))], giveUp);
}

/** Data of an earlier lab is never reused: its passwords and history belong to another build. */
export function removeDataDirectories(dir: string): void {
  rmSync(dataRoot(dir), { recursive: true, force: true });
  rmSync(etcdRoot(dir), { recursive: true, force: true });
}

async function prepareDirectories(dir: string, stores: readonly StorePlan[]): Promise<void> {
  removeDataDirectories(dir);
  rmSync(agentsRoot(dir), { recursive: true, force: true }); // An earlier lab's audit would mislead these agents.
  mkdirSync(dataRoot(dir), { recursive: true, mode: 0o711 });
  mkdirSync(logsDir(dir), { recursive: true });
  allowTraversal(dataRoot(dir));
  allowTraversal(logsDir(dir));
  for (const store of stores) await ensureOwnedDir(join(dataRoot(dir), store.store), 'postgres');
}

/**
 * PostgreSQL runs as `postgres` and must reach its data directory and log through every parent
 * directory. Adds only the search bit for others (never read or write) where it is missing, e.g.
 * on a private temporary directory holding the lab.
 */
function allowTraversal(path: string): void {
  for (let p = path; ; p = dirname(p)) {
    const mode = statSync(p).mode;
    if ((mode & 0o001) === 0) chmodSync(p, (mode & 0o7777) | 0o001);
    if (dirname(p) === p) return;
  }
}

/**
 * Starts the members (clients over TLS with certificates, etcd-certs.ts), waits until each is
 * healthy, then turns RBAC on: the agents start after this, as users limited to meridian/.
 */
async function startEtcd(members: readonly EtcdMemberPlan[], dir: string, deadline: number, signal: AbortSignal): Promise<void> {
  const started = members.map((m) => ({ m, proc: startInRegion(m.region, 'etcd', `etcd-${m.region}`, m.argv) }));
  // The members take no client without a certificate from the lab's etcd CA, /health included.
  const tls = loadTlsDir(labEtcdRootDir(dir), 'etcd TLS');
  // /health answers 200 only once the member sees a leader and can serve a quorum read.
  await Promise.all(started.map(({ m, proc }) => waitHealthy(proc, [`${m.member.clientUrl}/health`], deadline, signal, tls)));
  if (signal.aborted || members.length === 0) return;
  await enableLabEtcdRbac(dir, members.map((m) => m.member.clientUrl), members.map((m) => m.region));
}

/** One certificate per region with a member (its database address serves every store there). */
function pgMemberIdentities(stores: readonly StorePlan[]): PgMemberIdentity[] {
  const hosts = new Map<string, Set<string>>();
  for (const m of stores.flatMap((s) => [s.primary, ...s.standbys])) hosts.set(m.region, (hosts.get(m.region) ?? new Set()).add(m.host));
  return [...hosts].map(([region, ips]) => ({ region, ips: [...ips] }));
}

async function startStore(plan: StorePlan, dbCredentials: DbCredentials, dir: string, signal: AbortSignal): Promise<void> {
  // From the host (an address in LAB_NETWORKS) the admin and replication roles must use TLS.
  const credentials = { ...dbCredentials, tls: labPgClientTls(dir) };
  await initPrimary({
    member: plan.primary,
    auth: credentials,
    syncStandbyNames: plan.syncStandbyNames,
    allowCidrs: LAB_NETWORKS,
    app: { user: credentials.appUser, password: credentials.appPassword, database: plan.database },
    settings: LAB_PG_SETTINGS,
    initdbArgs: LAB_INITDB_ARGS,
  });
  adoptPostmaster(plan.store, plan.primary);
  if (signal.aborted) return;
  await Promise.all(
    plan.standbys.map(async (standby) => {
      // The CA path its own agent will use (--pg-tls), so the primary_conninfo written now is the one the agent would write.
      const auth = { ...credentials, tls: labPgTlsDirClient(dir, standby.region) };
      const result = await createStandby({ member: standby, primary: plan.primary, auth });
      if (result.kind === 'unreachable') throw new InfraError(`standby ${standby.region} of store ${plan.store}: primary unreachable: ${result.reason}`);
      adoptPostmaster(plan.store, standby);
    }),
  );
}

function adoptPostmaster(store: string, member: PgMember & { readonly region: string }): void {
  const pidFile = join(member.dataDir, 'postmaster.pid');
  const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
  if (!Number.isInteger(pid) || pid <= 1) throw new InfraError(`${pidFile} names no postmaster PID`);
  const log = member.logFile ?? `${member.dataDir}.log`;
  adoptProcess(member.region, 'postgres', postgresProcessName(store, member.region), pid, ['postgres', '-D', member.dataDir], log);
}
