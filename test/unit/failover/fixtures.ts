/** Snapshot builders for planner tests: three regions, eu-west primary, unless told otherwise. */
import type { MemberState, StoreState } from '../../../src/failover/index.ts';

export const LSN = (text: string): bigint => {
  const [hi, lo] = text.split('/');
  return (BigInt(`0x${hi}`) << 32n) | BigInt(`0x${lo}`);
};

export function member(region: string, over: Partial<MemberState> = {}): MemberState {
  return {
    region,
    reachable: true,
    role: 'standby',
    timeline: 1,
    replayLsn: LSN('0/3000000'),
    eligibility: { eligible: true },
    regionDownByQuorum: false,
    upstream: 'eu-west',
    synchronous: false,
    needsRejoin: false,
    ...over,
  };
}

export const primaryDown = (over: Partial<MemberState> = {}): MemberState =>
  member('eu-west', { role: 'primary', upstream: null, reachable: false, regionDownByQuorum: true, replayLsn: LSN('0/3000100'), ...over });

export function storeState(members: readonly MemberState[], over: Partial<StoreState> = {}): StoreState {
  return {
    store: 'orders',
    mode: 'async',
    primary: { region: 'eu-west', token: 7n },
    members,
    lease: { kind: 'held', token: 7n, validUntilMs: 1_002_000 },
    dns: { name: 'primary.orders.db', target: 'eu-west' },
    coordinator: { token: 9n },
    runbook: null,
    syncSet: null,
    ...over,
  };
}

export const NOW = 1_000_000;

/** A standby whose WAL receiver was stopped by the reconciler: its position no longer moves. */
export const frozen = (region: string, over: Partial<MemberState> = {}): MemberState =>
  member(region, { upstream: null, follows: null, ...over });
