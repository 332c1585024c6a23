/**
 * How the Patroni baseline's client finds the primary: the standard Patroni set-up puts HAProxy
 * in front, health-checking every member's REST `GET /primary` (200 only on the leader) and
 * sending connections to the member that passes. This models that proxy with a check far
 * faster than HAProxy's usual (Patroni's sample haproxy.cfg: `inter 3s fall 3 rise 2`): every
 * member is asked at most every `maxAgeMs` (100 ms), one check round at a time shared by all
 * writers, and the first member to answer 200 is used at once. That favours Patroni: its RTO
 * here carries no proxy detection delay.
 */

/** Asks one member whether it is the primary (GET /primary → 200); false on anything else or no answer. */
export type PrimaryCheck = (address: string, timeoutMs: number) => Promise<boolean>;

export interface PrimaryLocatorOptions {
  /** Every member's address (where its REST API listens). */
  readonly addresses: readonly string[];
  readonly check: PrimaryCheck;
  /** An answer is reused this long. @default 100 */
  readonly maxAgeMs?: number;
  /** Per-member check timeout (a silent member holds a round with no 200 up this long). @default 250 */
  readonly timeoutMs?: number;
  readonly now?: () => number;
}

export class PrimaryLocator {
  private cached: { readonly atMs: number; readonly address: string | undefined } | undefined;
  private inFlight: Promise<string | undefined> | undefined;
  /** Check rounds run so far (for the results: how often the members were asked). */
  rounds = 0;

  constructor(private readonly options: PrimaryLocatorOptions) {}

  /** The member answering 200 on /primary, at most `maxAgeMs` old; undefined when none does. */
  locate(): Promise<string | undefined> {
    const now = this.now();
    if (this.cached && now - this.cached.atMs <= (this.options.maxAgeMs ?? 100)) return Promise.resolve(this.cached.address);
    this.inFlight ??= this.checkRound().finally(() => (this.inFlight = undefined));
    return this.inFlight;
  }

  private async checkRound(): Promise<string | undefined> {
    this.rounds += 1;
    const timeoutMs = this.options.timeoutMs ?? 250;
    const { addresses } = this.options;
    // The first member to answer 200 wins at once: a silent (cut) member does not hold the round up.
    const address = await new Promise<string | undefined>((resolve) => {
      let pending = addresses.length;
      if (pending === 0) resolve(undefined);
      for (const a of addresses) {
        void this.options.check(a, timeoutMs).catch(() => false).then((ok) => {
          pending -= 1;
          if (ok) resolve(a);
          else if (pending === 0) resolve(undefined);
        });
      }
    });
    this.cached = { atMs: this.now(), address };
    return address;
  }

  private now(): number {
    return (this.options.now ?? Date.now)();
  }
}
