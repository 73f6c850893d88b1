// Pull API authentication: per-consumer bearer tokens, stored as SHA-256 hashes
// (a token is 32 random bytes, not a password, so a fast hash is enough and the
// config never holds a usable secret), compared in constant time, and failed
// attempts counted per address: too many and the address is locked out for a while.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

export interface ConsumerToken {
  name: string;
  tokenSha256: string;
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** A new random token (base64url, 43 characters) and the hash that goes in the config. */
export function newToken(): { token: string; tokenSha256: string } {
  const token = randomBytes(32).toString('base64url');
  return { token, tokenSha256: hashToken(token) };
}

/**
 * The consumer whose token the Authorization header carries, or null. Every configured
 * hash is compared, match or not, so the time taken does not tell which one was close.
 */
export function authenticate(header: string | undefined, consumers: readonly ConsumerToken[]): string | null {
  const m = /^Bearer ([A-Za-z0-9._~+/=-]{1,512})$/.exec(header ?? '');
  if (!m) return null;
  const got = createHash('sha256').update(m[1]!, 'utf8').digest();
  let found: string | null = null;
  for (const c of consumers) {
    const want = Buffer.from(c.tokenSha256, 'hex');
    if (want.length === got.length && timingSafeEqual(want, got) && found === null) found = c.name;
  }
  return found;
}

/** Failed authentications per address; `maxFailures` within `windowMs` lock it out for `lockoutMs`. */
export class FailureLimiter {
  private readonly seen = new Map<string, { failures: number; first: number; lockedUntil: number }>();

  constructor(
    private readonly maxFailures: number,
    private readonly lockoutMs: number,
    private readonly windowMs = lockoutMs,
    private readonly now: () => number = Date.now,
    private readonly maxEntries = 10_000,
  ) {}

  /** Milliseconds the address stays locked out; 0 when it may try. */
  lockedFor(addr: string): number {
    const e = this.seen.get(addr);
    if (!e) return 0;
    const left = e.lockedUntil - this.now();
    return left > 0 ? left : 0;
  }

  fail(addr: string): void {
    const t = this.now();
    let e = this.seen.get(addr);
    if (!e || t - e.first > this.windowMs) {
      e = { failures: 0, first: t, lockedUntil: 0 };
      // A flood of addresses must not grow the map without bound: forget the oldest.
      if (this.seen.size >= this.maxEntries) this.seen.delete(this.seen.keys().next().value!);
    }
    e.failures++;
    if (e.failures >= this.maxFailures) e.lockedUntil = t + this.lockoutMs;
    this.seen.delete(addr);
    this.seen.set(addr, e);
  }

  succeed(addr: string): void {
    if (this.lockedFor(addr) === 0) this.seen.delete(addr);
  }
}
