/**
 * Three real agents on loopback (127.0.81.11-13) with a real 3-member etcd and real HTTP
 * endpoints per region (127.0.81.21/31/41), and no store: the agents use etcd only for the
 * traffic controls. Agents run in-process, so a test can close one and start it again.
 */
import { testAuth, testTokensFile } from '../../support/tokens.ts';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { pino } from 'pino';
import { runAgent, type RunningAgent } from '../../../src/agent/index.ts';
import { parseTopology, type Topology } from '../../../src/spec/index.ts';
import { MERIDIAN_BIN } from '../../support/cli.ts';
import { startEtcdCluster, type EtcdTestCluster } from '../../support/etcd-cluster.ts';
import { freePort } from '../../support/ports.ts';
import { EndpointServer, dig, portFreeOn } from '../agent/fixtures.ts';

export const REGIONS = ['ra', 'rb', 'rc'] as const;
export type RegionName = (typeof REGIONS)[number];
export const AGENT_IP: Record<RegionName, string> = { ra: '127.0.81.11', rb: '127.0.81.12', rc: '127.0.81.13' };
export const ENDPOINT_IP: Record<RegionName, string> = { ra: '127.0.81.21', rb: '127.0.81.31', rc: '127.0.81.41' };
export const ZONE = 'traffic.test';
export const PROBE_INTERVAL_MS = 500;

export interface TrafficCluster {
  readonly etcd: EtcdTestCluster;
  readonly topology: Topology;
  readonly topologyFile: string;
  /** A temporary directory, removed by close(). */
  readonly dir: string;
  readonly agents: Map<RegionName, RunningAgent>;
  readonly servers: Record<RegionName, EndpointServer>;
  startAgent(region: RegionName): Promise<RunningAgent>;
  stopAgent(region: RegionName): Promise<void>;
  /** The addresses `name` resolves to at `region`'s agent, with dig. */
  dig(region: RegionName, name: string): Promise<string[]>;
  close(): Promise<void>;
}

/**
 * web: failover ra → rb → rc; wt: weighted ra 50 / rb 50; two: all-healthy, minHealthyRegions 2.
 * Every service uses the same endpoint servers, so stopping one downs its region for all.
 */
export async function startTrafficCluster(): Promise<TrafficCluster> {
  const dir = await mkdtemp(join(tmpdir(), 'meridian-traffic-'));
  const etcd = await startEtcdCluster();
  const agents = new Map<RegionName, RunningAgent>();
  const port = await portFreeOn(Object.values(ENDPOINT_IP));
  const servers = Object.fromEntries(REGIONS.map((r) => [r, new EndpointServer(ENDPOINT_IP[r], port)])) as Record<RegionName, EndpointServer>;
  const dnsPort = {} as Record<RegionName, number>;
  const regions: string[] = [];
  for (const [i, r] of REGIONS.entries()) {
    dnsPort[r] = await freePort(AGENT_IP[r]);
    const m = etcd.members[i]!;
    regions.push(`  - { name: ${r}, agent: { dns: "${AGENT_IP[r]}:${dnsPort[r]}", api: "http://${AGENT_IP[r]}:${await freePort(AGENT_IP[r])}" }, etcd: { client: "${m.clientUrl}", peer: "${m.peerUrl}" } }`);
  }
  const endpoints = `{ ${REGIONS.map((r) => `${r}: ["${ENDPOINT_IP[r]}"]`).join(', ')} }`;
  const common = `port: ${port}, endpoints: ${endpoints}, health: { interval: ${PROBE_INTERVAL_MS}ms, timeout: 300ms }`;
  const yaml = `apiVersion: meridian/v1
zone: ${ZONE}
dns: { ttl: 1 }
regions:
${regions.join('\n')}
services:
  - { name: web, hostname: web, ${common}, policy: { type: failover, order: [ra, rb, rc] } }
  - { name: wt, hostname: wt, ${common}, policy: { type: weighted, weights: { ra: 50, rb: 50 } } }
  - { name: two, hostname: two, ${common}, policy: { type: all-healthy }, minHealthyRegions: 2 }
`;
  const topology = parseTopology(yaml);
  const topologyFile = join(dir, 'meridian.yaml');
  await writeFile(topologyFile, yaml);
  const close = async () => {
    await Promise.all([...agents.values()].map((a) => a.close().catch(() => undefined)));
    await Promise.all([...Object.values(servers).map((s) => s.stop()), etcd.close()]);
    await rm(dir, { recursive: true, force: true });
  };
  try {
    for (const s of Object.values(servers)) await s.start();
    const cluster: TrafficCluster = {
      etcd, topology, topologyFile, dir, agents, servers,
      async startAgent(region) {
        const agent = await runAgent({ topology, region, tokensFile: testTokensFile(), logger: pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }).child({ region }) });
        agents.set(region, agent);
        return agent;
      },
      async stopAgent(region) {
        const agent = agents.get(region);
        agents.delete(region);
        await agent?.close();
      },
      dig: (region, name) => dig(AGENT_IP[region], dnsPort[region], `${name}.${ZONE}`),
      close,
    };
    for (const r of REGIONS) await cluster.startAgent(r);
    return cluster;
  } catch (err) {
    await close();
    throw err;
  }
}

/** Runs the real CLI without blocking this process (the agents run in it). */
export async function meridian(args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [MERIDIAN_BIN, ...args], {
      env: { ...process.env, MERIDIAN_LOG_LEVEL: 'silent', ...env }, timeout: 60_000,
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

/** POSTs a traffic request to one agent's API, as the CLI and the dashboard do, with the token of `body.by` (the principal recorded). */
export async function postTraffic(agent: RunningAgent, kind: string, body: Record<string, unknown>): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`http://${agent.api.host}:${agent.api.port}/v1/traffic/${kind}`, {
    method: 'POST', headers: { ...testAuth(body.by === 'bob@ops' ? 'bob@ops' : 'alice@ops'), 'content-type': 'application/json' }, body: JSON.stringify(body), signal: AbortSignal.timeout(10_000),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}
