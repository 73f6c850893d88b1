// GPIO as a Part (DESIGN.md "Devices", issue 4): debounced kiosk buttons (one per
// service letter) and ignition sense in; status LEDs with patterns, the chime and
// the modem power key out. Ignition off starts the shutdown timer (flush, stop)
// that ignition on cancels. A line that does not exist is a fault named by chip
// label + offset; the other lines, and the rest of the gateway, keep working.
import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import { HealthTracker, type Health, type Part } from '../../lifecycle.js';
import { GpioLineError, type GpioBackend, type GpioLine, type Level } from './backend.js';
import type { GpioDriverDeps, GpioOptions } from './options.js';
import { Blinker, Debouncer, isLedPattern, type LedPattern } from './signals.js';
import { OnoffGpioBackend } from './onoff-backend.js';
import { SimGpioBackend } from './sim-backend.js';
import { SysfsGpioBackend } from './sysfs-backend.js';

export { GpioLineError } from './backend.js';
export type { LedPattern } from './signals.js';

export interface GpioDriverEvents {
  /** A debounced press of the kiosk button for this service letter. */
  button: [letter: string];
  ignition: [on: boolean];
  /** The shutdown timer ran out (onShutdown is being called). */
  shutdown: [];
}

/** The backend config asks for; the simulated one starts with buttons released and ignition on. */
export function createBackend(o: GpioOptions): GpioBackend {
  if (o.backend === 'onoff') return new OnoffGpioBackend({ root: o.sysfsRoot, chipLabel: o.chipLabel, exportTimeoutMs: o.exportTimeoutMs });
  if (o.backend === 'sysfs') return new SysfsGpioBackend({ root: o.sysfsRoot, chipLabel: o.chipLabel, pollMs: o.pollMs, exportTimeoutMs: o.exportTimeoutMs });
  const initial: Record<number, Level> = {};
  for (const off of Object.values(o.lines.buttons)) initial[off] = o.lines.buttonsActiveLow ? 1 : 0;
  if (o.lines.ignition !== undefined) initial[o.lines.ignition] = o.lines.ignitionActiveLow ? 0 : 1;
  return new SimGpioBackend({ chipLabel: o.chipLabel, initial });
}

export class GpioDriver extends EventEmitter<GpioDriverEvents> implements Part {
  readonly name = 'gpio';
  private readonly log: Logger;
  private readonly tracker = new HealthTracker('absent', 'not started');
  private backend: GpioBackend | null = null;
  private readonly lines = new Map<string, GpioLine>();
  private readonly faults: string[] = [];
  private readonly debouncers: Debouncer[] = [];
  private readonly blinkers = new Map<string, Blinker>();
  private ignition: Debouncer | null = null;
  private shutdownTimer: NodeJS.Timeout | null = null;
  private shutdownAt: number | null = null;
  private chimeTimer: NodeJS.Timeout | null = null;
  private chimeDone: (() => void) | null = null;
  private cycling: Promise<void> | null = null;
  private readonly counters = { presses: 0, chimes: 0, powerCycles: 0, ignitionOff: 0, shutdownsStarted: 0, shutdownsCancelled: 0, shutdowns: 0 };

  constructor(
    private readonly config: GpioOptions,
    private readonly deps: GpioDriverDeps,
  ) {
    super();
    this.log = deps.log.child({ part: 'gpio' });
  }

  async start(): Promise<void> {
    const o = this.config;
    const backend = (this.backend = this.deps.backend ?? createBackend(o));
    const l = o.lines;
    for (const [letter, offset] of Object.entries(l.buttons)) {
      const line = await this.claim(`buttons.${letter}`, offset, 'in');
      if (!line) continue;
      const pressed: Level = l.buttonsActiveLow ? 0 : 1;
      const d = new Debouncer(line.read(), o.debounceMs, (v) => {
        if (v !== pressed) return;
        this.counters.presses++;
        this.emit('button', letter);
      });
      line.onChange((v) => d.input(v));
      this.debouncers.push(d);
    }
    if (l.ignition !== undefined) {
      const line = await this.claim('ignition', l.ignition, 'in');
      if (line) {
        const on: Level = l.ignitionActiveLow ? 0 : 1;
        const d = (this.ignition = new Debouncer(line.read(), o.debounceMs, (v) => this.onIgnition(v === on)));
        line.onChange((v) => d.input(v));
        this.debouncers.push(d);
        // Booted with the ignition off (a restart in a parked van): the timer starts now.
        if (d.level !== on) this.onIgnition(false);
      }
    }
    for (const [name, offset] of Object.entries(l.leds)) {
      const line = await this.claim(`leds.${name}`, offset, 'out');
      if (line) this.blinkers.set(name, new Blinker(line));
    }
    if (l.chime !== undefined) await this.claim('chime', l.chime, 'out');
    if (l.modemPower !== undefined) await this.claim('modemPower', l.modemPower, 'out');
    const summary = `${this.lines.size} lines on ${backend.describe()}`;
    if (this.faults.length) this.tracker.set('failed', `${this.faults.join('; ')}; ${summary}`);
    else this.tracker.set('ok', summary);
  }

  async stop(): Promise<void> {
    for (const d of this.debouncers.splice(0)) d.stop();
    if (this.shutdownTimer) clearTimeout(this.shutdownTimer);
    this.shutdownTimer = null;
    this.shutdownAt = null;
    this.endChime();
    await this.cycling?.catch(() => undefined);
    for (const b of this.blinkers.values()) b.stop();
    this.blinkers.clear();
    for (const line of this.lines.values()) line.close();
    this.lines.clear();
    await this.backend?.close();
    this.backend = null;
    this.tracker.set('absent', 'stopped');
  }

