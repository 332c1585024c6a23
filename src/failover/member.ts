/** Small readings of a StoreState shared by the planners. */
import { formatLsn } from './lsn.ts';
import type { MemberState, StoreState } from './types.ts';

export function memberIn(state: StoreState, region: string): MemberState | undefined {
  return state.members.find((m) => m.region === region);
}

/** The recorded primary must be a member: a snapshot that says otherwise was built wrongly. */
export function recordedPrimary(state: StoreState): MemberState {
  const m = memberIn(state, state.primary.region);
  if (!m) throw new Error(`invariant: recorded primary ${state.primary.region} of ${state.store} is not a member`);
  return m;
}

export type PrimaryHealth =
  | { readonly kind: 'healthy' }
  /** Reachable, but runs as a standby: a promotion that did not finish, or a demotion under way. */
  | { readonly kind: 'standby' }
  | { readonly kind: 'down'; readonly why: string };

/** Judges the recorded primary from quorum health and the database's own answer. */
export function primaryHealth(m: MemberState): PrimaryHealth {
  if (m.regionDownByQuorum) return { kind: 'down', why: `region ${m.region} is down by quorum` };
  if (!m.reachable) return { kind: 'down', why: `the database in ${m.region} does not answer` };
  if (m.role === 'standby') return { kind: 'standby' };
  if (m.role !== 'primary') return { kind: 'down', why: `the database in ${m.region} does not say which role it has` };
  return { kind: 'healthy' };
}

export function isHealthyPrimary(m: MemberState): boolean {
  return primaryHealth(m).kind === 'healthy';
}

/** `0/3000060 on timeline 2`. */
export function position(m: MemberState): string {
  return `${formatLsn(m.replayLsn)} on timeline ${m.timeline}`;
}

/** Topology index, for ordering steps the same way however a plan was reached. */
export function topologyIndex(state: StoreState, region: string): number {
  const i = state.members.findIndex((m) => m.region === region);
  return i < 0 ? Number.MAX_SAFE_INTEGER : i;
}
