// The sysfs GPIO backend against a fake sysfs tree in a temporary directory, laid
// out as on a Pi 4 running Bookworm (gpiochip512 = pinctrl-bcm2711, 58 lines;
// gpiochip570 = raspberrypi-exp-gpio, 8 lines). A tiny fake kernel turns writes to
// `export`/`unexport` into gpioN directories. Checks: label + offset -> number
// (17 -> 529), export, direction, value writes, input edges made by writing the
// value file, and clear errors for missing lines and chips.
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { GpioDriver } from '../../firmware-ts/src/drivers/gpio/gpio-driver.js';
import { parseGpioOptions } from '../../firmware-ts/src/drivers/gpio/options.js';
import { SysfsGpioBackend } from '../../firmware-ts/src/drivers/gpio/sysfs-backend.js';
import { silent } from '../helpers/store.js';
import { cleanupTempDirs, tempDir } from '../helpers/tmp.js';

afterAll(cleanupTempDirs);
const stops: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const s of stops.splice(0).reverse()) await s();
});

interface FakeSysfs {
  root: string;
  exported: number[];
  unexported: number[];
  read(n: number, file: string): string;
  write(n: number, file: string, v: string): void;
}

/** A fake /sys/class/gpio whose "kernel" creates gpioN on export and removes it on unexport. */
function fakeSysfs(): FakeSysfs {
  const root = tempDir('vimgw-sysfs-');
  const chip = (name: string, label: string, base: number, ngpio: number): void => {
    mkdirSync(join(root, name));
    writeFileSync(join(root, name, 'label'), `${label}\n`);
    writeFileSync(join(root, name, 'base'), `${base}\n`);
    writeFileSync(join(root, name, 'ngpio'), `${ngpio}\n`);
  };
  chip('gpiochip512', 'pinctrl-bcm2711', 512, 58);
  chip('gpiochip570', 'raspberrypi-exp-gpio', 570, 8);
  writeFileSync(join(root, 'export'), '');
  writeFileSync(join(root, 'unexport'), '');
  const fs: FakeSysfs = {
    root,
    exported: [],
    unexported: [],
    read: (n, file) => readFileSync(join(root, `gpio${n}`, file), 'utf8'),
    write: (n, file, v) => writeFileSync(join(root, `gpio${n}`, file), v),
  };
  const kernel = setInterval(() => {
    const ex = readFileSync(join(root, 'export'), 'utf8').trim();
    if (ex) {
      writeFileSync(join(root, 'export'), '');
      const dir = join(root, `gpio${ex}`);
      mkdirSync(dir);
      for (const [f, v] of [['direction', 'in'], ['value', '0'], ['edge', 'none'], ['active_low', '0']]) writeFileSync(join(dir, f!), `${v}\n`);
      fs.exported.push(Number(ex));
    }
    const un = readFileSync(join(root, 'unexport'), 'utf8').trim();
    if (un) {
      writeFileSync(join(root, 'unexport'), '');
      rmSync(join(root, `gpio${un}`), { recursive: true, force: true });
      fs.unexported.push(Number(un));
    }
  }, 2);
  stops.push(() => clearInterval(kernel));
  return fs;
}

