/** Small derived names every concept needs; computed here so they are spelled one way. */
import type { Service, Topology } from './schema.ts';

export function fqdn(topology: Topology, service: Service): string {
  return `${service.hostname}.${topology.zone}`;
}

export function serviceByFqdn(topology: Topology, name: string): Service | undefined {
  const lower = name.toLowerCase().replace(/\.$/, '');
  return topology.services.find((s) => fqdn(topology, s) === lower);
}

export function regionNames(topology: Topology): string[] {
  return topology.regions.map((r) => r.name);
}
