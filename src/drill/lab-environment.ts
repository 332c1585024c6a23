/**
 * Adapter: a DrillEnvironment over the running lab (the only drill file that imports src/lab).
 * Nameservers are the regions' agents, endpoints are the demo instances of the chosen service,
 * cut/heal are the lab's network partition of a region's bridge port.
 */
import { InputError } from '../common/errors.ts';
import { cutRegion, healRegion, readLabStatus, requireLabHost, type LabStatus } from '../lab/index.ts';
import type { DrillEnvironment, Nameserver, RegionEndpoints } from './types.ts';

/** `ip:port` or `[ip6]:port` → parts. */
function splitHostPort(text: string): { address: string; port: number } {
  const match = /^\[?([^\]]+?)\]?:(\d+)$/.exec(text);
  if (!match) throw new Error(`lab status has a malformed address '${text}'`);
  return { address: match[1]!, port: Number(match[2]) };
}

/** The running lab as a DrillEnvironment for one service (default: the first). */
export function labDrillEnvironment(serviceName?: string): DrillEnvironment {
  const status = readLabStatus();
  if (!status) throw new InputError('no lab is running (start one with: meridian lab up)');
  // Cutting needs root and iproute2: fail before any load is sent, not at the cut.
  requireLabHost();
  return drillEnvironmentFromStatus(status, serviceName, {
    cut: async (region) => void cutRegion(region),
    heal: async (region) => void healRegion(region),
  });
}

export function drillEnvironmentFromStatus(
  status: LabStatus,
  serviceName: string | undefined,
  faults: Pick<DrillEnvironment, 'cut' | 'heal'>,
): DrillEnvironment {
  if (!status.agents) throw new InputError('the lab runs no agents (it was started with --no-agents): nothing answers DNS');
  const cut = status.regions.filter((r) => r.cut).map((r) => r.name);
  if (cut.length > 0) {
    throw new InputError(`a drill starts from a whole lab, but ${cut.join(', ')} ${cut.length > 1 ? 'are' : 'is'} cut (meridian lab heal ${cut[0]})`);
  }
  const names = status.services.map((s) => s.name);
  const service = serviceName ? status.services.find((s) => s.name === serviceName) : status.services[0];
  if (!service) {
    throw new InputError(serviceName ? `unknown service '${serviceName}'; services: ${names.join(', ') || 'none'}` : 'the lab runs no service to drill');
  }
  const nameservers: Nameserver[] = status.regions.map((r) => ({ region: r.name, ...splitHostPort(r.dns) }));
  // Instances of every service are listed together; the service's port picks out its own.
  const endpoints: RegionEndpoints[] = status.regions.map((r) => ({
    region: r.name,
    addresses: r.instances.map(splitHostPort).filter((i) => i.port === service.port).map((i) => i.address),
  }));
  return { fqdn: service.fqdn, port: service.port, nameservers, endpoints, cut: faults.cut, heal: faults.heal };
}
