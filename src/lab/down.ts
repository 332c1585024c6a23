/**
 * Teardown that trusts nothing: it stops the recorded processes AND every process the kernel
 * says lives in an `mrd-*` namespace (a crashed run's), then deletes every `mrd-*` namespace,
 * link, /etc/netns entry and its iptables rule, and the data layer's directories and passwords
 * (PostgreSQL and etcd run inside the namespaces, so a crashed run's are found the same way).
 * Works with no state file and is safe to run twice.
 */
import { rmSync } from 'node:fs';
import { InfraError } from '../common/errors.ts';
import { removeCredentials } from './credentials.ts';
import { removeLabTokens } from './tokens.ts';
import { labPeerTlsRoot } from './peer-certs.ts';
import { removeDataDirectories } from './data-layer.ts';
import { removeBridgeForwarding } from './firewall.ts';
import { listLabLinks, listLabNamespaces, netnsPids, tryIp } from './ip.ts';
import { BRIDGE } from './layout.ts';
import { isAlive, stopProcesses, type ProcessRef } from './procs.ts';
import { removeResolvConfs } from './resolv.ts';
import { requireLabHost } from './preflight.ts';
import { labDir, readState, removeState, topologyPath } from './state.ts';

export interface LabDownResult {
  readonly stoppedProcesses: number;
  readonly namespaces: readonly string[];
  readonly links: readonly string[];
}

export async function labDown(): Promise<LabDownResult> {
  requireLabHost();
  return teardown();
}

/** labDown without the host check, for callers that already made it. */
export async function teardown(): Promise<LabDownResult> {
  const dir = labDir();
  const state = readState(dir);
  const namespaces = listLabNamespaces();
  const refs = new Map<number, ProcessRef>();
  for (const p of state?.processes ?? []) refs.set(p.pid, p);
  for (const ns of namespaces) for (const pid of netnsPids(ns)) if (!refs.has(pid)) refs.set(pid, { pid, startTicks: null });
  const live = [...refs.values()].filter(isAlive);
  // An etcd leader told to stop first tries to hand its leadership to a peer, and waits for one
  // that is being stopped too; its data is discarded anyway, so it gets no grace period.
  const isEtcd = (r: ProcessRef) => 'kind' in r && r.kind === 'etcd';
  const survivors = (await Promise.all([stopProcesses(live.filter(isEtcd), 0), stopProcesses(live.filter((r) => !isEtcd(r)))])).flat();

  for (const ns of namespaces) tryIp(['netns', 'del', ns]);
  // Deleting a namespace deletes its veth pair; what is left is the bridge and strays.
  const links = listLabLinks().sort((a, b) => Number(a === BRIDGE.name) - Number(b === BRIDGE.name));
  for (const link of links) tryIp(['link', 'del', link]);
  removeBridgeForwarding();
  removeResolvConfs();
  removeState(dir);
  rmSync(topologyPath(dir), { force: true });
  // Only once nothing runs any more: a live postmaster must never lose its data directory.
  if (survivors.length === 0) removeDataDirectories(dir);
  removeCredentials(dir);
  removeLabTokens(dir);
  rmSync(labPeerTlsRoot(dir), { recursive: true, force: true });

  const leftNs = listLabNamespaces();
  const leftLinks = listLabLinks();
  if (survivors.length > 0 || leftNs.length > 0 || leftLinks.length > 0) {
    throw new InfraError(
      `lab teardown incomplete: ${[
        survivors.length > 0 ? `processes still alive: ${survivors.map((r) => r.pid).join(', ')}` : '',
        leftNs.length > 0 ? `namespaces left: ${leftNs.join(', ')}` : '',
        leftLinks.length > 0 ? `links left: ${leftLinks.join(', ')}` : '',
      ].filter(Boolean).join('; ')}`,
    );
  }
  return { stoppedProcesses: live.length, namespaces, links: [...new Set([...(state?.links ?? []), ...links])] };
}
