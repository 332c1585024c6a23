/**
 * The lab for part (b): the one already running, or one brought up for the benchmark (the
 * built-in topology) and brought down again by `close()`. Cut and heal go through here, so
 * `close()` knows whether a region is still cut and whether the lab is ours to take down.
 *
 * The caller owns the machine (the lab lock is taken around `npm run bench`, never in here) and
 * must call `close()` in a finally; on Ctrl-C run.ts waits for the benchmark's finally blocks.
 */
import { describeError, InfraError, InputError } from '../../src/common/errors.ts';
import { cutRegion, healRegion, labDown, labTopologyFile, labUp, readLabStatus, requireLabHost, type LabStatus } from '../../src/lab/index.ts';
import { loadTopologyFile, type Topology } from '../../src/spec/index.ts';

export class LabSession {
  private cutName: string | undefined;
  private closed = false;

  private constructor(
    readonly status: LabStatus,
    readonly topology: Topology,
    /** True when this session brought the lab up (and so brings it down). */
    readonly broughtUp: boolean,
  ) {}

  static async open(print: (line: string) => void): Promise<LabSession> {
    requireLabHost();
    const existing = readLabStatus();
    if (existing) {
      requireUsable(existing);
      print(`lab: using the running lab (${existing.regions.map((r) => r.name).join(', ')}); it stays up afterwards`);
      return new LabSession(existing, loadTopologyFile(labTopologyFile()), false);
    }
    print('lab: none running, bringing one up (built-in topology); it goes down afterwards');
    try {
      const { status } = await labUp();
      return new LabSession(status, loadTopologyFile(labTopologyFile()), true);
    } catch (err) {
      await labDown().catch(() => undefined); // labUp tears down after its own failures; this covers the topology reload
      throw err;
    }
  }

  cut(region: string): void {
    this.cutName = region; // Set first: if `ip` fails halfway, heal is still attempted.
    cutRegion(region);
  }

  /** Heals the cut region, retrying: leaving a region cut is the one outcome to avoid. */
  async heal(): Promise<void> {
    const region = this.cutName;
    if (region === undefined) return;
    let lastError: unknown;
    for (let attempt = 1; attempt <= 3; attempt += 1) {
      try {
        healRegion(region);
        this.cutName = undefined;
        return;
      } catch (err) {
        lastError = err;
        await new Promise((r) => setTimeout(r, 200 * attempt));
      }
    }
    throw new InfraError(`could not heal ${region} (${describeError(lastError)}); heal it by hand: meridian lab heal ${region}`, { cause: lastError });
  }

  /** Heals, and brings the lab down if this session brought it up. Safe to call twice. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      await this.heal();
    } finally {
      if (this.broughtUp) await labDown();
    }
  }
}

/** A drill starts from a whole, healthy lab; anything else is the person's to fix, not ours to rebuild. */
function requireUsable(status: LabStatus): void {
  if (status.phase !== 'up') throw new InputError('a lab is half built (phase building): run meridian lab down (or up) first');
  const cut = status.regions.filter((r) => r.cut).map((r) => r.name);
  if (cut.length > 0) throw new InputError(`the running lab has ${cut.join(', ')} cut: heal it first (meridian lab heal ${cut[0]})`);
  const dead = status.regions.flatMap((r) => r.processes).filter((p) => !p.alive).map((p) => p.name);
  if (dead.length > 0) throw new InputError(`the running lab has stopped processes (${dead.join(', ')}): run meridian lab up to restore it`);
}
