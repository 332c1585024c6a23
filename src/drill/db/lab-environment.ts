/**
 * Adapter: a DbDrillEnvironment over the running lab (the only drill/db file that imports
 * src/lab). The store's members and primary come from the lab's live store view (SQL reads of
 * every member), the agents' runbooks from their GET /status, faults from the lab (cut/heal) and
 * from signals to the member's postmaster, found through its data directory's postmaster.pid.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { InfraError, InputError } from '../../common/errors.ts';
import {
  MERIDIAN_BIN, credentialsEnv, credentialsFromEnv, cutRegion, dataRoot, healRegion, httpGet, labDir, observeStores, readCredentials,
  existingLabPgClientTls, labAuthHeaders,
  readLabStatus, regionNamespace, requireLabHost, restartRecorded, storeTargets, type LabStatus,
} from '../../lab/index.ts';
import { loadTopologyFile, type Topology } from '../../spec/index.ts';
import { agentStoreView } from './agent-views.ts';
import { startChildWriter } from './child-writer.ts';
import { WRITER_CREDENTIAL_ENV } from './local-writer.ts';
import { postmasterPidOf, signalCluster, type ClusterSignal } from './pg-processes.ts';
import type { AgentStoreView, DbDrillEnvironment, LocalWriterOptions, StoreSnapshot } from './types.ts';

export interface LabDbDrillOptions {
  /** Web service for the http transport. @default the first */
  readonly service?: string;
}

/** `ip:port` or `[ip6]:port` → parts. */
function splitHostPort(text: string): { address: string; port: number } {
  const match = /^\[?([^\]]+?)\]?:(\d+)$/.exec(text);
  if (!match) throw new Error(`lab status has a malformed address '${text}'`);
  return { address: match[1]!, port: Number(match[2]) };
}

export async function labDbDrillEnvironment(storeName: string, opts: LabDbDrillOptions = {}): Promise<DbDrillEnvironment> {
  const status = readLabStatus();
  if (!status) throw new InputError('no lab is running (start one with: meridian lab up)');
  requireLabHost(); // cutting and signalling need root: fail before any load is sent
  if (!status.agents) throw new InputError('the lab runs no agents (it was started with --no-agents): nothing fails the store over');
  const cut = status.regions.filter((r) => r.cut).map((r) => r.name);
  if (cut.length > 0) throw new InputError(`a drill starts from a whole lab, but ${cut.join(', ')} ${cut.length > 1 ? 'are' : 'is'} cut (meridian lab heal ${cut[0]})`);
  const topology = loadTopologyFile(status.topologyFile);
  const spec = topology.stores.find((s) => s.name === storeName);
  if (!spec) throw new InputError(`unknown store '${storeName}'; stores: ${topology.stores.map((s) => s.name).join(', ') || 'none'}`);
  const target = storeTargets(topology).find((t) => t.name === storeName)!;
  const dir = labDir();
  const secrets = readCredentials(dir);
  const fromEnv = credentialsFromEnv(process.env);
  const user = secrets?.appUser ?? fromEnv.appUser;
  const password = secrets?.appPassword ?? fromEnv.appPassword;
  if (!user || !password) throw new InputError(`no database credentials: run as root (the lab keeps them in ${dir}) or set ${WRITER_CREDENTIAL_ENV.user} and ${WRITER_CREDENTIAL_ENV.password}`);
  const admin = secrets ? { user: secrets.adminUser, password: secrets.adminPassword } : undefined;
  const credentials = { user, password, database: target.database, port: spec.port };
  const memberRegions = Object.fromEntries(target.members.map((m) => [hostPortKey(m.host, m.port), m.region]));
  const service = opts.service ? status.services.find((s) => s.name === opts.service) : status.services[0];
  if (opts.service && !service) throw new InputError(`unknown service '${opts.service}'; services: ${status.services.map((s) => s.name).join(', ')}`);
  const dataDirOf = (region: string) => join(dataRoot(dir), storeName, region);
  const signalDatabase = (region: string, signal: ClusterSignal) => {
    const pid = postmasterPidOf(dataDirOf(region));
    if (!pid) throw new InfraError(`no postmaster.pid for ${storeName} in ${region} (${dataDirOf(region)}): is its database running?`);
    signalCluster(pid, signal);
  };

  return {
    store: {
      name: storeName,
      primaryFqdn: target.primaryFqdn,
      replication: spec.replication,
      credentials,
      memberRegions,
      targets: { rtoMs: spec.targets.rto, rpoMs: spec.targets.rpo },
      leaseTtlMs: topology.failover.leaseTtl,
    },
    ...(service ? { web: { fqdn: service.fqdn, port: service.port } } : {}),
    appRows: { kind: 'appTable', table: 'orders', column: 'id' },
    nameservers: status.regions.map((r) => ({ region: r.name, ...splitHostPort(r.dns) })),
    readStore: async () => {
      const tls = existingLabPgClientTls(dir);
      const [seen] = await observeStores([target], admin ? { admin, ...(tls ? { tls } : {}) } : {});
      return snapshotOf(seen!);
    },
    readAgents: () => readAgentViews(status, storeName),
    cutRegion: async (region) => void cutRegion(region),
    healRegion: async (region) => void healRegion(region),
    killDatabase: async (region) => signalDatabase(region, 'SIGKILL'),
    freezeDatabase: async (region) => signalDatabase(region, 'SIGSTOP'),
    thawDatabase: async (region) => signalDatabase(region, 'SIGCONT'),
    killAgent: async (region) => killAgent(status, region),
    restartAgent: async (region) => restartAgent(status, topology, region),
    startLocalWriter: (region, address, o) => startLocalWriter(region, address, o, credentials, memberRegions),
  };
}

