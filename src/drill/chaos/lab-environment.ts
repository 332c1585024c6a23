/**
 * Adapter: a ChaosEnvironment over the running lab (with db/lab-environment.ts, the only chaos
 * file that imports src/lab). The database drills' lab environment gives the store, the writers'
 * credentials and the faults; this adds the members with the lab's admin login, the agents'
 * /status, and agent kill/restart by the PID records in the lab state, read afresh each time
 * (a restarted agent has a new PID, and later rounds may kill it again).
 */
import { InfraError, InputError } from '../../common/errors.ts';
import { crashRecorded, credentialsEnv, existingLabPgClientTls, httpGet, labAuthHeaders, labDir, readCredentials, readLabStatus, restartRecorded, storeTargets } from '../../lab/index.ts';
import { loadTopologyFile } from '../../spec/index.ts';
import type { PgTls } from '../../data/index.ts';
import { labDbDrillEnvironment } from '../db/lab-environment.ts';
import { readAgentStoreStatus, type AgentStoreStatus } from './agent-status.ts';
import type { ChaosEnvironment } from './types.ts';

const STATUS_TIMEOUT_MS = 800;
const AGENT_READY_MS = 25_000;

export async function labChaosEnvironment(storeName: string): Promise<ChaosEnvironment> {
  const base = await labDbDrillEnvironment(storeName);
  const status = readLabStatus();
  if (!status) throw new InputError('no lab is running (start one with: meridian lab up)');
  const secrets = readCredentials(labDir());
  if (!secrets) throw new InputError(`no database admin login in ${labDir()}: chaos rounds read every member's replication state, so run them as root on the lab's host`);
  const target = storeTargets(loadTopologyFile(status.topologyFile)).find((t) => t.name === storeName)!;
  const apis = status.regions.map((r) => ({ region: r.name, api: r.api }));
  const agentName = (region: string) => `agent-${region}`;
  return {
    ...base,
    members: target.members.map((m) => ({ region: m.region, host: m.host, port: m.port })),
    admin: { user: secrets.adminUser, password: secrets.adminPassword, ...withPgTls() },
    readAgentStatuses: () => readStatuses(apis, storeName),
    killAgent: async (region) => void (await crashRecorded(agentName(region))),
    restartAgent: async (region) => {
      const api = apis.find((a) => a.region === region);
      if (!api) throw new InfraError(`the lab has no agent in ${region}`);
      await restartRecorded(agentName(region), credentialsEnv(secrets), [`${api.api}/healthz`], Date.now() + AGENT_READY_MS);
    },
  };
}

async function readStatuses(apis: readonly { region: string; api: string }[], store: string): Promise<AgentStoreStatus[]> {
  const read = await Promise.all(apis.map(async ({ region, api }) => {
    try {
      const res = await httpGet(`${api}/status`, STATUS_TIMEOUT_MS, labAuthHeaders('viewer'));
      return res.status === 200 ? [readAgentStoreStatus(region, JSON.parse(res.body), store)] : [];
    } catch {
      return []; // Cut, killed or slow: says nothing this time.
    }
  }));
  return read.flat();
}

/** The lab's PostgreSQL CA when its members serve TLS: they require it of the admin role from the host. */
function withPgTls(): { tls?: PgTls } {
  const tls = existingLabPgClientTls(labDir());
  return tls ? { tls } : {};
}
