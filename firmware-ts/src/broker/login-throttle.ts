// Brute-force brake for MQTT logins. Failed logins are counted per source address and
// per username; past a few free failures each key is locked for an exponentially
// growing time (capped), and a locked key is refused before any scrypt runs, so a
// guesser gets a handful of tries a minute and cannot queue work on the one scrypt
// lane that honest logins share (credentials.ts runs one scrypt at a time).
//
// A username lock alone would let anyone lock a tablet out by guessing its user's
// password; so a (username, address) pair that logged in successfully lately is not
// held by its username's lock (only by its own address's, which only that address's
// failures can set).

export interface ThrottleOptions {
  /** Failures a key may have before it is locked at all. */
  freeFailures: number;
  /** The first lock; each further failure doubles it. */
  baseDelayMs: number;
  maxDelayMs: number;
  /** A key with no failure for this long starts again from zero. */
  forgetAfterMs: number;
  /** How long a successful (username, address) pair is exempt from its username's lock. */
  trustMs: number;
  /** Bound on remembered keys per map, so a flood of addresses or names cannot grow memory. */
  maxEntries: number;
  /** The shortest lock of an address whose client was cut off for flooding. */
  floodLockMs: number;
}

export const LOGIN_THROTTLE_DEFAULTS: ThrottleOptions = {
  freeFailures: 5,
  baseDelayMs: 1000,
  maxDelayMs: 60_000,
  forgetAfterMs: 15 * 60_000,
  trustMs: 24 * 3600_000,
  maxEntries: 10_000,
  floodLockMs: 30_000,
};

interface Entry {
  failures: number;
  last: number;
  lockedUntil: number;
}

/** Failures and locks per key, oldest-first eviction at the bound. */
class Backoff {
  private readonly seen = new Map<string, Entry>();

  constructor(
    private readonly o: ThrottleOptions,
    private readonly now: () => number,
  ) {}

  lockedFor(key: string): number {
    const e = this.seen.get(key);
    return e ? Math.max(0, e.lockedUntil - this.now()) : 0;
  }

  /** Counts a failure; returns the lock it starts (0 while failures are still free). */
  fail(key: string, extra = 0, atLeastMs = 0): number {
    const t = this.now();
    let e = this.seen.get(key);
    if (!e || t - e.last > this.o.forgetAfterMs) e = { failures: 0, last: t, lockedUntil: 0 };
    e.failures += 1 + extra;
    e.last = t;
    const over = e.failures - this.o.freeFailures;
    const backoff = over > 0 ? Math.min(this.o.maxDelayMs, this.o.baseDelayMs * 2 ** Math.min(over - 1, 30)) : 0;
    const lock = Math.max(backoff, atLeastMs);
    e.lockedUntil = lock > 0 ? t + lock : 0;
    this.put(key, e);
    return lock;
  }

  clear(key: string): void {
    this.seen.delete(key);
  }

  private put(key: string, e: Entry): void {
    this.seen.delete(key); // re-insert: Map order is the eviction order
    if (this.seen.size >= this.o.maxEntries) this.seen.delete(this.seen.keys().next().value!);
    this.seen.set(key, e);
  }

  get size(): number {
    return this.seen.size;
  }
}

export type Admission = { ok: true } | { ok: false; by: 'address' | 'username'; retryMs: number };

export class LoginThrottle {
  private readonly o: ThrottleOptions;
  private readonly byAddress: Backoff;
  private readonly byUser: Backoff;
  private readonly trusted = new Map<string, number>();

  constructor(
    opts: Partial<ThrottleOptions> = {},
    private readonly now: () => number = () => performance.now(),
  ) {
    this.o = { ...LOGIN_THROTTLE_DEFAULTS, ...opts };
    this.byAddress = new Backoff(this.o, now);
    this.byUser = new Backoff(this.o, now);
  }

  /** Whether a login from `address` as `username` may be checked at all. */
  admit(address: string, username: string): Admission {
    const a = this.byAddress.lockedFor(address);
    if (a > 0) return { ok: false, by: 'address', retryMs: a };
    const u = this.byUser.lockedFor(username);
    if (u > 0 && !this.isTrusted(username, address)) return { ok: false, by: 'username', retryMs: u };
    return { ok: true };
  }

  /** Counts a failed login; returns the longest lock it started (0: none), for a log line. */
  failed(address: string, username: string | null): number {
    const a = this.byAddress.fail(address);
    const u = username ? this.byUser.fail(username) : 0;
    return Math.max(a, u);
  }

  succeeded(address: string, username: string): void {
    this.byAddress.clear(address);
    this.byUser.clear(username);
    const key = `${username}\0${address}`;
    this.trusted.delete(key);
    if (this.trusted.size >= this.o.maxEntries) this.trusted.delete(this.trusted.keys().next().value!);
    this.trusted.set(key, this.now() + this.o.trustMs);
  }

  /**
   * An address whose client was cut off for flooding: locked at once for `floodLockMs` (or
   * its backoff, if longer), so reconnecting does not buy a fresh rate bucket straight away.
   */
  penalize(address: string): number {
    return this.byAddress.fail(address, this.o.freeFailures, this.o.floodLockMs);
  }

  private isTrusted(username: string, address: string): boolean {
    const until = this.trusted.get(`${username}\0${address}`);
    return until !== undefined && until > this.now();
  }

  /** Remembered keys (addresses, usernames, trusted pairs), to show the maps stay bounded. */
  get entries(): number {
    return this.byAddress.size + this.byUser.size + this.trusted.size;
  }
}
