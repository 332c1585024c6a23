/**
 * Three real agents in this process on loopback addresses `<base>.11-13`, probing real HTTP
 * endpoints on `<base>.21/.22` (ra), `.31` (rb) and `.41` (rc), as test/integration/agent does.
 * Services: `web` (failover ra, rb, rc), `all` (all-healthy), `wt` (weighted ra:3, rb:1).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pino } from 'pino';
import { runAgent, type RunningAgent } from '../../../src/agent/index.ts';
import { parseTopology, type Topology } from '../../../src/spec/index.ts';
import { freePort } from '../../support/ports.ts';
import { EndpointServer, portFreeOn } from '../agent/fixtures.ts';

export const REGIONS = ['ra', 'rb', 'rc'] as const;
export type RegionName = (typeof REGIONS)[number];

export interface Cluster {
  readonly topology: Topology;
  readonly yaml: string;
  readonly agentIp: Record<RegionName, string>;
  readonly endpoints: Record<RegionName, readonly string[]>;
  readonly dnsPort: Record<RegionName, number>;
  readonly apiUrl: Record<RegionName, string>;
  readonly agents: Map<RegionName, RunningAgent>;
  readonly servers: Map<string, EndpointServer>;
  /** Stops the endpoint servers of a region (its agent keeps running). */
  cutEndpoints(region: RegionName): Promise<void>;
  restoreEndpoints(region: RegionName): Promise<void>;
  stopAgent(region: RegionName): Promise<void>;
  /** Writes the topology to `dir/meridian.yaml` and returns the path. */
  writeTopology(dir: string): string;
  stop(): Promise<void>;
}

export async function startCluster(base: string): Promise<Cluster> {
  const agentIp = { ra: `${base}.11`, rb: `${base}.12`, rc: `${base}.13` };
  const endpoints = { ra: [`${base}.21`, `${base}.22`], rb: [`${base}.31`], rc: [`${base}.41`] };
  const servicePort = await portFreeOn(Object.values(endpoints).flat());
  const dnsPort = {} as Record<RegionName, number>;
  const apiUrl = {} as Record<RegionName, string>;
  for (const r of REGIONS) {
    dnsPort[r] = await freePort(agentIp[r]);
    apiUrl[r] = `http://${agentIp[r]}:${await freePort(agentIp[r])}`;
  }
  const regionsYaml = REGIONS.map((r) => `  - { name: ${r}, agent: { dns: "${agentIp[r]}:${dnsPort[r]}", api: "${apiUrl[r]}" } }`).join('\n');
  const endpointsYaml = `{ ${REGIONS.map((r) => `${r}: [${endpoints[r].map((a) => `"${a}"`).join(', ')}]`).join(', ')} }`;
  // Fast probes, with a timeout loose enough that a loaded CI machine does not flap healthy endpoints.
  const health = '{ interval: 300ms, timeout: 280ms, healthyThreshold: 2, unhealthyThreshold: 2 }';
  const yaml = `apiVersion: meridian/v1
zone: global.test
regions:
${regionsYaml}
services:
  - { name: web, hostname: web, port: ${servicePort}, endpoints: ${endpointsYaml}, health: ${health}, policy: { type: failover, order: [ra, rb, rc] } }
  - { name: all, hostname: all, port: ${servicePort}, endpoints: ${endpointsYaml}, health: ${health}, policy: { type: all-healthy } }
  - { name: wt, hostname: wt, port: ${servicePort}, endpoints: ${endpointsYaml}, health: ${health}, policy: { type: weighted, weights: { ra: 3, rb: 1 } } }
`;
  const topology = parseTopology(yaml);
  const servers = new Map<string, EndpointServer>();
  const agents = new Map<RegionName, RunningAgent>();
  const stop = async () => {
    await Promise.all([...agents.values()].map((a) => a.close()));
    agents.clear();
    await Promise.all([...servers.values()].map((s) => s.stop()));
  };
  try {
    for (const address of Object.values(endpoints).flat()) {
      const server = new EndpointServer(address, servicePort);
      servers.set(address, server);
      await server.start();
    }
    const logger = pino({ level: 'silent' });
    for (const region of REGIONS) agents.set(region, await runAgent({ topology, region, logger }));
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    topology,
    yaml,
    agentIp,
    endpoints,
    dnsPort,
    apiUrl,
    agents,
    servers,
    cutEndpoints: async (region) => {
      await Promise.all(endpoints[region].map((a) => servers.get(a)?.stop()));
    },
    restoreEndpoints: async (region) => {
      await Promise.all(endpoints[region].map((a) => servers.get(a)?.start()));
    },
    stopAgent: async (region) => {
      await agents.get(region)?.close();
      agents.delete(region);
    },
    writeTopology: (dir) => {
      const path = join(dir, 'meridian.yaml');
      writeFileSync(path, yaml);
      return path;
    },
    stop,
  };
}
