// Reconnect timing (DESIGN.md "Contracts"): exponential from 1 s to 30 s with
// jitter, so a van full of devices that failed together does not retry in lockstep.
export interface BackoffOptions {
  minMs: number;
  maxMs: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { minMs: 1000, maxMs: 30_000 };

export class Backoff {
  private attempt = 0;
  constructor(
    private readonly opts: BackoffOptions = DEFAULT_BACKOFF,
    private readonly random: () => number = Math.random,
  ) {}

  /** The next delay: the exponential step ±25 % at random, kept within [minMs, maxMs]. */
  next(): number {
    const step = Math.min(this.opts.maxMs, this.opts.minMs * 2 ** this.attempt);
    this.attempt = Math.min(this.attempt + 1, 30);
    const jittered = step * (0.75 + this.random() * 0.5);
    return Math.round(Math.max(this.opts.minMs, Math.min(this.opts.maxMs, jittered)));
  }

  reset(): void {
    this.attempt = 0;
  }

  get attempts(): number {
    return this.attempt;
  }
}
