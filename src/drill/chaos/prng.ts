/**
 * The seeded random numbers behind a chaos schedule: mulberry32 (Tommy Ettinger, 2017, public
 * domain), a 32-bit generator of a few lines that is well known and fast, and statistically fine
 * for picking faults. Written out here instead of taken from a package on purpose: a seed must
 * give the same rounds forever, and a package upgrade that changed its output (or its seeding)
 * would silently break every "reproduce round 7 of seed 42" in a bug report.
 */

/** A generator of floats in [0, 1). */
export type Random = () => number;

export function mulberry32(seed: number): Random {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * One 32-bit seed per (seed, stream, index), so round k's parameters depend only on the seed and k,
 * never on how many rounds were asked for. The mix is murmur3's 32-bit finalizer.
 */
export function deriveSeed(seed: number, stream: number, index: number): number {
  let h = (seed >>> 0) ^ Math.imul(stream + 1, 0x9e3779b1) ^ Math.imul(index + 1, 0x85ebca77);
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** An integer in [min, max], both included. */
export function intBetween(random: Random, min: number, max: number): number {
  return min + Math.floor(random() * (max - min + 1));
}

/** Fisher–Yates with the given generator: the same seed, the same order. */
export function shuffled<T>(items: readonly T[], random: Random): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i -= 1) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}
