/**
 * spec: the topology file. `loadTopologyFile`/`parseTopology` return a validated, deeply
 * frozen Topology or throw SpecError listing every problem as file:line:column.
 * Callers never re-validate: a Topology value is valid by construction.
 */
export * from './schema.ts';
export { loadTopologyFile, parseTopology, SpecError, formatProblem, type SpecProblem } from './load.ts';
export { DEFAULT_TOPOLOGY_YAML } from './default-topology.ts';
export { fqdn, serviceByFqdn, regionNames } from './names.ts';
