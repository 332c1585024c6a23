/**
 * Time for drills: the one Clock (src/common/clock.ts). Every record uses the same clock, so
 * intervals between records are exact; it is monotonic, anchored to the epoch at process start,
 * so a wall-clock step during a drill does not bend the measured windows.
 */
export { systemClock, type Clock } from '../common/clock.ts';
