/**
 * Runs the Patroni baseline on a lab brought up without agents: one Patroni per region inside
 * the region's namespace, as the `postgres` user (Patroni refuses root), on the lab's etcd (over
 * TLS with a login of its own when the lab's etcd wants that: patroni-etcd.ts),
 * managing its own PostgreSQL on the region's database address, port 5433. The first region's
 * member bootstraps the cluster (so the first leader is known), the others clone from it.
 *
 * Every Patroni is started through the ProcessGroup (`setpriv` and `ip netns exec` exec, so the
 * PID held is Patroni's); `stop()` stops them with SIGTERM (Patroni then stops its PostgreSQL)
 * and afterwards ends any postmaster still running on one of our data directories.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, readdirSync, readFileSync } from 'node:fs';
import { InfraError } from '../../src/common/errors.ts';
import { DEFAULT_PG_BIN_DIR, ensureOwnedDir, writeOwnedFile } from '../../src/data/index.ts';
import { labDir, regionNamespace } from '../../src/lab/index.ts';
import type { Topology } from '../../src/spec/index.ts';
import { waitUntil, type Managed, type ProcessGroup } from '../lib/processes.ts';
import {
  memberConfigFile, memberDataDir, memberLogDir, memberSocketDir, patroniYaml, PATRONI_PG_PORT, type PatroniClusterSpec, type PatroniMember, type PatroniSetting,
} from './patroni-config.ts';
import { grantPatroniEtcd } from './patroni-etcd.ts';
import { apiUrl, getJson, readPatroniCluster } from './patroni-rest.ts';

const OS_USER = 'postgres';
/** Patroni's shutdown stops PostgreSQL first (fast mode); give it time before SIGKILL. */
const STOP_GRACE_MS = 20_000;

export interface PatroniCluster {
  readonly spec: PatroniClusterSpec;
  readonly members: readonly PatroniMember[];
  /** Region → database address. */
  readonly addresses: Readonly<Record<string, string>>;
  readonly processes: readonly Managed[];
  stop(): Promise<void>;
}

export interface StartPatroniOptions {
  readonly group: ProcessGroup;
  /** The lab's materialized topology (etcd and database addresses filled in). */
  readonly topology: Topology;
  readonly setting: PatroniSetting;
  readonly print: (line: string) => void;
  /** Bound on the whole start: bootstrap, clones, streaming. @default 180000 */
  readonly timeoutMs?: number;
  /** Keep each member's Patroni log here (`<logDir>/<region>/patroni.log`); else only the last lines in memory. */
  readonly logDir?: string;
}

/** Members in the store's order (its primary region first), each on the region's database address. */
export function patroniMembers(topology: Topology, baseDir: string): PatroniMember[] {
  const store = topology.stores[0];
  if (!store) throw new InfraError('the lab topology has no store: its database addresses are where Patroni runs');
  return [store.primaryRegion, ...store.replicaRegions].map((region) => {
    const address = store.endpoints?.[region];
    if (!address) throw new InfraError(`the lab topology lists no database address for ${region}`);
    return { region, address, dir: `${baseDir}/${region}` };
  });
}

/** `host:port` of every region's etcd member. */
export function etcdHosts(topology: Topology): string[] {
  return topology.regions.map((r) => {
    if (!r.etcd) throw new InfraError(`the lab topology has no etcd member for ${r.name}`);
    return new URL(r.etcd.client).host;
  });
}