  health(): Health {
    const h = this.tracker.get();
    const shutdown = this.shutdownAt === null ? '' : `; shutdown in ${Math.max(0, Math.round((this.shutdownAt - Date.now()) / 1000))} s (ignition off)`;
    h.detail += shutdown;
    h.counters = { ...this.counters, lines: this.lines.size, faults: this.faults.length };
    return h;
  }

  /** null when there is no ignition line (or it is missing). */
  ignitionOn(): boolean | null {
    if (!this.ignition) return null;
    return this.ignition.level === (this.config.lines.ignitionActiveLow ? 0 : 1);
  }

  /** ISO time the shutdown timer runs out, or null when none is running. */
  shutdownPending(): string | null {
    return this.shutdownAt === null ? null : new Date(this.shutdownAt).toISOString();
  }

  /** Sets a status LED's pattern. An unknown name is an error; a LED whose line is missing is skipped (its fault is in health). */
  setLed(name: string, pattern: LedPattern): void {
    if (!isLedPattern(pattern)) throw new Error(`gpio: unknown LED pattern "${String(pattern)}" (off, ok, degraded, syncing, fault)`);
    if (!Object.hasOwn(this.config.lines.leds, name)) throw new Error(`gpio: no LED named "${name}" in lines.leds`);
    this.blinkers.get(name)?.set(pattern);
  }

  /** The configured LED names (lines.leds). */
  ledNames(): string[] {
    return Object.keys(this.config.lines.leds);
  }

  ledPattern(name: string): LedPattern | null {
    return this.blinkers.get(name)?.current ?? null;
  }

  /** One chime pulse; resolves when it ends. A call during a pulse restarts it. Without a chime line it resolves at once. */
  chime(): Promise<void> {
    const line = this.lines.get('chime');
    if (!line) return Promise.resolve();
    this.counters.chimes++;
    this.endChime();
    line.write(1);
    return new Promise((resolve) => {
      this.chimeDone = resolve;
      this.chimeTimer = setTimeout(() => this.endChime(), this.config.chimePulseMs);
    });
  }

  /**
   * Power-cycles the modem through its power key: a press (off), a pause, a press
   * (on). For the modem driver's recovery ladder. Concurrent calls share one cycle.
   * Rejects naming the line when it is not configured or missing.
   */
  powerCycle(): Promise<void> {
    const line = this.lines.get('modemPower');
    if (!line) {
      const fault = this.faults.find((f) => f.includes('(modemPower)'));
      return Promise.reject(new Error(fault ?? 'gpio: no modem power line configured (lines.modemPower)'));
    }
    if (this.cycling) return this.cycling;
    const o = this.config;
    const wait = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
    this.counters.powerCycles++;
    this.log.warn({ pressMs: o.modemPowerPressMs, offMs: o.modemPowerOffMs }, 'power-cycling the modem');
    this.cycling = (async () => {
      try {
        line.write(1);
        await wait(o.modemPowerPressMs);
        line.write(0);
        await wait(o.modemPowerOffMs);
        line.write(1);
        await wait(o.modemPowerPressMs);
      } finally {
        line.write(0);
        this.cycling = null;
      }
    })();
    return this.cycling;
  }

  private async claim(use: string, offset: number, dir: 'in' | 'out'): Promise<GpioLine | null> {
    try {
      const line = await this.backend!.open(offset, dir, use);
      this.lines.set(use, line);
      return line;
    } catch (e) {
      const msg = e instanceof GpioLineError ? e.message : `gpio line ${this.config.chipLabel}:${offset} (${use}): ${(e as Error).message}`;
      this.faults.push(msg);
      this.log.error({ line: use, offset, chip: this.config.chipLabel }, msg);
      return null;
    }
  }

  private onIgnition(on: boolean): void {
    this.emit('ignition', on);
    if (on) {
      if (!this.shutdownTimer) return;
      clearTimeout(this.shutdownTimer);
      this.shutdownTimer = null;
      this.shutdownAt = null;
      this.counters.shutdownsCancelled++;
      this.log.info('ignition on: shutdown cancelled');
      return;
    }
    this.counters.ignitionOff++;
    if (this.shutdownTimer) return;
    const ms = this.config.shutdownDelayS * 1000;
    this.counters.shutdownsStarted++;
    this.shutdownAt = Date.now() + ms;
    this.log.warn({ inS: this.config.shutdownDelayS }, 'ignition off: shutdown timer started');
    this.shutdownTimer = setTimeout(() => {
      this.shutdownTimer = null;
      this.shutdownAt = null;
      this.counters.shutdowns++;
      this.log.warn('ignition stayed off: shutting down');
      this.emit('shutdown');
      void this.runShutdown();
    }, ms);
  }

  private async runShutdown(): Promise<void> {
    try {
      await this.deps.onShutdown?.();
    } catch (e) {
      this.log.error({ err: (e as Error).message }, 'shutdown callback failed');
    }
  }

  private endChime(): void {
    if (this.chimeTimer) clearTimeout(this.chimeTimer);
    this.chimeTimer = null;
    const done = this.chimeDone;
    this.chimeDone = null;
    if (done) {
      this.lines.get('chime')?.write(0);
      done();
    }
  }
}
