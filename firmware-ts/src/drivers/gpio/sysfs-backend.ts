// GPIO through the kernel's sysfs interface (Documentation/ABI/obsolete/sysfs-gpio),
// written here rather than through onoff because onoff hard-codes /sys/class/gpio/
// (onoff.js GPIO_ROOT_PATH) and takes raw global numbers; this backend takes the
// root from config, so an integration test runs it against a fake tree in a
// temporary directory. The chip is found by the `label` file of each
// <root>/gpiochipN; its `base` plus the offset is the sysfs number (512 + 17 = 529
// on a Pi 4 running Bookworm).
//
// Inputs are sampled every pollMs rather than waited on with poll(2)/epoll on the
// value file: that works the same on the real tree and on a fake one (regular files
// cannot be polled for POLLPRI), costs a few µs per read, and the driver debounces
// anyway. `edge` is still set to `both` on real kernels so the interrupt is armed.
import { accessSync, constants, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { GpioLineError, type Direction, type GpioBackend, type GpioLine, type Level } from './backend.js';

export interface SysfsOptions {
  root: string;
  chipLabel: string;
  pollMs: number;
  exportTimeoutMs: number;
}

interface Chip {
  name: string;
  base: number;
  ngpio: number;
}

const readText = (p: string): string => readFileSync(p, 'utf8').trim();

export class SysfsGpioBackend implements GpioBackend {
  private chip: Chip | null = null;
  private readonly lines = new Set<SysfsLine>();

  constructor(private readonly o: SysfsOptions) {}

  describe(): string {
    return `sysfs ${this.o.root}, ${this.o.chipLabel}${this.chip ? ` = ${this.chip.name} (base ${this.chip.base}, ${this.chip.ngpio} lines)` : ''}`;
  }

  /** The sysfs number of an offset on the configured chip. */
  lineNumber(offset: number, use = 'line'): number {
    const chip = this.resolveChip(offset, use);
    if (offset >= chip.ngpio) throw new GpioLineError(this.o.chipLabel, offset, use, `does not exist: ${chip.name} has ${chip.ngpio} lines (0..${chip.ngpio - 1})`);
    return chip.base + offset;
  }

  async open(offset: number, direction: Direction, use: string): Promise<GpioLine> {
    const n = this.lineNumber(offset, use);
    const fail = (why: string): GpioLineError => new GpioLineError(this.o.chipLabel, offset, use, `${why} (sysfs gpio${n})`);
    const dir = join(this.o.root, `gpio${n}`);
    if (!existsSync(dir)) {
      try {
        writeFileSync(join(this.o.root, 'export'), String(n));
      } catch (e) {
        const err = e as NodeJS.ErrnoException;
        // EBUSY: a kernel driver (or another process through the chardev) holds it.
        throw fail(err.code === 'EBUSY' ? 'busy: claimed by a kernel driver or another program' : `cannot export: ${err.message}`);
      }
    }
    // udev applies group permissions a moment after the export; wait for them.
    const deadline = Date.now() + this.o.exportTimeoutMs;
    for (;;) {
      try {
        accessSync(join(dir, 'direction'), constants.W_OK);
        accessSync(join(dir, 'value'), constants.R_OK | constants.W_OK);
        break;
      } catch (e) {
        if (Date.now() > deadline) throw fail(`not usable ${this.o.exportTimeoutMs} ms after export: ${(e as Error).message}`);
        await new Promise((r) => setTimeout(r, 10));
      }
    }
    try {
      // "low" sets an output and drives it low in one step, without a glitch high.
      writeFileSync(join(dir, 'direction'), direction === 'out' ? 'low' : 'in');
      if (direction === 'in' && existsSync(join(dir, 'edge'))) writeFileSync(join(dir, 'edge'), 'both');
    } catch (e) {
      throw fail(`cannot set direction: ${(e as Error).message}`);
    }
    const line = new SysfsLine(offset, n, dir, this.o, () => this.lines.delete(line));
    this.lines.add(line);
    return line;
  }

  close(): Promise<void> {
    for (const l of [...this.lines]) l.close();
    return Promise.resolve();
  }

  private resolveChip(offset: number, use: string): Chip {
    if (this.chip) return this.chip;
    let names: string[];
    try {
      names = readdirSync(this.o.root).filter((f) => /^gpiochip\d+$/.test(f));
    } catch (e) {
      throw new GpioLineError(this.o.chipLabel, offset, use, `no GPIO sysfs at ${this.o.root}: ${(e as Error).message}`);
    }
    const found: string[] = [];
    for (const name of names.sort()) {
      try {
        const label = readText(join(this.o.root, name, 'label'));
        found.push(`${name}=${label}`);
        if (label !== this.o.chipLabel) continue;
        const base = Number(readText(join(this.o.root, name, 'base')));
        const ngpio = Number(readText(join(this.o.root, name, 'ngpio')));
        if (!Number.isInteger(base) || !Number.isInteger(ngpio) || base < 0 || ngpio <= 0) {
          throw new Error(`unreadable base/ngpio in ${name}`);
        }
        this.chip = { name, base, ngpio };
        return this.chip;
      } catch (e) {
        found.push(`${name}: ${(e as Error).message}`);
      }
    }
    throw new GpioLineError(this.o.chipLabel, offset, use, `no gpiochip labelled "${this.o.chipLabel}" under ${this.o.root} (found: ${found.join(', ') || 'none'})`);
  }
}

class SysfsLine implements GpioLine {
  private timer: NodeJS.Timeout | null = null;
  private last: Level | null = null;
  private readonly valuePath: string;
  private closed = false;

  constructor(
    readonly offset: number,
    private readonly n: number,
    dir: string,
    private readonly o: SysfsOptions,
    private readonly onClosed: () => void,
  ) {
    this.valuePath = join(dir, 'value');
  }

  read(): Level {
    return readText(this.valuePath) === '1' ? 1 : 0;
  }

  write(v: Level): void {
    writeFileSync(this.valuePath, v ? '1' : '0');
  }

  onChange(fn: (v: Level) => void): void {
    if (this.timer) clearInterval(this.timer);
    this.last = this.read();
    this.timer = setInterval(() => {
      let v: Level;
      try {
        v = this.read();
      } catch {
        return; // a vanished line reads as no change; the driver's health comes from open()
      }
      if (v === this.last) return;
      this.last = v;
      fn(v);
    }, this.o.pollMs);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    try {
      writeFileSync(join(this.o.root, 'unexport'), String(this.n));
    } catch {
      /* already gone */
    }
    this.onClosed();
  }
}