export async function startPatroniCluster(o: StartPatroniOptions): Promise<PatroniCluster> {
  const deadline = Date.now() + (o.timeoutMs ?? 180_000);
  const baseDir = o.group.tempDir(`patroni-${o.setting.name}`);
  chmodSync(baseDir, 0o755); // postgres must reach its member directory below
  const stamp = Date.now();
  const namespace = `/meridian-bench-${stamp}/`;
  const members = patroniMembers(o.topology, baseDir);
  for (const m of members) await ensureOwnedDir(m.dir, OS_USER, 0o700);
  const etcdAccess = await grantPatroniEtcd({
    labDir: labDir(), clientUrls: o.topology.regions.flatMap((r) => (r.etcd ? [r.etcd.client] : [])), namespace, memberDirs: members.map((m) => m.dir), osUser: OS_USER,
  });
  const spec: PatroniClusterSpec = {
    scope: `meridian-bench-${o.setting.name}`,
    namespace,
    etcdHosts: etcdHosts(o.topology),
    ...(etcdAccess ? { etcdAccess } : {}),
    setting: o.setting,
    superuserPassword: randomBytes(18).toString('base64url'),
    replicationPassword: randomBytes(18).toString('base64url'),
    binDir: DEFAULT_PG_BIN_DIR,
    ...(o.logDir ? { logDir: o.logDir } : {}),
  };
  for (const m of members) {
    if (o.logDir) await ensureOwnedDir(memberLogDir(o.logDir, m), OS_USER, 0o755);
    await ensureOwnedDir(memberSocketDir(m), OS_USER, 0o700);
    await writeOwnedFile(memberConfigFile(m), patroniYaml(spec, m), OS_USER);
  }
  const addresses = Object.fromEntries(members.map((m) => [m.region, m.address]));
  const processes: Managed[] = [];
  const cluster: PatroniCluster = { spec, members, addresses, processes, stop: () => stopCluster(o.group, processes, members) };
  try {
    const [first, ...rest] = members;
    const bootstrap = spawnMember(o.group, first!);
    processes.push(bootstrap);
    o.print(`patroni ${o.setting.name}: ${first!.region} bootstraps (pid ${bootstrap.pid}), namespace ${spec.namespace} on etcd ${spec.etcdHosts.join(', ')}`);
    await waitUntil(`${first!.region} to lead`, async () => (await getJson(apiUrl(first!.address, '/primary'), 1000))?.status === 200, bootstrap, deadline - Date.now());
    for (const m of rest) processes.push(spawnMember(o.group, m));
    let last = '';
    await waitUntil('a whole cluster (leader and two streaming replicas)', async () => {
      const { judgement: state } = await readPatroniCluster(addresses);
      last = state.whole ? '' : state.waitingFor;
      const dead = processes.find((p) => p.hasExited());
      if (dead) throw new InfraError(`${dead.name} exited while the cluster formed:\n${dead.output().trim()}`);
      return state.whole;
    }, bootstrap, deadline - Date.now()).catch((err: unknown) => {
      throw new InfraError(`${err instanceof Error ? err.message : String(err)}${last ? ` (still waiting for ${last})` : ''}`, { cause: err });
    });
    o.print(`patroni ${o.setting.name}: ${members.map((m) => `${m.region} ${m.address}:${PATRONI_PG_PORT}`).join(', ')} running, ${first!.region} leads`);
    return cluster;
  } catch (err) {
    await cluster.stop();
    throw err;
  }
}

function spawnMember(group: ProcessGroup, m: PatroniMember): Managed {
  // ip netns exec and setpriv both exec: the PID is Patroni's. --reset-env gives it postgres's HOME and a plain PATH.
  return group.spawn(`patroni-${m.region}`, 'ip', [
    'netns', 'exec', regionNamespace(m.region),
    'setpriv', '--reuid', OS_USER, '--regid', OS_USER, '--init-groups', '--reset-env',
    'patroni', memberConfigFile(m),
  ], { env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', HOME: '/var/lib/postgresql' } });
}

async function stopCluster(group: ProcessGroup, processes: readonly Managed[], members: readonly PatroniMember[]): Promise<void> {
  await Promise.all(processes.map((p) => group.stop(p, STOP_GRACE_MS)));
  for (const m of members) stopLeftoverPostmaster(memberDataDir(m));
}

/**
 * A Patroni killed before it stopped its PostgreSQL leaves the postmaster running. Ours are
 * found by their data directory (a path under our own temp dir) on the command line, nothing else.
 */
function stopLeftoverPostmaster(dataDir: string): void {
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    let argv: string[];
    try {
      argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    } catch {
      continue;
    }
    const d = argv.indexOf('-D');
    if (d !== -1 && argv[d + 1] === dataDir && argv[0]?.endsWith('/postgres')) {
      try {
        process.kill(Number(pid), 'SIGKILL');
      } catch {
        // gone meanwhile
      }
    }
  }
}
