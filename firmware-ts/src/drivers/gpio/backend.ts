// The seam between the GPIO driver and the kernel: a backend opens lines by
// offset on one chip (resolved by label) and gives raw levels. Debounce, patterns
// and timers live in the driver, once, above every backend.

export type Level = 0 | 1;
export type Direction = 'in' | 'out';

export interface GpioLine {
  readonly offset: number;
  read(): Level;
  write(v: Level): void;
  /** Raw (not debounced) level changes of an input. */
  onChange(fn: (v: Level) => void): void;
  close(): void;
}

export interface GpioBackend {
  /** e.g. "sysfs /sys/class/gpio, pinctrl-bcm2711 = gpiochip512". */
  describe(): string;
  /** Claims a line; throws GpioLineError naming chip label and offset when it cannot. */
  open(offset: number, direction: Direction, use: string): Promise<GpioLine>;
  close(): Promise<void>;
}

/** A line that does not exist or cannot be claimed, named by chip label + offset and its use. */
export class GpioLineError extends Error {
  constructor(
    readonly chipLabel: string,
    readonly offset: number,
    readonly use: string,
    why: string,
  ) {
    super(`gpio line ${chipLabel}:${offset} (${use}): ${why}`);
    this.name = 'GpioLineError';
  }
}
