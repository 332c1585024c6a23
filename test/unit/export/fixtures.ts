/** Small production-shaped topologies for the k8s and Argo CD export tests. */
import { parseTopology, type Topology } from '../../../src/spec/index.ts';

/** Two regions in two clouds (agents with egress addresses), one service, one PostgreSQL store, etcd, waves, Kubernetes (with operators) and GitOps. */
export const SMALL_YAML = `apiVersion: meridian/v1
zone: global.example.com
regions:
  - name: eu-west
    cloud: { provider: aws, region: eu-west-1, account: '123456789012', networks: [10.1.0.0/16] }
    agent: { dns: "203.0.113.10:53", api: "http://10.1.0.10:7700", egress: ["198.51.100.71"] }
    etcd: { client: "http://10.1.0.20:2379", peer: "http://10.1.0.20:2380" }
  - name: us-east
    cloud: { provider: gcp, region: us-east1, networks: [10.2.0.0/16, "fd00:2::/48"] }
    agent: { dns: "203.0.113.20:53", api: "http://10.2.0.10:7700", egress: ["198.51.100.72", "2001:db8:72::1"] }
    etcd: { client: "http://10.2.0.20:2379", peer: "http://10.2.0.20:2380" }
services:
  - name: web
    hostname: web
    port: 8080
    endpoints: { eu-west: ["198.51.100.10"], us-east: ["198.51.100.20", "2001:db8::20"] }
    policy: { type: failover, order: [eu-west, us-east] }
stores:
  - name: orders
    engine: postgres
    primaryRegion: eu-west
    replicaRegions: [us-east]
    primaryHostname: primary.orders.db
    endpoints: { eu-west: "10.1.0.30", us-east: "10.2.0.30" }
waves: [[us-east], [eu-west]]
kubernetes: { image: "registry.example.com/meridian:0.1.0", operatorCidrs: [192.0.2.0/24] }
gitops: { repoURL: "https://git.example.com/platform.git", revision: main, path: deploy/meridian }
`;

export const SMALL: Topology = parseTopology(SMALL_YAML, 'small.yaml');

/** SMALL with some lines replaced: `edit([[from, to], ...])`. */
export function smallWith(edits: readonly (readonly [string, string])[]): Topology {
  let text = SMALL_YAML;
  for (const [from, to] of edits) {
    if (!text.includes(from)) throw new Error(`fixture edit: '${from}' is not in the small topology`);
    text = text.replace(from, to);
  }
  return parseTopology(text, 'small.yaml');
}