async function until(what: string, cond: () => boolean, ms = 3000): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > ms) throw new Error(`timed out after ${ms} ms waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

const backendFor = (root: string, chipLabel = 'pinctrl-bcm2711') => new SysfsGpioBackend({ root, chipLabel, pollMs: 5, exportTimeoutMs: 500 });

describe('sysfs GPIO backend on a fake tree', () => {
  it('resolves chip label + offset to the sysfs number', () => {
    const fs = fakeSysfs();
    expect(backendFor(fs.root).lineNumber(17)).toBe(529);
    expect(backendFor(fs.root).lineNumber(0)).toBe(512);
    expect(backendFor(fs.root, 'raspberrypi-exp-gpio').lineNumber(2)).toBe(572);
    expect(() => backendFor(fs.root).lineNumber(58, 'chime')).toThrow('gpio line pinctrl-bcm2711:58 (chime): does not exist: gpiochip512 has 58 lines (0..57)');
    expect(() => backendFor(fs.root, 'pinctrl-rp1').lineNumber(17, 'leds.status')).toThrow(
      /gpio line pinctrl-rp1:17 \(leds.status\): no gpiochip labelled "pinctrl-rp1" under .* \(found: gpiochip512=pinctrl-bcm2711, gpiochip570=raspberrypi-exp-gpio\)/,
    );
    expect(() => backendFor(join(fs.root, 'nope')).lineNumber(1, 'chime')).toThrow(/no GPIO sysfs at/);
  });

  it('exports lines, sets directions, writes values and sees input edges through the driver', async () => {
    const fs = fakeSysfs();
    // The ignition line is still exported from an earlier run, and the ignition is on.
    mkdirSync(join(fs.root, 'gpio528'));
    for (const [f, v] of [['direction', 'in'], ['value', '1'], ['edge', 'none']]) writeFileSync(join(fs.root, 'gpio528', f!), v!);
    const onShutdown = vi.fn();
    const d = new GpioDriver(
      parseGpioOptions({
        backend: 'sysfs', sysfsRoot: fs.root, pollMs: 5, debounceMs: 20, shutdownDelayS: 0.3, chimePulseMs: 50,
        lines: { buttons: { A: 5, B: 6 }, buttonsActiveLow: false, ignition: 16, leds: { status: 23 }, chime: 18 },
      }),
      { log: silent, onShutdown },
    );
    stops.push(() => d.stop());
    await d.start();
    expect(d.health()).toMatchObject({ state: 'ok', detail: expect.stringMatching(/5 lines on sysfs .*pinctrl-bcm2711 = gpiochip512 \(base 512, 58 lines\)/) });
    expect(fs.exported.sort()).toEqual([517, 518, 530, 535]);
    expect(fs.read(517, 'direction')).toBe('in');
    expect(fs.read(517, 'edge')).toBe('both');
    expect(fs.read(528, 'direction')).toBe('in');
    expect(fs.read(535, 'direction')).toBe('low');
    expect(fs.read(530, 'direction')).toBe('low');

    d.setLed('status', 'ok');
    expect(fs.read(535, 'value')).toBe('1');
    const chimed = d.chime();
    expect(fs.read(530, 'value')).toBe('1');
    await chimed;
    expect(fs.read(530, 'value')).toBe('0');

    const presses: string[] = [];
    d.on('button', (l) => presses.push(l));
    fs.write(518, 'value', '1\n');
    await until('press B', () => presses.length === 1);
    expect(presses).toEqual(['B']);
    fs.write(518, 'value', '0\n');
    fs.write(517, 'value', '1\n');
    await until('press A', () => presses.length === 2);
    expect(presses).toEqual(['B', 'A']);

    expect(d.ignitionOn()).toBe(true);
    fs.write(528, 'value', '0\n');
    await until('shutdown timer', () => d.shutdownPending() !== null);
    fs.write(528, 'value', '1\n');
    await until('cancelled', () => d.shutdownPending() === null);
    await new Promise((r) => setTimeout(r, 400));
    expect(onShutdown).not.toHaveBeenCalled();
    fs.write(528, 'value', '0\n');
    await until('shut down', () => onShutdown.mock.calls.length === 1);

    await d.stop();
    // stop() unexports every line in one synchronous loop; this fake kernel polls the
    // file and so sees only the last write (a real one handles each write()).
    await until('unexported', () => fs.unexported.length > 0);
    const last = fs.unexported[0]!;
    expect([517, 518, 528, 530, 535]).toContain(last);
    expect(existsSync(join(fs.root, `gpio${last}`))).toBe(false);
  });

  it('a missing line is a fault naming it, and the other lines still work', async () => {
    const fs = fakeSysfs();
    const d = new GpioDriver(
      parseGpioOptions({ backend: 'sysfs', sysfsRoot: fs.root, lines: { leds: { status: 23 }, chime: 64 } }),
      { log: silent },
    );
    stops.push(() => d.stop());
    await d.start();
    expect(d.health().state).toBe('failed');
    expect(d.health().detail).toMatch(/^gpio line pinctrl-bcm2711:64 \(chime\): does not exist: gpiochip512 has 58 lines/);
    d.setLed('status', 'ok');
    expect(fs.read(535, 'value')).toBe('1');
  });

  it('a line the kernel never hands over times out with a clear error', async () => {
    const root = tempDir('vimgw-sysfs-dead-');
    mkdirSync(join(root, 'gpiochip512'));
    writeFileSync(join(root, 'gpiochip512', 'label'), 'pinctrl-bcm2711\n');
    writeFileSync(join(root, 'gpiochip512', 'base'), '512\n');
    writeFileSync(join(root, 'gpiochip512', 'ngpio'), '58\n');
    writeFileSync(join(root, 'export'), '');
    await expect(new SysfsGpioBackend({ root, chipLabel: 'pinctrl-bcm2711', pollMs: 5, exportTimeoutMs: 50 }).open(4, 'out', 'chime')).rejects.toThrow(
      /gpio line pinctrl-bcm2711:4 \(chime\): not usable 50 ms after export: .* \(sysfs gpio516\)/,
    );
  });
});
