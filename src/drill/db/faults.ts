/**
 * The faults of the database drills, each with what undoes it. A drill pushes the undo of every
 * fault it injected onto an UndoStack and always runs it (finally): a region is healed, a frozen
 * server thawed, a killed agent restarted, on success, error and Ctrl-C alike.
 */
import { InfraError, describeError } from '../../common/errors.ts';
import type { Clock } from '../clock.ts';
import type { DbDrillEnvironment, DbDrillKind } from './types.ts';

export interface Undo {
  /** `heal eu-west`, `thaw eu-west`, … */
  readonly what: string;
  run(): Promise<void>;
}

/** Injects the kind's primary fault on `region`; returns its undo, or a note when nothing can be undone. */
export async function injectFault(env: DbDrillEnvironment, kind: DbDrillKind, region: string): Promise<Undo | { readonly note: string }> {
  switch (kind) {
    case 'region-outage':
    case 'partition':
      await env.cutRegion(region);
      return { what: `heal ${region}`, run: () => env.healRegion(region) };
    case 'primary-freeze':
      await env.freezeDatabase(region);
      return { what: `thaw ${region}'s database`, run: () => env.thawDatabase(region) };
    case 'primary-crash':
    case 'coordinator-crash':
      await env.killDatabase(region);
      // Restarting it would bring back a second primary on the old timeline: it comes back
      // only through a rejoin, which is the operator's (or autoRejoin's) call, not the drill's.
      return { note: `${region}'s database stays down; it returns through a rejoin` };
  }
}

export function faultDescription(kind: DbDrillKind, region: string): string {
  switch (kind) {
    case 'region-outage':
      return `${region} cut from every other region and client`;
    case 'partition':
      return `${region} cut from the other regions; a client inside it keeps writing to its primary`;
    case 'primary-crash':
      return `${region}'s postmaster and every backend killed with SIGKILL`;
    case 'coordinator-crash':
      return `${region}'s database killed, then the agent coordinating the failover killed mid-runbook`;
    case 'primary-freeze':
      return `${region}'s postmaster and every backend stopped with SIGSTOP`;
  }
}

/** Runs every undo, newest first, each retried three times; throws at the end if any failed. */
export async function undoAll(stack: Undo[], clock: Clock, onDone: (what: string, atMs: number) => void): Promise<void> {
  const failures: string[] = [];
  while (stack.length > 0) {
    const undo = stack.pop()!;
    let lastError: unknown;
    let done = false;
    for (let attempt = 1; attempt <= 3 && !done; attempt += 1) {
      const atMs = clock.nowMs();
      try {
        await undo.run();
        onDone(undo.what, atMs);
        done = true;
      } catch (err) {
        lastError = err;
        await clock.sleep(200 * attempt);
      }
    }
    if (!done) failures.push(`${undo.what}: ${describeError(lastError)}`);
  }
  if (failures.length > 0) {
    throw new InfraError(`the drill could not undo its fault (${failures.join('; ')}); undo it by hand (meridian lab heal / lab status)`);
  }
}
