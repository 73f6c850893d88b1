// The production backend on a Pi: onoff (the design card's GPIO library) for the
// line I/O, with edge interrupts through epoll instead of polling. onoff takes raw
// sysfs numbers, which on Bookworm kernels start at 512 (Pi 4) or 571 (Pi 5), so
// `new Gpio(17)` is wrong there: the number comes from the chip's label + offset,
// resolved by the sysfs backend's chip lookup.
import { createRequire } from 'node:module';
import { GpioLineError, type Direction, type GpioBackend, type GpioLine } from './backend.js';
import { SysfsGpioBackend } from './sysfs-backend.js';

interface OnoffGpio {
  readSync(): number;
  writeSync(v: number): void;
  watch(cb: (err: Error | null | undefined, value: number) => void): void;
  unexport(): void;
}
interface OnoffModule {
  Gpio: { new (n: number, direction: string, edge?: string, opts?: { activeLow?: boolean }): OnoffGpio; accessible: boolean };
}

export class OnoffGpioBackend implements GpioBackend {
  private readonly resolver: SysfsGpioBackend;
  private readonly open_: OnoffGpio[] = [];

  constructor(private readonly o: { root: string; chipLabel: string; exportTimeoutMs: number }) {
    this.resolver = new SysfsGpioBackend({ root: o.root, chipLabel: o.chipLabel, pollMs: 1000, exportTimeoutMs: o.exportTimeoutMs });
  }

  describe(): string {
    return `onoff, ${this.resolver.describe()}`;
  }

  open(offset: number, direction: Direction, use: string): Promise<GpioLine> {
    try {
      return Promise.resolve(this.claim(offset, direction, use));
    } catch (e) {
      return Promise.reject(e instanceof Error ? e : new Error(String(e)));
    }
  }

  private claim(offset: number, direction: Direction, use: string): GpioLine {
    const n = this.resolver.lineNumber(offset, use); // throws GpioLineError naming chip label + offset
    const onoff = createRequire(import.meta.url)('onoff') as OnoffModule;
    if (!onoff.Gpio.accessible) throw new GpioLineError(this.o.chipLabel, offset, use, 'onoff: GPIO is not accessible on this machine');
    let gpio: OnoffGpio;
    try {
      // 'low' exports an output already driven low, so it never glitches high.
      gpio = direction === 'out' ? new onoff.Gpio(n, 'low') : new onoff.Gpio(n, 'in', 'both');
    } catch (e) {
      throw new GpioLineError(this.o.chipLabel, offset, use, `onoff could not claim gpio${n}: ${(e as Error).message}`);
    }
    this.open_.push(gpio);
    const line: GpioLine = {
      offset,
      read: () => (gpio.readSync() ? 1 : 0),
      write: (v) => gpio.writeSync(v),
      onChange: (fn) => gpio.watch((err, value) => (err ? undefined : fn((value ? 1 : 0)))),
      close: () => gpio.unexport(),
    };
    return line;
  }

  close(): Promise<void> {
    for (const g of this.open_.splice(0)) {
      try {
        g.unexport();
      } catch {
        /* already gone */
      }
    }
    return Promise.resolve();
  }
}
