// The optional bandwidth cap for a metered SIM: a token bucket in bytes. A batch may
// be larger than the bucket; it then goes when the bucket is full and leaves it in
// debt, so the average rate still holds.
export class ByteBucket {
  private tokens: number;
  private at: number;
  private readonly burst: number;

  constructor(
    private readonly bytesPerS: number,
    private readonly now: () => number = () => performance.now(),
  ) {
    // One second's worth, and at least one full batch, can go at once.
    this.burst = Math.max(bytesPerS, 64 * 1024);
    this.tokens = this.burst;
    this.at = now();
  }

  private refill(): void {
    const t = this.now();
    this.tokens = Math.min(this.burst, this.tokens + ((t - this.at) / 1000) * this.bytesPerS);
    this.at = t;
  }

  /** Milliseconds to wait before `bytes` may go; 0: take them now. */
  delayFor(bytes: number): number {
    this.refill();
    const need = Math.min(bytes, this.burst);
    return this.tokens >= need ? 0 : Math.ceil(((need - this.tokens) / this.bytesPerS) * 1000);
  }

  take(bytes: number): void {
    this.refill();
    this.tokens -= bytes;
  }
}
