/**
 * Materialization: the lab fills in what a production topology carries by hand, from its address
 * layout: the agents' addresses, every region's public endpoints, and, when there are stores,
 * each region's etcd member and each store's database address per member region. Values the user
 * wrote there are replaced: inside the lab only the lab's addresses exist.
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
      // An etcd address the file carried is dropped when the lab runs none (a topology without stores).
      const { etcd: _ignored, ...rest } = region;
      return { ...rest, agent: { dns: at.dns, api: at.api, peer: at.peer }, ...(at.etcd ? { etcd: { client: at.etcd.client, peer: at.etcd.peer } } : {}) };
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
    stores: topology.stores.map((store) => ({
      ...store,
      endpoints: Object.fromEntries(
        [store.primaryRegion, ...store.replicaRegions].map((name) => {
          const database = layout.regions.find((r) => r.name === name)?.database;
          if (!database) throw new Error(`layout has no database address for store ${store.name} in ${name}`);
          return [name, database.ipv4];
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
