// Simulated GPIO lines for machines without GPIO (DESIGN.md non-negotiable 7) and
// for tests: inputs are driven with set(), outputs are read back with level() and
// their recent history with writes(). A chip has `ngpio` lines; an offset beyond,
// or one listed in `missing`, does not exist, as on a real chip.
import { GpioLineError, type Direction, type GpioBackend, type GpioLine, type Level } from './backend.js';

export interface SimGpioOptions {
  chipLabel?: string;
  /** Lines on the chip (bcm2711: 58). */
  ngpio?: number;
  /** Offsets that do not exist even below ngpio. */
  missing?: number[];
  /** Starting levels of inputs (default 0). */
  initial?: Record<number, Level>;
}

export interface SimWrite {
  value: Level;
  /** Date.now() when written (fake timers make it exact). */
  at: number;
}

/**
 * Writes kept per line. The whole history grew without bound on the simulated bench: a
 * blinking LED is ~10 writes a second, and the hour's soak found it as most of the
 * gateway's heap growth (a heap snapshot diff: ~5,800 write records in 10 minutes). The
 * limit was 10,000 until a later diff found the lines still filling up to it 20 minutes into
 * the soak (~1,200 records in 10 minutes); 1,000 is 100 s of blinking, more than any test
 * reads back.
 */
export const SIM_HISTORY_LIMIT = 1_000;
/** Dropped from the front at once when the limit is passed, so a write stays O(1) amortised. */
const HISTORY_TRIM = 100;

export class SimGpioBackend implements GpioBackend {
  readonly chipLabel: string;
  readonly ngpio: number;
  private readonly missing: Set<number>;
  private readonly levels = new Map<number, Level>();
  private readonly history = new Map<number, SimWrite[]>();
  private readonly listeners = new Map<number, (v: Level) => void>();
  private readonly directions = new Map<number, Direction>();

  constructor(opts: SimGpioOptions = {}) {
    this.chipLabel = opts.chipLabel ?? 'pinctrl-bcm2711';
    this.ngpio = opts.ngpio ?? 58;
    this.missing = new Set(opts.missing ?? []);
    for (const [k, v] of Object.entries(opts.initial ?? {})) this.levels.set(Number(k), v);
  }

  describe(): string {
    return `sim ${this.chipLabel} (${this.ngpio} lines)`;
  }

  open(offset: number, direction: Direction, use: string): Promise<GpioLine> {
    if (offset >= this.ngpio || this.missing.has(offset)) {
      return Promise.reject(new GpioLineError(this.chipLabel, offset, use, `does not exist: simulated ${this.chipLabel} has no line ${offset}`));
    }
    if (this.directions.has(offset)) return Promise.reject(new GpioLineError(this.chipLabel, offset, use, 'busy: already claimed'));
    this.directions.set(offset, direction);
    if (direction === 'out') this.levels.set(offset, 0);
    return Promise.resolve({
      offset,
      read: () => this.level(offset),
      write: (v: Level) => {
        this.levels.set(offset, v);
        const h = this.history.get(offset) ?? [];
        h.push({ value: v, at: Date.now() });
        if (h.length > SIM_HISTORY_LIMIT + HISTORY_TRIM) h.splice(0, h.length - SIM_HISTORY_LIMIT);
        this.history.set(offset, h);
      },
      onChange: (fn: (v: Level) => void) => {
        this.listeners.set(offset, fn);
      },
      close: () => {
        this.listeners.delete(offset);
        this.directions.delete(offset);
      },
    });
  }

  close(): Promise<void> {
    this.listeners.clear();
    this.directions.clear();
    return Promise.resolve();
  }

  /** Drives an input (a button press, the ignition). */
  set(offset: number, v: Level): void {
    if (this.levels.get(offset) === v) return;
    this.levels.set(offset, v);
    this.listeners.get(offset)?.(v);
  }

  level(offset: number): Level {
    return this.levels.get(offset) ?? 0;
  }

  /** The values last written to an output, in order (at least the last SIM_HISTORY_LIMIT). */
  writes(offset: number): SimWrite[] {
    return [...(this.history.get(offset) ?? [])];
  }

  direction(offset: number): Direction | undefined {
    return this.directions.get(offset);
  }
}
