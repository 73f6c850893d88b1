// Per-client publish rate limit (token bucket), sized per role from config.
export class TokenBucket {
  private tokens: number;
  private last: number;
  constructor(
    private readonly ratePerSecond: number,
    private readonly burst: number,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.tokens = burst;
    this.last = now();
  }
  take(): boolean {
    const t = this.now();
    this.tokens = Math.min(this.burst, this.tokens + ((t - this.last) / 1000) * this.ratePerSecond);
    this.last = t;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

/** Finds a command id in a payload too large or too fast to parse in full, so the refusal can name it. */
export function sniffCommandId(payload: Buffer): string | null {
  const m = /"id"\s*:\s*"([A-Za-z0-9-]{1,64})"/.exec(payload.subarray(0, 512).toString('utf8'));
  return m?.[1] ?? null;
}
