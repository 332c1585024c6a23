/**
 * `lab up`: materialize the topology, build the network, start the data layer (etcd, PostgreSQL)
 * and the demo apps in parallel, then the agents once the data layer is ready (they connect to
 * etcd and the databases at start), and wait until each answers its health URL. Idempotent: the
 * same `up` on an intact lab changes nothing; anything half there (a crashed run, another
 * topology) is torn down and rebuilt.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_TOPOLOGY_YAML, loadTopologyFile, parseTopology, type Topology } from '../spec/index.ts';
import { credentialsEnv, generateCredentials, writeCredentials, type DbCredentials } from './credentials.ts';
import { writeLabTokens } from './tokens.ts';
import { writeLabCertificates } from './certificates.ts';
import { labAgentArgs } from './agent-args.ts';
import { startDataLayer } from './data-layer.ts';
import { agentDataArgs, checkLabEngines, checkLeaseTtl, replicationPassfilePath, storePlans } from './data-plan.ts';
import { teardown } from './down.ts';
import { allowBridgeForwarding } from './firewall.ts';
import { hostPort } from './http.ts';
import { listLabLinks, listLabNamespaces, runIp } from './ip.ts';
import { labLayout, type LabLayout, type RegionLayout } from './layout.ts';
import { materializeTopology, topologyYaml } from './materialize.ts';
import { buildNetworkPlan } from './netplan.ts';
import { requireLabHost } from './preflight.ts';
import { isAlive } from './procs.ts';
import { writeResolvConfs } from './resolv.ts';
import { labDir, readState, topologyPath, updateState, writeState, type LabState } from './state.ts';
import { readLiveLabStatus, type LiveLabStatus } from './live-status.ts';
import { settleAll } from './settle.ts';
import { startInRegion, waitHealthy, type Supervised } from './supervise.ts';
import { startPrometheus } from './prometheus.ts';
import type { LabAddon } from './addons.ts';

/** The CLI entry every lab process runs (`node bin/meridian.js …`). */
export const MERIDIAN_BIN = resolve(dirname(fileURLToPath(import.meta.url)), '../../bin/meridian.js');

export interface LabUpOptions {
  /** Topology file; the built-in topology when absent. */
  readonly topologyFile?: string;
  /** Start the regional agents (default true). */
  readonly agents?: boolean;
  /** Optional extras started after the agents (part of what `up` compares, like `agents`). */
  readonly with?: readonly LabAddon[];
  /** Bound on waiting for every process to be healthy (default 30 s). */
  readonly readyTimeoutMs?: number;
}

export { LAB_ADDONS, type LabAddon } from './addons.ts';

export type LabUpOutcome = 'created' | 'alreadyUp' | 'rebuilt';

export interface LabUpResult {
  readonly outcome: LabUpOutcome;
  readonly status: LiveLabStatus;
}

export async function labUp(opts: LabUpOptions = {}): Promise<LabUpResult> {
  requireLabHost();
  const source = opts.topologyFile ?? '<built-in topology>';
  const topology = opts.topologyFile ? loadTopologyFile(opts.topologyFile) : parseTopology(DEFAULT_TOPOLOGY_YAML, source);
  const agents = opts.agents ?? true;
  checkLabEngines(topology);
  const layout = labLayout(topology);
  if (topology.stores.length > 0) checkLeaseTtl(topology.failover.leaseTtl);
  const addons = [...new Set(opts.with ?? [])].sort();
  // Without extras the digest is what it was before they existed, so such a lab stays `alreadyUp`.
  const digest = createHash('sha256').update(JSON.stringify(addons.length > 0 ? { topology, agents, with: addons } : { topology, agents })).digest('hex');
  const dir = labDir();

  const existing = readState(dir);
  if (existing && existing.digest === digest && isIntact(existing)) {
    return { outcome: 'alreadyUp', status: await liveStatus() };
  }
  const leftovers = existing !== undefined || listLabNamespaces().length > 0 || listLabLinks().length > 0;
  if (leftovers) await teardown();

  const { file: topologyFile, materialized } = writeMaterialized(topology, layout, source, dir);
  const state = initialState(layout, digest, agents, topologyFile);
  writeState(state, dir);
  try {
    // The replication password reaches standbys through a password file, never in primary_conninfo.
    const credentials = { ...generateCredentials(), replicationPassfile: replicationPassfilePath(dir) };
    writeCredentials(dir, credentials);
    writeLabTokens(dir);
    // CAs and certificates (openssl): mutual TLS between agents, the agents' API over https, etcd's clients and members.
    await writeLabCertificates(dir, layout);
    for (const cmd of buildNetworkPlan(layout)) runIp(cmd);
    allowBridgeForwarding();
    writeResolvConfs(layout);
    const clusterToken = `meridian-lab-${Date.parse(state.createdAt)}`;
    await startAll({ topology: materialized, layout, dir, topologyFile, agents, addons, credentials, clusterToken }, Date.now() + (opts.readyTimeoutMs ?? 30_000));
  } catch (err) {
    await teardown().catch(() => undefined); // Keep the first error; down can be re-run by hand.
    throw err;
  }
  updateState((s) => ({ ...s, phase: 'up' }), dir);
  return { outcome: leftovers ? 'rebuilt' : 'created', status: await liveStatus() };
}

