// GPIO driver on the simulated backend, with fake timers so every edge is exact:
// debounced buttons and ignition, LED patterns, the chime pulse, the modem power
// key's timed presses, the ignition shutdown timer and its cancel, and lines that
// do not exist (a fault naming chip label + offset while the other lines work).
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { GpioDriver } from '../../firmware-ts/src/drivers/gpio/gpio-driver.js';
import { parseGpioOptions } from '../../firmware-ts/src/drivers/gpio/options.js';
import { SIM_HISTORY_LIMIT, SimGpioBackend } from '../../firmware-ts/src/drivers/gpio/sim-backend.js';
import { silent } from '../helpers/store.js';

const LINES = { buttons: { A: 5, B: 6 }, ignition: 16, leds: { status: 23, sync: 24 }, chime: 18, modemPower: 25 };

let live: GpioDriver[] = [];
beforeEach(() => {
  vi.useFakeTimers({ now: 1_000_000 });
});
afterEach(async () => {
  for (const d of live) await d.stop();
  live = [];
  vi.useRealTimers();
});

async function setup(cfg: Record<string, unknown> = {}, simOpts: ConstructorParameters<typeof SimGpioBackend>[0] = {}) {
  const o = parseGpioOptions({ debounceMs: 30, shutdownDelayS: 60, chimePulseMs: 300, modemPowerPressMs: 800, modemPowerOffMs: 3000, lines: LINES, ...cfg });
  const sim = new SimGpioBackend({ initial: { 5: 1, 6: 1, 16: 1 }, ...simOpts });
  const onShutdown = vi.fn(() => Promise.resolve());
  const d = new GpioDriver(o, { log: silent, backend: sim, onShutdown });
  live.push(d);
  await d.start();
  return { d, sim, onShutdown };
}

/** The written levels of an output as [value, ms since t0]. */
const edges = (sim: SimGpioBackend, offset: number, t0: number): [number, number][] => sim.writes(offset).map((w) => [w.value, w.at - t0]);

