/**
 * The chaos schedule (pure): from a seed, the rounds to run, each one fault with its parameters.
 * Which region a fault hits is NOT in the schedule: the primary moves between rounds, so a round
 * reads where the primary is when it starts, and `pick` numbers choose among what it finds then
 * (which replica, which runbook step).
 *
 * Kinds come from shuffled bags of ten (weights below), so every kind shows up within ten rounds
 * and cuts of the primary, the commonest real fault, come up more often. Round k's fault depends
 * only on (seed, k): `--rounds 5` runs the first five rounds of `--rounds 40`.
 */
import { InputError } from '../../common/errors.ts';
import { deriveSeed, intBetween, mulberry32, shuffled, type Random } from './prng.ts';

export const FAULT_KINDS = ['primary-cut', 'heal-during-step', 'flapping', 'replica-cut', 'primary-freeze', 'coordinator-kill', 'two-cuts'] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

/** Entries per bag of ten: the weights. */
const BAG: Readonly<Record<FaultKind, number>> = {
  'primary-cut': 2, 'heal-during-step': 2, flapping: 1, 'replica-cut': 1, 'primary-freeze': 1, 'coordinator-kill': 1, 'two-cuts': 2,
};
const BAG_SIZE = 10;
const BAG_STREAM = 1;
const ROUND_STREAM = 2;
/** A pick is an integer in [0, PICKS): `pick % n` chooses among n things found at run time. */
export const PICKS = 1000;

export type Fault =
  /** The primary's region cut, then healed. */
  | { readonly kind: 'primary-cut'; readonly cutMs: number }
  /** The primary's region cut, healed when the chosen step of the failover runbook starts (or at maxCutMs). */
  | { readonly kind: 'heal-during-step'; readonly stepPick: number; readonly maxCutMs: number }
  /** The primary's region cut and healed several times. */
  | { readonly kind: 'flapping'; readonly cycles: readonly { readonly cutMs: number; readonly healedMs: number }[] }
  /** A replica's region (pick among the non-primary regions) cut, then healed. */
  | { readonly kind: 'replica-cut'; readonly replicaPick: number; readonly cutMs: number }
  /** The primary's postmaster and backends stopped (SIGSTOP) past the lease TTL, then continued. */
  | { readonly kind: 'primary-freeze'; readonly frozenMs: number }
  /**
   * The primary's region cut; once a failover runbook runs, its coordinator agent is killed
   * (SIGKILL) after killDelayMs, restarted after downMs, and the region healed.
   */
  | { readonly kind: 'coordinator-kill'; readonly killDelayMs: number; readonly downMs: number; readonly maxCutMs: number }
  /** The primary's region cut and healed; then the region of the primary after that (the new one, if it moved) cut and healed. */
  | { readonly kind: 'two-cuts'; readonly firstCutMs: number; readonly secondCutMs: number; readonly maxWaitForNewPrimaryMs: number };

export interface Round {
  /** 1-based. */
  readonly index: number;
  readonly fault: Fault;
}

export interface ChaosPlanOptions {
  readonly leaseTtlMs: number;
  /** The store's member regions: a replica cut needs one besides the primary. */
  readonly regions: readonly string[];
}

export function planChaos(seed: number, rounds: number, options: ChaosPlanOptions): Round[] {
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) throw new InputError(`the seed must be an integer in [0, 4294967295], got ${seed}`);
  if (!Number.isInteger(rounds) || rounds < 1) throw new InputError(`rounds must be a positive integer, got ${rounds}`);
  if (!(options.leaseTtlMs > 0)) throw new InputError(`the lease TTL must be positive, got ${options.leaseTtlMs}`);
  if (options.regions.length < 2) throw new InputError(`chaos rounds need a store with at least two regions, got ${options.regions.length}`);
  return Array.from({ length: rounds }, (_, i) => ({
    index: i + 1,
    fault: faultFor(kindOfRound(seed, i), mulberry32(deriveSeed(seed, ROUND_STREAM, i)), options.leaseTtlMs),
  }));
}

/** Round i (0-based) takes entry i % 10 of bag floor(i / 10), each bag shuffled with its own seed. */
function kindOfRound(seed: number, i: number): FaultKind {
  const bagIndex = Math.floor(i / BAG_SIZE);
  const entries = FAULT_KINDS.flatMap((kind) => Array.from({ length: BAG[kind] }, () => kind));
  return shuffled(entries, mulberry32(deriveSeed(seed, BAG_STREAM, bagIndex)))[i % BAG_SIZE]!;
}

function faultFor(kind: FaultKind, random: Random, ttl: number): Fault {
  const times = (lo: number, hi: number) => Math.round(ttl * (lo + (hi - lo) * random()));
  const ms = (lo: number, hi: number) => intBetween(random, lo, hi);
  const pick = () => intBetween(random, 0, PICKS - 1);
  switch (kind) {
    case 'primary-cut':
      return { kind, cutMs: times(0.5, 3) };
    case 'heal-during-step':
      // The runbook starts about one TTL after the cut; 4 TTL + 5 s leaves every step time to start.
      return { kind, stepPick: pick(), maxCutMs: 4 * ttl + 5000 };
    case 'flapping':
      return { kind, cycles: Array.from({ length: ms(2, 4) }, () => ({ cutMs: ms(300, 1500), healedMs: ms(300, 1500) })) };
    case 'replica-cut':
      return { kind, replicaPick: pick(), cutMs: times(0.5, 3) };
    case 'primary-freeze':
      return { kind, frozenMs: times(1.2, 2.5) };
    case 'coordinator-kill':
      return { kind, killDelayMs: ms(0, 800), downMs: ms(1000, 4000), maxCutMs: 4 * ttl + 5000 };
    case 'two-cuts':
      // The first cut outlasts the lease (1.5–3 TTL), so the second one usually hits a new primary.
      return { kind, firstCutMs: times(1.5, 3), secondCutMs: times(0.5, 3), maxWaitForNewPrimaryMs: 10_000 };
  }
}

/** One line a person can read: `primary-cut (cut 7.2 s)`. */
export function describeFault(f: Fault): string {
  const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
  switch (f.kind) {
    case 'primary-cut':
      return `cut of the primary's region for ${s(f.cutMs)}`;
    case 'heal-during-step':
      return `cut of the primary's region, healed when failover step #${f.stepPick} (mod the runbook's step kinds) starts (at most ${s(f.maxCutMs)})`;
    case 'flapping':
      return `primary's region flapping, ${f.cycles.length} cycles (${f.cycles.map((c) => `cut ${s(c.cutMs)}/healed ${s(c.healedMs)}`).join(', ')})`;
    case 'replica-cut':
      return `cut of replica #${f.replicaPick} (mod the replicas) for ${s(f.cutMs)}`;
    case 'primary-freeze':
      return `primary's postmaster and backends frozen (SIGSTOP) for ${s(f.frozenMs)}`;
    case 'coordinator-kill':
      return `cut of the primary's region; the failover's coordinator killed ${f.killDelayMs} ms into its runbook, restarted ${s(f.downMs)} later`;
    case 'two-cuts':
      return `cut of the primary's region for ${s(f.firstCutMs)}, heal, then the (new) primary's region for ${s(f.secondCutMs)}`;
  }
}
