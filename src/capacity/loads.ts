/**
 * Measured load, as data: the last reading of each region's requests/s per service, kept with the
 * time it was read. A region that stops reporting keeps its last reading: a region is lost exactly
 * when its load matters, and Prometheus loses its series at the same moment (docs/capacity.md).
 */

export interface LoadReading {
  /** Requests per second the region served, as the load source measured it. */
  readonly rps: number;
  /** Wall-clock milliseconds when this agent read it. */
  readonly atMs: number;
}

export interface ServiceLoad {
  /** The last reading per region (topology region names only). */
  readonly regions: ReadonlyMap<string, LoadReading>;
  /** Why the last query gave nothing (unreachable, an error, no series); absent when it answered. */
  readonly problem?: string;
  /** Wall-clock milliseconds of the last query that answered. */
  readonly lastSuccessMs?: number;
}

/** Per service name. */
export type LoadReadings = ReadonlyMap<string, ServiceLoad>;

export const NO_LOADS: LoadReadings = new Map();

/** The readings after one answered query: regions it named are replaced, the others keep their last. */
export function withReadings(before: ServiceLoad | undefined, rps: ReadonlyMap<string, number>, atMs: number): ServiceLoad {
  const regions = new Map(before?.regions ?? []);
  for (const [region, value] of rps) regions.set(region, { rps: value, atMs });
  return { regions, lastSuccessMs: atMs };
}

/** The readings after a query that failed: kept, with why. */
export function withProblem(before: ServiceLoad | undefined, problem: string): ServiceLoad {
  return { regions: before?.regions ?? new Map(), problem, ...(before?.lastSuccessMs !== undefined ? { lastSuccessMs: before.lastSuccessMs } : {}) };
}
