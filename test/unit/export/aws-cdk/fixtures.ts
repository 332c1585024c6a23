/** Topologies for the aws-cdk export tests: one with every AWS piece, one for Route 53 native. */
import { accountKey, endpointKey } from '../../../../src/export/aws-cdk/app/lib/context-keys.ts';
import { parseTopology, type Topology } from '../../../../src/spec/index.ts';

export const ACCOUNT = '111111111111';

/** Delegate mode, three AWS regions (ap-south's account left to context), GA, Aurora, ECR, secrets. */
export const FULL_YAML = `apiVersion: meridian/v1
zone: global.example.com
route53: { mode: delegate, parentZoneId: Z0123456789ABC }
regions:
  - name: eu-west
    geo: { lat: 53.35, lon: -6.26 }
    cloud: { provider: aws, region: eu-west-1, account: '${ACCOUNT}', networks: [10.1.0.0/16] }
    agent: { dns: "203.0.113.10:53", api: "http://203.0.113.10:7700" }
  - name: us-east
    geo: { lat: 38.9, lon: -77.04 }
    cloud: { provider: aws, region: us-east-1, account: '${ACCOUNT}', networks: [10.0.0.0/8] }
    agent: { dns: "203.0.113.20:53", api: "http://203.0.113.20:7700" }
  - name: ap-south
    geo: { lat: 19.08, lon: 72.88 }
    cloud: { provider: aws, region: ap-south-1 }
    agent: { dns: "[2001:db8::30]:53", api: "http://203.0.113.30:7700" }
services:
  - name: web
    hostname: web
    port: 443
    globalAccelerator: true
    policy: { type: weighted, weights: { eu-west: 60, us-east: 30, ap-south: 0 } }
  - name: api
    hostname: api
    port: 8080
    globalAccelerator: true
    policy: { type: failover, order: [eu-west, us-east, ap-south] }
stores:
  - name: orders
    engine: aurora-postgresql
    primaryRegion: eu-west
    replicaRegions: [us-east, ap-south]
    database: orders
    primaryHostname: primary.orders.db
  - name: legacy
    engine: postgres
    primaryRegion: us-east
    primaryHostname: primary.legacy.db
repositories: [shop/web, shop/api]
secrets:
  - { name: orders/db, description: orders database login }
  - { name: api-key }
`;

/** Native mode: two AWS regions (one without account) and a GCP one, one service per policy type. */
export const NATIVE_YAML = `apiVersion: meridian/v1
zone: global.example.com
dns: { ttl: 5 }
route53: { mode: native, parentZoneId: Z0123456789ABC }
regions:
  - name: eu-west
    geo: { lat: 53.35, lon: -6.26 }
    cloud: { provider: aws, region: eu-west-1, account: '${ACCOUNT}' }
  - name: us-east
    geo: { lat: 38.9, lon: -77.04 }
    cloud: { provider: aws, region: us-east-1 }   # no account: no stack, so nothing asks for it
  - name: europe
    geo: { lat: 50.11, lon: 8.68 }
    cloud: { provider: gcp, region: europe-west3 }
services:
  - name: web
    hostname: web
    port: 8080
    endpoints: { eu-west: ["198.51.100.10", "198.51.100.11", "2001:db8::10"], us-east: ["198.51.100.20"], europe: ["198.51.100.30"] }
    health: { path: /ready, unhealthyThreshold: 3 }
    policy: { type: failover, order: [eu-west, us-east, europe] }
  - name: shop
    hostname: shop
    port: 80
    endpoints: { eu-west: ["198.51.100.10"], us-east: ["198.51.100.20"], europe: ["198.51.100.30"] }
    policy: { type: weighted, weights: { eu-west: 1000, us-east: 500, europe: 0 } }
  - name: near
    hostname: near
    port: 80
    endpoints: { eu-west: ["198.51.100.10"], us-east: ["198.51.100.20"], europe: ["198.51.100.30"] }
    policy: { type: geo }
  - name: fast
    hostname: fast
    port: 80
    endpoints: { eu-west: ["198.51.100.10"], us-east: ["198.51.100.20"] }
    policy: { type: latency, regions: [eu-west, us-east] }
  - name: all
    hostname: all
    port: 80
    endpoints: { eu-west: ["198.51.100.10", "198.51.100.11"], us-east: ["198.51.100.20"] }
    policy: { type: all-healthy }
`;

export const full = (): Topology => parseTopology(FULL_YAML, 'full.yaml');
export const native = (): Topology => parseTopology(NATIVE_YAML, 'native.yaml');

/** What the user fills in cdk.json for the full topology: ap-south's account and the LB ARNs. */
export function fullContext(): Record<string, string> {
  const context: Record<string, string> = { [accountKey('ap-south')]: ACCOUNT };
  for (const service of ['web', 'api']) {
    for (const region of ['eu-west', 'us-east', 'ap-south']) {
      context[endpointKey(service, region)] = `arn:aws:elasticloadbalancing:${region}:${ACCOUNT}:loadbalancer/net/${service}/${region}`;
    }
  }
  return context;
}
