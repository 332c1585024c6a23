/**
 * Thresholds turn a stream of probe results into an endpoint state, per endpoint and per vantage
 * point. A state changes only after `healthyThreshold` consecutive successes (→ up) or
 * `unhealthyThreshold` consecutive failures (→ down); a single odd result resets the streak.
 * This is what keeps a flapping endpoint from flapping the DNS answers. Pure.
 */
import type { EndpointState } from './types.ts';

export interface Thresholds {
  readonly healthyThreshold: number;
  readonly unhealthyThreshold: number;
}

export interface ThresholdState {
  readonly state: EndpointState;
  /** Length of the current streak of identical results (successes if `streakOk`, else failures). */
  readonly streak: number;
  readonly streakOk: boolean;
}

export const INITIAL_THRESHOLD_STATE: ThresholdState = { state: 'unknown', streak: 0, streakOk: false };

/** Folds one probe result into the state. */
export function applyProbeResult(current: ThresholdState, ok: boolean, t: Thresholds): ThresholdState {
  const streak = current.streak > 0 && current.streakOk === ok ? current.streak + 1 : 1;
  const target: EndpointState = ok ? 'up' : 'down';
  const needed = ok ? t.healthyThreshold : t.unhealthyThreshold;
  const state = current.state !== target && streak >= needed ? target : current.state;
  return { state, streak, streakOk: ok };
}

/** Replays a sequence of results from the initial state; returns the state after each one. */
export function replayProbeResults(results: readonly boolean[], t: Thresholds): EndpointState[] {
  let s = INITIAL_THRESHOLD_STATE;
  return results.map((ok) => (s = applyProbeResult(s, ok, t)).state);
}
