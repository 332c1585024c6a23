/**
 * `lab up`: materialize the topology, build the network, start agents and demo apps in parallel
 * and wait until each answers its health URL. Idempotent: the same `up` on an intact lab changes
 * nothing; anything half there (a crashed run, another topology) is torn down and rebuilt.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_TOPOLOGY_YAML, loadTopologyFile, parseTopology, type Topology } from '../spec/index.ts';
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
import { labStatus, type LabStatus } from './status.ts';
import { startInRegion, waitHealthy, type Supervised } from './supervise.ts';

/** The CLI entry every lab process runs (`node bin/meridian.js …`). */
export const MERIDIAN_BIN = resolve(dirname(fileURLToPath(import.meta.url)), '../../bin/meridian.js');

export interface LabUpOptions {
  /** Topology file; the built-in topology when absent. */
  readonly topologyFile?: string;
  /** Start the regional agents (default true). */
  readonly agents?: boolean;
  /** Bound on waiting for every process to be healthy (default 25 s). */
  readonly readyTimeoutMs?: number;
}

export type LabUpOutcome = 'created' | 'alreadyUp' | 'rebuilt';

export interface LabUpResult {
  readonly outcome: LabUpOutcome;
  readonly status: LabStatus;
}

export async function labUp(opts: LabUpOptions = {}): Promise<LabUpResult> {
  requireLabHost();
  const source = opts.topologyFile ?? '<built-in topology>';
  const topology = opts.topologyFile ? loadTopologyFile(opts.topologyFile) : parseTopology(DEFAULT_TOPOLOGY_YAML, source);
  const agents = opts.agents ?? true;
  const layout = labLayout(topology);
  const digest = createHash('sha256').update(JSON.stringify({ topology, agents })).digest('hex');
  const dir = labDir();

  const existing = readState(dir);
  if (existing && existing.digest === digest && isIntact(existing)) {
    return { outcome: 'alreadyUp', status: labStatus(existing, dir, isAlive) };
  }
  const leftovers = existing !== undefined || listLabNamespaces().length > 0 || listLabLinks().length > 0;
  if (leftovers) await teardown();

  const topologyFile = writeMaterialized(topology, layout, source, dir);
  writeState(initialState(layout, digest, agents, topologyFile), dir);
  try {
    for (const cmd of buildNetworkPlan(layout)) runIp(cmd);
    allowBridgeForwarding();
    writeResolvConfs(layout);
    await startAll(layout, topologyFile, agents, Date.now() + (opts.readyTimeoutMs ?? 25_000));
  } catch (err) {
    await teardown().catch(() => undefined); // Keep the first error; down can be re-run by hand.
    throw err;
  }
  const state = updateState((s) => ({ ...s, phase: 'up' }), dir);
  return { outcome: leftovers ? 'rebuilt' : 'created', status: labStatus(state, dir, isAlive) };
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

function writeMaterialized(topology: Topology, layout: LabLayout, source: string, dir: string): string {
  const file = topologyPath(dir);
  mkdirSync(dir, { recursive: true });
  writeFileSync(file, topologyYaml(materializeTopology(topology, layout), source));
  loadTopologyFile(file); // The agents load it the same way: a file they would reject fails here.
  return file;
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

async function startAll(layout: LabLayout, topologyFile: string, agents: boolean, deadline: number): Promise<void> {
  const giveUp = new AbortController();
  const started: Promise<void>[] = [];
  for (const region of layout.regions) {
    for (const inst of region.instances) started.push(startDemoApp(region, inst, deadline, giveUp.signal));
    if (agents) started.push(startAgent(region, topologyFile, deadline, giveUp.signal));
  }
  // Each start runs synchronously up to its first await, so every process is spawned and recorded
  // by now: failing on the first error (and tearing down) leaves nothing unrecorded behind.
  try {
    await Promise.all(started);
  } finally {
    giveUp.abort(); // The other readiness polls stop instead of running to the deadline.
  }
}

async function startDemoApp(region: RegionLayout, inst: RegionLayout['instances'][number], deadline: number, signal: AbortSignal): Promise<void> {
  const proc: Supervised = startInRegion(region.name, 'app', `app-${region.name}-${inst.service}-${inst.instance}`, [
    process.execPath, MERIDIAN_BIN, 'demo-app',
    '--region', region.name, '--service', inst.service, '--instance', String(inst.instance),
    '--listen', hostPort(inst.ipv4, inst.port), '--listen', hostPort(inst.ipv6, inst.port),
  ]);
  const urls = [`http://${hostPort(inst.ipv4, inst.port)}/healthz`, `http://${hostPort(inst.ipv6, inst.port)}/healthz`];
  return waitHealthy(proc, urls, deadline, signal);
}

async function startAgent(region: RegionLayout, topologyFile: string, deadline: number, signal: AbortSignal): Promise<void> {
  const proc = startInRegion(region.name, 'agent', `agent-${region.name}`, [
    process.execPath, MERIDIAN_BIN, 'agent', '-f', topologyFile, '--region', region.name,
  ]);
  return waitHealthy(proc, [`${region.api}/healthz`], deadline, signal);
}
