/**
 * Fault injection on a running lab: cut/heal a region's network, kill its processes by PID.
 * Each change is recorded in the state so `status` and later commands see it.
 */
import { InputError } from '../common/errors.ts';
import { runIp } from './ip.ts';
import { findRegion } from './layout.ts';
import { cutPlan, healPlan } from './netplan.ts';
import { requireLabHost } from './preflight.ts';
import { readState, updateState, type LabState, type ProcessKind, type ProcessRecord } from './state.ts';
import { stopRecorded } from './supervise.ts';

function runningLab(): LabState {
  requireLabHost();
  const state = readState();
  if (!state) throw new InputError('no lab is running (start one with: meridian lab up)');
  return state;
}

/** Partitions the region: its bridge port goes down. `alreadyCut` when it was. */
export function cutRegion(name: string): 'cut' | 'alreadyCut' {
  const state = runningLab();
  const region = findRegion(state.layout, name);
  for (const cmd of cutPlan(region)) runIp(cmd);
  const was = state.cut.includes(name);
  updateState((s) => ({ ...s, cut: s.cut.includes(name) ? s.cut : [...s.cut, name] }));
  return was ? 'alreadyCut' : 'cut';
}

/** Reconnects the region. `notCut` when it was not cut (the link is brought up anyway). */
export function healRegion(name: string): 'healed' | 'notCut' {
  const state = runningLab();
  const region = findRegion(state.layout, name);
  for (const cmd of healPlan(state.layout, region)) runIp(cmd);
  const was = state.cut.includes(name);
  updateState((s) => ({ ...s, cut: s.cut.filter((r) => r !== name) }));
  return was ? 'healed' : 'notCut';
}

/** Stops the region's processes of one kind by PID and records them as stopped. */
export async function killInRegion(name: string, what: ProcessKind): Promise<ProcessRecord[]> {
  const state = runningLab();
  findRegion(state.layout, name);
  return stopRecorded((p) => p.region === name && p.kind === what);
}
