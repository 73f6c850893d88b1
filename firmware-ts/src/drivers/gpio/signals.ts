// Timing on top of raw lines: LED patterns and input debounce. Kept apart from the
// driver so that tests can check the exact edges with fake timers.
import type { GpioLine, Level } from './backend.js';

export type LedPattern = 'off' | 'ok' | 'degraded' | 'syncing' | 'fault';

/**
 * [level, ms] steps, repeated. Distinct at a glance from across the van:
 * ok steady on; degraded a slow 1 Hz blink; syncing a fast 5 Hz blink;
 * fault a double blink once a second.
 */
export const LED_PATTERNS: Readonly<Record<LedPattern, readonly (readonly [Level, number])[]>> = {
  off: [[0, 0]],
  ok: [[1, 0]],
  degraded: [[1, 500], [0, 500]],
  syncing: [[1, 100], [0, 100]],
  fault: [[1, 150], [0, 150], [1, 150], [0, 550]],
};

export function isLedPattern(p: string): p is LedPattern {
  return Object.hasOwn(LED_PATTERNS, p);
}

/** Plays one pattern on one output line until told another. */
export class Blinker {
  private pattern: LedPattern | null = null;
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly line: GpioLine) {}

  get current(): LedPattern | null {
    return this.pattern;
  }

  set(pattern: LedPattern): void {
    if (pattern === this.pattern) return; // restarting would make a steady blink stutter
    this.pattern = pattern;
    this.clear();
    this.step(LED_PATTERNS[pattern], 0);
  }

  stop(): void {
    this.clear();
    this.pattern = null;
    this.line.write(0);
  }

  private step(steps: readonly (readonly [Level, number])[], i: number): void {
    const [level, ms] = steps[i]!;
    this.line.write(level);
    if (steps.length === 1) return; // steady
    this.timer = setTimeout(() => this.step(steps, (i + 1) % steps.length), ms);
  }

  private clear(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}

/**
 * An input level counts only once it held for `ms`: contact bounce and ignition
 * noise (cranking dips the supply) never reach the driver's logic.
 */
export class Debouncer {
  private raw: Level;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private stable: Level,
    private readonly ms: number,
    private readonly onStable: (v: Level) => void,
  ) {
    this.raw = stable;
  }

  get level(): Level {
    return this.stable;
  }

  input(v: Level): void {
    this.raw = v;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (v === this.stable) return; // bounced back before it settled
    this.timer = setTimeout(() => {
      this.timer = null;
      if (this.raw === this.stable) return;
      this.stable = this.raw;
      this.onStable(this.stable);
    }, this.ms);
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}
