/**
 * The topology every DNS server in the benchmark answers for: the built-in topology (three
 * regions, service `web` with a failover policy) with public endpoints and agent addresses
 * filled in per region (the agents give the zone its NS records and their glue).
 * The addresses are record data only; nothing ever contacts them.
 */
import { parseDocument } from 'yaml';
import { DEFAULT_TOPOLOGY_YAML, parseTopology, type Topology } from '../../src/spec/index.ts';

/** Two IPv4 and one IPv6 endpoint per region, so A and AAAA queries both have answers. */
export const BENCH_ENDPOINTS: Readonly<Record<string, readonly string[]>> = {
  'eu-west': ['10.231.1.11', '10.231.1.12', 'fd00:231:1::11'],
  'us-east': ['10.231.2.11', '10.231.2.12', 'fd00:231:2::11'],
  'ap-south': ['10.231.3.11', '10.231.3.12', 'fd00:231:3::11'],
};

/** Per region, where its agent would serve DNS: record data for NS glue. */
export const BENCH_AGENTS: Readonly<Record<string, string>> = {
  'eu-west': '10.231.1.53',
  'us-east': '10.231.2.53',
  'ap-south': '10.231.3.53',
};

export function benchTopologyYaml(): string {
  const doc = parseDocument(DEFAULT_TOPOLOGY_YAML);
  const regions = doc.toJS().regions as { name: string }[];
  regions.forEach((region, i) => {
    const ip = BENCH_AGENTS[region.name];
    if (ip) doc.setIn(['regions', i, 'agent'], doc.createNode({ dns: `${ip}:53`, api: `http://${ip}:7700` }, { flow: true }));
  });
  doc.setIn(['services', 0, 'endpoints'], doc.createNode(BENCH_ENDPOINTS, { flow: true }));
  return doc.toString();
}

export function benchTopology(): Topology {
  return parseTopology(benchTopologyYaml(), 'bench-topology.yaml');
}
