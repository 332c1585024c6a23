/**
 * The traffic controls as stored in etcd: ONE JSON document at `coordKeys.trafficControls()`
 * (`meridian/traffic/controls`), checked strictly on the way in and out (an unknown field, a
 * name that is not a topology name or a weight out of range is refused, never guessed at).
 *
 *   { "drains":  [{ region, service?, by, at, reason, forced }],
 *     "weights": [{ service, region, weight, by, at, reason, forced }] }
 *
 * One document rather than a key per control: the safety rules judge the whole set, so a write
 * must replace exactly the set it was judged against (compare-and-put on its mod revision).
 * With a key per control, two operators draining the last two healthy regions at once would
 * each pass the rules alone and together leave none.
 */
import { z } from 'zod';
import type { TrafficControls } from './traffic-controls.ts';

const NAME = /^[a-z][a-z0-9-]{0,30}[a-z0-9]$/;

const origin = {
  by: z.string().min(1).max(200),
  at: z.iso.datetime({ offset: true }),
  reason: z.string().max(500),
  forced: z.boolean(),
};

const DrainSchema = z.strictObject({ region: z.string().regex(NAME), service: z.string().regex(NAME).optional(), ...origin });
const WeightSchema = z.strictObject({ service: z.string().regex(NAME), region: z.string().regex(NAME), weight: z.number().int().min(0).max(1000), ...origin });
const ControlsSchema = z.strictObject({ drains: z.array(DrainSchema), weights: z.array(WeightSchema) });

/** Throws on controls the caller built wrongly (a programming error, not an outcome). */
export function encodeTrafficControls(controls: TrafficControls): string {
  const checked = ControlsSchema.safeParse(controls);
  if (!checked.success) throw new Error(`invalid traffic controls: ${z.prettifyError(checked.error)}`);
  return JSON.stringify(checked.data);
}

/** undefined for a value that does not parse: the caller reports it and keeps what it had. */
export function decodeTrafficControls(text: string): TrafficControls | undefined {
  try {
    const checked = ControlsSchema.safeParse(JSON.parse(text));
    return checked.success ? checked.data : undefined;
  } catch {
    return undefined;
  }
}
