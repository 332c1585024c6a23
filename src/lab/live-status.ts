/**
 * The lab's status with its data layer observed now: each etcd member's health, and each store's
 * current primary, members and WAL positions read from the databases. What `lab status` and
 * `lab up` print; `readLabStatus` (status.ts) stays the cheap, synchronous view without I/O.
 * Reading the databases needs the lab's passwords, so only root sees the stores' live state.
 */
import { loadTlsDir } from '../common/tls-dir.ts';
import { loadTopologyFile } from '../spec/index.ts';
import { readCredentials, type DbCredentials } from './credentials.ts';
import { labEtcdRootDir } from './etcd-certs.ts';
import { existingLabPgClientTls } from './pg-certs.ts';
import type { PgTls } from '../data/index.ts';
import { httpGet, type ClientTls } from './http.ts';
import type { LabLayout } from './layout.ts';
import { isAlive } from './procs.ts';
import { labDir, readState } from './state.ts';
import { labStatus, type LabStatus } from './status.ts';
import { observeStores, storeTargets, type ObserveOptions, type StoreStatus } from './store-view.ts';

export interface EtcdStatus {
  readonly region: string;
  /** `https://ip:2379`. */
  readonly client: string;
  readonly peer: string;
  /** The member answers /health with a leader (it can serve a quorum read). */
  readonly healthy: boolean;
}

export interface LiveLabStatus extends LabStatus {
  /** One member per region; empty for a topology without stores. */
  readonly etcd: readonly EtcdStatus[];
  readonly stores: readonly StoreStatus[];
}

export async function readLiveLabStatus(): Promise<LiveLabStatus | undefined> {
  const dir = labDir();
  const state = readState(dir);
  if (!state) return undefined;
  const base = labStatus(state, dir, isAlive);
  const [etcd, stores] = await Promise.all([observeEtcd(state.layout, etcdClientTls(dir)), observeLabStores(base.topologyFile, readCredentials(dir), existingLabPgClientTls(dir))]);
  return { ...base, etcd, stores };
}

/**
 * Etcd members of the layout with their health, asked over HTTP with a one-second bound; over
 * https with `tls` (the lab's root client certificate: the members require one).
 */
export async function observeEtcd(layout: LabLayout, tls?: ClientTls): Promise<EtcdStatus[]> {
  return Promise.all(
    layout.regions
      .flatMap((r) => (r.etcd ? [{ region: r.name, client: r.etcd.client, peer: r.etcd.peer }] : []))
      .map(async (m) => ({ ...m, healthy: await etcdHealthy(m.client, tls) })),
  );
}

/** The lab's root etcd certificate, or undefined when it cannot be read (no stores, not root, being rebuilt): members then show unhealthy. */
function etcdClientTls(dir: string): ClientTls | undefined {
  try {
    return loadTlsDir(labEtcdRootDir(dir), 'etcd TLS');
  } catch {
    return undefined;
  }
}

async function etcdHealthy(clientUrl: string, tls: ClientTls | undefined): Promise<boolean> {
  try {
    const res = await httpGet(`${clientUrl}/health`, 1000, {}, tls);
    return res.status === 200 && (JSON.parse(res.body) as { health?: unknown }).health === 'true';
  } catch {
    return false;
  }
}

async function observeLabStores(topologyFile: string, credentials: DbCredentials | undefined, tls: PgTls | undefined): Promise<StoreStatus[]> {
  let targets;
  try {
    targets = storeTargets(loadTopologyFile(topologyFile));
  } catch {
    return []; // The lab is being torn down or rebuilt right now.
  }
  const opts: ObserveOptions = credentials
    ? { admin: { user: credentials.adminUser, password: credentials.adminPassword }, app: { user: credentials.appUser, password: credentials.appPassword }, ...(tls ? { tls } : {}) }
    : {};
  return observeStores(targets, opts);
}
