/** Building this vantage point's own view: a new seq for every change. Pure. */
import { randomBytes } from 'node:crypto';
import type { EndpointState, VantageView } from './types.ts';

export function newBootId(): string {
  return randomBytes(8).toString('hex');
}

export function firstView(vantage: string, bootId: string, endpoints: Readonly<Record<string, EndpointState>>, nowMs: number): VantageView {
  return { vantage, bootId, seq: 1, sentAtMs: nowMs, endpoints: { ...endpoints } };
}

/** The next view if any endpoint state changed, else the previous one unchanged (same seq). */
export function nextView(prev: VantageView, endpoints: Readonly<Record<string, EndpointState>>, nowMs: number): VantageView {
  const keys = new Set([...Object.keys(prev.endpoints), ...Object.keys(endpoints)]);
  const changed = [...keys].some((k) => prev.endpoints[k] !== endpoints[k]);
  return changed ? { ...prev, seq: prev.seq + 1, sentAtMs: nowMs, endpoints: { ...endpoints } } : prev;
}
