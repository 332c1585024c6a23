/**
 * Leader election as a loop over `acquire`: try to create the key; if someone holds it, wait until
 * it is deleted (watch) or a poll interval passes (in case a watch event was missed on a flaky
 * link), then try again. The winner is whoever creates the key first; its token is the key's
 * create revision, so every new coordinator has a larger token than all before it.
 */
import type { Clock } from './clock.ts';
import type { AcquireOutcome, CampaignOutcome } from './ports.ts';

/** A store-specific way to hear that a key changed. */
export interface KeyWatch {
  /** Resolves at the next change of the key (or a change since the watch opened), or after `timeoutMs`. */
  changedOrTimeout(timeoutMs: number): Promise<void>;
  close(): void;
}

export interface CampaignDeps {
  readonly acquire: () => Promise<AcquireOutcome>;
  readonly openWatch: () => KeyWatch;
  readonly clock: Clock;
  readonly pollMs: number;
  readonly signal?: AbortSignal;
}

export async function runCampaign(deps: CampaignDeps): Promise<CampaignOutcome> {
  const { signal } = deps;
  // Opened before the first attempt so a delete between "held" and "wait" is not missed.
  const watch = deps.openWatch();
  const abortedSignal = aborted(signal);
  try {
    while (!signal?.aborted) {
      const outcome = await deps.acquire();
      if (outcome.kind === 'acquired') {
        if (!signal?.aborted) return { kind: 'elected', lease: outcome.lease };
        await outcome.lease.release();
        break;
      }
      // held: wake on the delete; unavailable: back off one poll interval.
      const wait = outcome.kind === 'held' ? watch.changedOrTimeout(deps.pollMs) : sleep(deps.clock, deps.pollMs);
      await Promise.race([wait, abortedSignal]);
    }
    return { kind: 'aborted' };
  } finally {
    watch.close();
  }
}

export function sleep(clock: Clock, ms: number): Promise<void> {
  return new Promise((resolve) => clock.after(ms, resolve));
}

function aborted(signal: AbortSignal | undefined): Promise<void> {
  if (!signal) return new Promise(() => {});
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
}

/**
 * The waiting half of a KeyWatch: remembers a change until someone waits for it, and wakes a
 * waiter at once. Stores call `notify()` from their watch callbacks.
 */
export function changeSignal(clock: Clock): { notify(): void; changedOrTimeout(timeoutMs: number): Promise<void> } {
  let changed = false;
  let wake = (): void => {};
  return {
    notify: () => {
      changed = true;
      wake();
    },
    changedOrTimeout: (timeoutMs) =>
      new Promise<void>((resolve) => {
        if (changed) {
          changed = false;
          return resolve();
        }
        const done = (): void => {
          wake = () => {};
          cancel();
          resolve();
        };
        const cancel = clock.after(timeoutMs, done);
        wake = () => {
          changed = false;
          done();
        };
      }),
  };
}
