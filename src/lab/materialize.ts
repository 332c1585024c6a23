/**
 * Materialization: the lab fills in what a production topology carries by hand, the agents'
 * addresses and every region's public endpoints, from its address layout. Values the user wrote
 * there are replaced: inside the lab only the lab's addresses exist.
 */
import { stringify } from 'yaml';
import type { Topology } from '../spec/index.ts';
import { labLayout, type LabLayout } from './layout.ts';

export function materializeTopology(topology: Topology, layout: LabLayout = labLayout(topology)): Topology {
  return {
    ...topology,
    regions: topology.regions.map((region, i) => {
      const at = layout.regions[i];
      if (!at || at.name !== region.name) throw new Error(`layout does not match region ${region.name}`);
      return { ...region, agent: { dns: at.dns, api: at.api } };
    }),
    services: topology.services.map((service) => ({
      ...service,
      endpoints: Object.fromEntries(
        layout.regions.map((r) => {
          const mine = r.instances.filter((inst) => inst.service === service.name);
          return [r.name, [...mine.map((inst) => inst.ipv4), ...mine.map((inst) => inst.ipv6)]];
        }),
      ),
    })),
  };
}

/** The materialized topology as the YAML file the agents load. */
export function topologyYaml(topology: Topology, source: string): string {
  const header = `# Written by 'meridian lab up' from ${source}: the lab's addresses filled in. Do not edit;\n# it is rewritten on every 'lab up'.\n`;
  return header + stringify(topology, { lineWidth: 0 });
}
