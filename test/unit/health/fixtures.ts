/** A three-region topology (ra, rb, rc) with one endpoint per region, and helpers to write views tersely. */
import { parseTopology } from '../../../src/spec/index.ts';
import type { EndpointState, VantageView } from '../../../src/health/index.ts';

export const TOPOLOGY = parseTopology(`
apiVersion: meridian/v1
zone: global.test
regions:
  - { name: ra, agent: { dns: "127.0.0.11:53", api: "http://127.0.0.11:7700" } }
  - { name: rb, agent: { dns: "127.0.0.12:53", api: "http://127.0.0.12:7700" } }
  - { name: rc, agent: { dns: "127.0.0.13:53", api: "http://127.0.0.13:7700" } }
services:
  - name: web
    hostname: web
    port: 8080
    endpoints: { ra: ["10.0.0.1"], rb: ["10.0.0.2"], rc: ["10.0.0.3"] }
    policy: { type: failover, order: [ra, rb, rc] }
`);

export const A = 'web/ra/10.0.0.1';
export const B = 'web/rb/10.0.0.2';
export const C = 'web/rc/10.0.0.3';

const STATE = { U: 'up', D: 'down', u: 'unknown' } as const satisfies Record<string, EndpointState>;

/** `view('ra', 'UDU')`: vantage ra sees the endpoint of ra up, rb down, rc up. */
export function view(vantage: string, states: string, seq = 1, bootId = `boot-${vantage}`): VantageView {
  const keys = [A, B, C];
  const endpoints = Object.fromEntries([...states].map((s, i) => [keys[i], STATE[s as keyof typeof STATE]]));
  return { vantage, bootId, seq, sentAtMs: 0, endpoints };
}
