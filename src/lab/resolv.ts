/**
 * /etc/netns/<ns>/resolv.conf: `ip netns exec` bind-mounts it over /etc/resolv.conf, so ordinary
 * resolvers (dig, curl, getaddrinfo) inside the lab ask the regional agents.
 */
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { allNetns, LAB_PREFIX, type LabLayout } from './layout.ts';

export const NETNS_ETC = '/etc/netns';

/**
 * A region asks its own agent first, then the others in topology order; clients ask in
 * topology order. glibc reads at most three nameservers; a short timeout makes a cut region's
 * agent cost one second, not five.
 */
export function resolvConf(layout: LabLayout, namespace: string): string {
  const own = layout.regions.find((r) => r.namespace === namespace);
  const ordered = own ? [own, ...layout.regions.filter((r) => r !== own)] : layout.regions;
  return [
    "# Written by 'meridian lab up': the regional agents serve the global zone.",
    ...ordered.map((r) => `nameserver ${r.agent.ipv4}`),
    'options timeout:1 attempts:2',
    '',
  ].join('\n');
}

/** Writes every namespace's resolv.conf; returns the directories created. */
export function writeResolvConfs(layout: LabLayout): string[] {
  return allNetns(layout).map((ns) => {
    const dir = join(NETNS_ETC, ns.namespace);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'resolv.conf'), resolvConf(layout, ns.namespace));
    return dir;
  });
}

/** Removes every /etc/netns/mrd-* directory, recorded or not. */
export function removeResolvConfs(): void {
  let entries: string[];
  try {
    entries = readdirSync(NETNS_ETC);
  } catch {
    return;
  }
  for (const name of entries) {
    if (name.startsWith(LAB_PREFIX)) rmSync(join(NETNS_ETC, name), { recursive: true, force: true });
  }
  try {
    if (readdirSync(NETNS_ETC).length === 0) rmSync(NETNS_ETC, { recursive: true });
  } catch {
    // Not ours to insist on.
  }
}