async function liveStatus(): Promise<LiveLabStatus> {
  const status = await readLiveLabStatus();
  if (!status) throw new Error('the lab state vanished while `up` finished');
  return status;
}

/** Same build, every namespace and link present, every process alive. */
function isIntact(state: LabState): boolean {
  if (state.phase !== 'up') return false;
  const namespaces = new Set(listLabNamespaces());
  const links = new Set(listLabLinks());
  return (
    state.namespaces.every((ns) => namespaces.has(ns)) &&
    state.links.every((l) => links.has(l)) &&
    state.processes.every((p) => !p.stoppedAt && isAlive(p))
  );
}

function writeMaterialized(topology: Topology, layout: LabLayout, source: string, dir: string): { file: string; materialized: Topology } {
  const file = topologyPath(dir);
  mkdirSync(dir, { recursive: true });
  writeFileSync(file, topologyYaml(materializeTopology(topology, layout), source));
  // The agents load it the same way: a file they would reject fails here.
  return { file, materialized: loadTopologyFile(file) };
}

function initialState(layout: LabLayout, digest: string, agents: boolean, topologyFile: string): LabState {
  const netns = [...layout.regions, ...layout.clients];
  return {
    version: 1,
    phase: 'building',
    createdAt: new Date().toISOString(),
    digest,
    agents,
    topologyFile,
    layout,
    namespaces: netns.map((n) => n.namespace),
    links: [layout.bridge.name, ...netns.map((n) => n.hostLink)],
    resolvConfDirs: netns.map((n) => `/etc/netns/${n.namespace}`),
    cut: [],
    processes: [],
  };
}

interface StartContext {
  /** Materialized: the lab's addresses filled in. */
  readonly topology: Topology;
  readonly layout: LabLayout;
  readonly dir: string;
  readonly topologyFile: string;
  readonly agents: boolean;
  readonly addons: readonly LabAddon[];
  readonly credentials: DbCredentials;
  readonly clusterToken: string;
}

/**
 * Demo apps and the data layer start together; the agents follow the data layer. On the first
 * failure everything else stops waiting and starts nothing new, and only when every task has
 * finished does the error reach `up` (which tears down), so no process is left unrecorded.
 */
async function startAll(ctx: StartContext, deadline: number): Promise<void> {
  const giveUp = new AbortController();
  const { signal } = giveUp;
  const apps = ctx.layout.regions.flatMap((region) => region.instances.map((inst) => startDemoApp(ctx, region, inst, deadline, signal)));
  const dataThenAgents = (async () => {
    await startDataLayer({ ...ctx, deadline, signal });
    if (signal.aborted) return;
    if (ctx.agents) await Promise.all(ctx.layout.regions.map((region) => startAgent(ctx, region, deadline, signal)));
    if (ctx.addons.includes('prometheus') && !signal.aborted) await startPrometheus({ layout: ctx.layout, dir: ctx.dir, deadline, signal });
  })();
  try {
    await settleAll([...apps, dataThenAgents], giveUp);
  } finally {
    giveUp.abort(); // The other readiness polls stop instead of running to the deadline.
  }
}

async function startDemoApp(ctx: StartContext, region: RegionLayout, inst: RegionLayout['instances'][number], deadline: number, signal: AbortSignal): Promise<void> {
  const proc: Supervised = startInRegion(region.name, 'app', `app-${region.name}-${inst.service}-${inst.instance}`, [
    process.execPath, MERIDIAN_BIN, 'demo-app',
    '--region', region.name, '--service', inst.service, '--instance', String(inst.instance),
    '--listen', hostPort(inst.ipv4, inst.port), '--listen', hostPort(inst.ipv6, inst.port),
    ...demoStoreArgs(ctx.topology),
  ], ctx.topology.stores.length > 0 ? credentialsEnv(ctx.credentials, ['appUser', 'appPassword']) : {});
  const urls = [`http://${hostPort(inst.ipv4, inst.port)}/healthz`, `http://${hostPort(inst.ipv6, inst.port)}/healthz`];
  return waitHealthy(proc, urls, deadline, signal);
}

/** The demo app writes to the first store, by its GSLB name; the endpoints are its fallback. */
function demoStoreArgs(topology: Topology): string[] {
  const store = topology.stores[0];
  if (!store) return [];
  return [
    '--db-host', `${store.primaryHostname}.${topology.zone}`,
    '--db-port', String(store.port),
    '--db-name', store.database,
    '--db-fallback', Object.values(store.endpoints ?? {}).join(','),
  ];
}

async function startAgent(ctx: StartContext, region: RegionLayout, deadline: number, signal: AbortSignal): Promise<void> {
  const withStores = ctx.topology.stores.length > 0;
  const dataArgs = withStores ? agentDataArgs(storePlans(ctx.topology, ctx.layout, ctx.dir), ctx.dir, region.name) : [];
  const proc = startInRegion(region.name, 'agent', `agent-${region.name}`, [
    process.execPath, MERIDIAN_BIN, ...labAgentArgs({ dir: ctx.dir, topologyFile: ctx.topologyFile, region, dataArgs }),
  ], withStores ? credentialsEnv(ctx.credentials) : {});
  // Over https, verified against the lab's API CA (http.ts), as every client of the lab's agents does.
  return waitHealthy(proc, [`${region.api}/healthz`], deadline, signal);
}