function hostPortKey(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

export function snapshotOf(s: { primary: string; primarySource: 'observed' | 'topology'; members: readonly { region: string; role: 'primary' | 'standby' | 'unknown'; address: string; reachable: boolean; lsn: string | null }[] }): StoreSnapshot {
  return {
    atMs: Date.now(),
    // A primary taken from the topology because no member answered as one is no primary.
    primary: s.primarySource === 'observed' ? s.primary : null,
    members: s.members.map((m) => ({ region: m.region, role: m.role, address: m.address, reachable: m.reachable, ...(m.lsn ? { lsn: m.lsn } : {}) })),
  };
}

async function readAgentViews(status: LabStatus, store: string): Promise<AgentStoreView[]> {
  const views = await Promise.all(
    status.regions.map(async (r) => {
      try {
        const res = await httpGet(`${r.api}/status`, 800, labAuthHeaders('viewer'));
        return res.status === 200 ? [agentStoreView(r.name, Date.now(), JSON.parse(res.body), store)] : [];
      } catch {
        return []; // An agent that is cut, killed or slow says nothing this round.
      }
    }),
  );
  return views.flat();
}

/** SIGKILL, not the lab's graceful kill: a crashed coordinator does not get to release its lease. */
function killAgent(status: LabStatus, region: string): void {
  const r = status.regions.find((x) => x.name === region);
  const agent = r?.processes.find((p) => p.kind === 'agent' && p.name === `agent-${region}`);
  if (!agent) throw new InfraError(`the lab has no agent in ${region}`);
  const cmdline = readCmdline(agent.pid);
  if (!cmdline.includes('agent') || !cmdline.includes(region)) throw new InfraError(`pid ${agent.pid} is no longer ${region}'s agent`);
  process.kill(agent.pid, 'SIGKILL');
}

async function restartAgent(status: LabStatus, topology: Topology, region: string): Promise<void> {
  const r = status.regions.find((x) => x.name === region);
  if (!r) throw new InfraError(`unknown region ${region}`);
  const secrets = readCredentials(labDir());
  const env = topology.stores.length > 0 && secrets ? credentialsEnv(secrets) : {};
  // The command line `lab up` recorded (with --state-dir and --pg-data: without them the
  // restarted agent could not fence or rejoin its own database).
  await restartRecorded(`agent-${region}`, env, [`${r.api}/healthz`], Date.now() + 25_000);
}

function startLocalWriter(region: string, address: string, o: LocalWriterOptions, credentials: { user: string; password: string; database: string; port: number }, memberRegions: Readonly<Record<string, string>>) {
  const { address: host, port } = splitHostPort(address);
  return startChildWriter({
    argv: [
      'ip', 'netns', 'exec', regionNamespace(region), process.execPath, MERIDIAN_BIN, 'drill', 'write-client',
      '--host', host, '--port', String(port), '--database', credentials.database, '--run', o.runId, '--client', 'local',
      '--rate', String(o.rate), '--answer-ms', String(o.timeoutMs), '--member-regions', JSON.stringify(memberRegions),
    ],
    env: { [WRITER_CREDENTIAL_ENV.user]: credentials.user, [WRITER_CREDENTIAL_ENV.password]: credentials.password, MERIDIAN_LOG_LEVEL: 'warn' },
  });
}

function readCmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
  } catch {
    return '';
  }
}
