/** A small topology and agent state for observe unit tests (no sockets). */
import { firstView, mergeViews, type PeerStatus, type VantageView } from '../../../src/health/index.ts';
import { buildAnswerTable } from '../../../src/gslb/index.ts';
import type { AgentState } from '../../../src/observe/index.ts';
import { parseTopology, type Topology } from '../../../src/spec/index.ts';

export const TOPOLOGY: Topology = parseTopology(`
apiVersion: meridian/v1
zone: global.test
regions:
  - { name: ra, agent: { dns: "10.0.1.1:53", api: "http://10.0.1.1:7700" } }
  - { name: rb, agent: { dns: "10.0.2.1:53", api: "http://10.0.2.1:7700" } }
services:
  - { name: web, hostname: web, port: 80, endpoints: { ra: ["10.0.1.11", "10.0.1.12"], rb: ["10.0.2.11"] }, policy: { type: all-healthy } }
stores:
  - { name: orders, engine: postgres, primaryRegion: ra, replicaRegions: [rb], primaryHostname: primary.orders.db, targets: { rto: 30s, rpo: 5s } }
`);

export const KEYS = ['web/ra/10.0.1.11', 'web/ra/10.0.1.12', 'web/rb/10.0.2.11'] as const;

export function view(vantage: string, states: Record<string, 'up' | 'down' | 'unknown'>, seq = 2): VantageView {
  return { ...firstView(vantage, `boot-${vantage}`, states, 1_000), seq };
}

/** State of agent ra: its own view, rb's view (fresh or not), the merge and the answers. */
export function stateOf(own: VantageView, peer?: { view: VantageView; fresh: boolean }): AgentState {
  const received = peer?.fresh ? [{ view: peer.view, receivedAtMs: 10_000 }] : [];
  const snapshot = mergeViews(TOPOLOGY, own, received, 10_000, 1_500);
  const peers: PeerStatus[] = [{
    region: 'rb',
    viewUrl: 'http://10.0.2.1:7700/v1/view',
    reachability: peer ? 'reachable' : 'unknown',
    lastViewAgeMs: peer ? (peer.fresh ? 200 : 5_000) : null,
    fresh: peer?.fresh ?? false,
    ...(peer ? { view: peer.view } : {}),
  }];
  return { view: own, snapshot, peers, answers: buildAnswerTable(TOPOLOGY, snapshot, { serial: 1 }).describe() };
}
