/**
 * The rollout order of changes: groups of regions synced one group after the other. Pure.
 * `waves:` in the topology (checked there: every region in exactly one wave), or one region per
 * wave in file order when absent, so a change never reaches every region at once.
 */
import type { Topology } from '../../spec/index.ts';

export interface Wave {
  /** 1-based; the value of the wave label on the generated Applications. */
  readonly number: number;
  readonly regions: readonly string[];
}

export function rolloutWaves(topology: Topology): Wave[] {
  const groups = topology.waves ?? topology.regions.map((r) => [r.name]);
  return groups.map((regions, i) => ({ number: i + 1, regions: [...regions] }));
}

/** The waves restricted to some regions; waves left empty are dropped, numbers are kept. */
export function wavesFor(waves: readonly Wave[], regions: ReadonlySet<string>): Wave[] {
  return waves
    .map((w) => ({ number: w.number, regions: w.regions.filter((r) => regions.has(r)) }))
    .filter((w) => w.regions.length > 0);
}