describe('gpio driver (sim backend)', () => {
  it('debounces buttons: bounces and short glitches do not count, a held press counts once', async () => {
    const { d, sim } = await setup();
    const presses: string[] = [];
    d.on('button', (l) => presses.push(l));
    // Contact bounce: 0/1 every 5 ms for 20 ms, then held low.
    for (const v of [0, 1, 0, 1, 0] as const) {
      sim.set(5, v);
      await vi.advanceTimersByTimeAsync(5);
    }
    expect(presses).toEqual([]);
    await vi.advanceTimersByTimeAsync(30);
    expect(presses).toEqual(['A']);
    await vi.advanceTimersByTimeAsync(1000); // held: still one press
    sim.set(5, 1);
    await vi.advanceTimersByTimeAsync(40);
    // A 20 ms glitch on B is not a press.
    sim.set(6, 0);
    await vi.advanceTimersByTimeAsync(20);
    sim.set(6, 1);
    await vi.advanceTimersByTimeAsync(100);
    expect(presses).toEqual(['A']);
    sim.set(6, 0);
    await vi.advanceTimersByTimeAsync(31);
    expect(presses).toEqual(['A', 'B']);
    expect(d.health().counters).toMatchObject({ presses: 2 });
  });

  it('plays LED patterns: ok steady, degraded slow, syncing fast, fault double blink', async () => {
    const { d, sim } = await setup();
    const t0 = Date.now();
    d.setLed('status', 'ok');
    await vi.advanceTimersByTimeAsync(2000);
    expect(edges(sim, 23, t0)).toEqual([[1, 0]]);
    d.setLed('status', 'ok'); // same pattern: no restart, no stutter
    expect(sim.writes(23)).toHaveLength(1);

    let t = Date.now();
    d.setLed('sync', 'degraded');
    await vi.advanceTimersByTimeAsync(2000);
    expect(edges(sim, 24, t)).toEqual([[1, 0], [0, 500], [1, 1000], [0, 1500], [1, 2000]]);

    t = Date.now();
    const before = sim.writes(24).length;
    d.setLed('sync', 'syncing');
    await vi.advanceTimersByTimeAsync(400);
    expect(edges(sim, 24, t).slice(before)).toEqual([[1, 0], [0, 100], [1, 200], [0, 300], [1, 400]]);

    t = Date.now();
    const b2 = sim.writes(23).length;
    d.setLed('status', 'fault');
    await vi.advanceTimersByTimeAsync(1000);
    expect(edges(sim, 23, t).slice(b2)).toEqual([[1, 0], [0, 150], [1, 300], [0, 450], [1, 1000]]);
    expect(d.ledPattern('status')).toBe('fault');

    d.setLed('status', 'off');
    expect(sim.level(23)).toBe(0);
    expect(() => d.setLed('nope', 'ok')).toThrow(/no LED named "nope"/);
    expect(() => d.setLed('status', 'blink' as never)).toThrow(/unknown LED pattern "blink"/);
  });

  it('pulses the chime and restarts a pulse called during one', async () => {
    const { d, sim } = await setup();
    const t0 = Date.now();
    let done = false;
    void d.chime().then(() => (done = true));
    await vi.advanceTimersByTimeAsync(299);
    expect(sim.level(18)).toBe(1);
    expect(done).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(done).toBe(true);
    expect(edges(sim, 18, t0)).toEqual([[1, 0], [0, 300]]);
    const t1 = Date.now();
    void d.chime();
    await vi.advanceTimersByTimeAsync(100);
    const second = d.chime();
    await vi.advanceTimersByTimeAsync(300);
    await second;
    expect(edges(sim, 18, t1).slice(2)).toEqual([[1, 0], [0, 100], [1, 100], [0, 400]]);
    expect(d.health().counters).toMatchObject({ chimes: 3 });
  });

  it('power-cycles the modem with two timed presses, one cycle for concurrent callers', async () => {
    const { d, sim } = await setup();
    const t0 = Date.now();
    const a = d.powerCycle();
    const b = d.powerCycle();
    expect(b).toBe(a);
    await vi.advanceTimersByTimeAsync(4600);
    await a;
    expect(edges(sim, 25, t0)).toEqual([[1, 0], [0, 800], [1, 3800], [0, 4600]]);
    expect(d.health().counters).toMatchObject({ powerCycles: 1 });
  });

  it('ignition off starts the shutdown timer, ignition on cancels it, and off long enough shuts down', async () => {
    const { d, sim, onShutdown } = await setup();
    expect(d.ignitionOn()).toBe(true);
    sim.set(16, 0);
    await vi.advanceTimersByTimeAsync(20);
    sim.set(16, 1); // cranking dip: not an ignition-off
    await vi.advanceTimersByTimeAsync(100);
    expect(d.shutdownPending()).toBeNull();

    sim.set(16, 0);
    await vi.advanceTimersByTimeAsync(30);
    expect(d.ignitionOn()).toBe(false);
    expect(d.shutdownPending()).toBe(new Date(Date.now() + 60_000).toISOString());
    expect(d.health().detail).toMatch(/shutdown in 60 s \(ignition off\)/);
    await vi.advanceTimersByTimeAsync(59_000);
    sim.set(16, 1);
    await vi.advanceTimersByTimeAsync(30);
    expect(d.shutdownPending()).toBeNull();
    await vi.advanceTimersByTimeAsync(120_000);
    expect(onShutdown).not.toHaveBeenCalled();

    sim.set(16, 0);
    await vi.advanceTimersByTimeAsync(30 + 59_999);
    expect(onShutdown).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(1);
    expect(onShutdown).toHaveBeenCalledTimes(1);
    expect(d.health().counters).toMatchObject({ shutdownsStarted: 2, shutdownsCancelled: 1, shutdowns: 1 });
  });

  it('starts the timer at boot when the ignition is already off', async () => {
    const { d, onShutdown } = await setup({}, { initial: { 5: 1, 6: 1, 16: 0 } });
    expect(d.shutdownPending()).not.toBeNull();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(onShutdown).toHaveBeenCalledTimes(1);
  });

  it('a line that does not exist is a fault naming chip label and offset; the rest keeps working', async () => {
    const { d, sim } = await setup({ lines: { ...LINES, chime: 99, modemPower: 25 } }, { missing: [25] });
    const h = d.health();
    expect(h.state).toBe('failed');
    expect(h.detail).toMatch(/gpio line pinctrl-bcm2711:99 \(chime\): does not exist/);
    expect(h.detail).toMatch(/gpio line pinctrl-bcm2711:25 \(modemPower\): does not exist/);
    expect(h.counters).toMatchObject({ faults: 2, lines: 5 });
    await expect(d.powerCycle()).rejects.toThrow(/pinctrl-bcm2711:25 \(modemPower\)/);
    await d.chime(); // no chime line: resolves, nothing to do
    const presses: string[] = [];
    d.on('button', (l) => presses.push(l));
    sim.set(5, 0);
    await vi.advanceTimersByTimeAsync(30);
    expect(presses).toEqual(['A']);
    d.setLed('status', 'ok');
    expect(sim.level(23)).toBe(1);
  });

  it('a config with bad or doubled lines is refused with the field named', () => {
    expect(() => parseGpioOptions({ lines: { buttons: { a: 5 } } })).toThrow(/lines\.buttons/);
    expect(() => parseGpioOptions({ lines: { buttons: { A: 5 }, chime: 5 } })).toThrow(/lines\.chime: offset 5 is already used by lines\.buttons\.A/);
    expect(() => parseGpioOptions({ backend: 'libgpiod' })).toThrow(/backend: must be one of onoff, sysfs, sim/);
    expect(parseGpioOptions({})).toMatchObject({ backend: 'sim', sysfsRoot: '/sys/class/gpio', chipLabel: 'pinctrl-bcm2711', debounceMs: 30, lines: { buttons: {}, leds: {} } });
  });

  it('stops cleanly: LEDs off, timers cleared, lines released', async () => {
    const { d, sim, onShutdown } = await setup();
    d.setLed('status', 'fault');
    sim.set(16, 0);
    await vi.advanceTimersByTimeAsync(100);
    await d.stop();
    expect(sim.level(23)).toBe(0);
    expect(sim.direction(5)).toBeUndefined();
    await vi.advanceTimersByTimeAsync(120_000);
    expect(onShutdown).not.toHaveBeenCalled();
    expect(d.health().state).toBe('absent');
  });
});

describe('sim backend history', () => {
  // The hour's soak: a blinking LED's write records were most of the gateway's heap growth.
  it('keeps a bounded history of writes per line, the newest last', async () => {
    const b = new SimGpioBackend();
    const line = await b.open(16, 'out', 'status LED');
    for (let i = 0; i < 3 * SIM_HISTORY_LIMIT; i++) line.write((i % 2) as 0 | 1);
    const w = b.writes(16);
    expect(w.length).toBeGreaterThanOrEqual(SIM_HISTORY_LIMIT);
    expect(w.length).toBeLessThanOrEqual(SIM_HISTORY_LIMIT + 100);
    expect(w[w.length - 1]!.value).toBe((3 * SIM_HISTORY_LIMIT - 1) % 2);
    expect(b.level(16)).toBe(1);
  });
});
