/**
 * The network as data: the `ip` commands that build the lab, and the ones that cut, heal and
 * refresh it. Pure, so the plan is table-tested and the executor only runs argv lists in order.
 */
import { allNetns, type LabLayout, type NetnsLayout, type RegionLayout } from './layout.ts';

/** Arguments to `ip` (without the `ip` itself). */
export type IpCommand = readonly string[];

export function buildNetworkPlan(layout: LabLayout): IpCommand[] {
  const { bridge } = layout;
  return [
    ['link', 'add', bridge.name, 'type', 'bridge'],
    ['addr', 'add', `${bridge.ipv4}/${layout.prefix4}`, 'dev', bridge.name],
    // nodad: usable at once instead of after duplicate address detection (~1 s).
    ['-6', 'addr', 'add', `${bridge.ipv6}/${layout.prefix6}`, 'dev', bridge.name, 'nodad'],
    ['link', 'set', bridge.name, 'up'],
    ...allNetns(layout).flatMap((ns) => netnsPlan(layout, ns)),
  ];
}

function netnsPlan(layout: LabLayout, ns: NetnsLayout): IpCommand[] {
  const inside = (...args: string[]): IpCommand => ['-n', ns.namespace, ...args];
  return [
    ['netns', 'add', ns.namespace],
    inside('link', 'set', 'lo', 'up'),
    // Created directly inside the namespace under its final name: no window with a stray link.
    ['link', 'add', ns.hostLink, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns.namespace],
    ['link', 'set', ns.hostLink, 'master', layout.bridge.name],
    ['link', 'set', ns.hostLink, 'up'],
    ...ns.addresses.flatMap((a) => [
      inside('addr', 'add', `${a.ipv4}/${layout.prefix4}`, 'dev', 'eth0'),
      inside('-6', 'addr', 'add', `${a.ipv6}/${layout.prefix6}`, 'dev', 'eth0', 'nodad'),
    ]),
    inside('link', 'set', 'eth0', 'up'),
    inside('route', 'add', 'default', 'via', layout.bridge.ipv4),
    inside('-6', 'route', 'add', 'default', 'via', layout.bridge.ipv6),
  ];
}

/**
 * A cut takes the region's bridge port down. The namespace keeps its addresses and processes and
 * still reaches itself over its local routes; no frame crosses between it and anything else.
 */
export function cutPlan(region: RegionLayout): IpCommand[] {
  return [['link', 'set', region.hostLink, 'down']];
}

/**
 * Heal brings the port back, then forgets the neighbour entries that failed during the cut
 * everywhere, so traffic resumes at once instead of after the kernel's ARP/NDP retry back-off.
 */
export function healPlan(layout: LabLayout, region: RegionLayout): IpCommand[] {
  return [
    ['link', 'set', region.hostLink, 'up'],
    ...neighbourFlushPlan(layout),
  ];
}

function neighbourFlushPlan(layout: LabLayout): IpCommand[] {
  return [
    ['neigh', 'flush', 'dev', layout.bridge.name],
    ...allNetns(layout).map((ns): IpCommand => ['-n', ns.namespace, 'neigh', 'flush', 'dev', 'eth0']),
  ];
}
