// The onoff backend resolves lines by chip label + offset (never raw numbers) and,
// where the kernel has no usable GPIO sysfs (any machine but a Pi), names the line
// it could not claim instead of crashing.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { GpioLineError } from '../../firmware-ts/src/drivers/gpio/backend.js';
import { OnoffGpioBackend } from '../../firmware-ts/src/drivers/gpio/onoff-backend.js';
import { cleanupTempDirs, tempDir } from '../helpers/tmp.js';

afterAll(cleanupTempDirs);

function fakeChip(root: string, name: string, label: string, base: number, ngpio: number): void {
  mkdirSync(join(root, name), { recursive: true });
  writeFileSync(join(root, name, 'label'), `${label}\n`);
  writeFileSync(join(root, name, 'base'), `${base}\n`);
  writeFileSync(join(root, name, 'ngpio'), `${ngpio}\n`);
}

describe('onoff GPIO backend', () => {
  it('names a line that does not exist on the labelled chip', async () => {
    const root = tempDir();
    fakeChip(root, 'gpiochip512', 'pinctrl-bcm2711', 512, 58);
    const b = new OnoffGpioBackend({ root, chipLabel: 'pinctrl-bcm2711', exportTimeoutMs: 100 });
    await expect(b.open(64, 'out', 'chime')).rejects.toThrow(/gpio line pinctrl-bcm2711:64 \(chime\): does not exist: gpiochip512 has 58 lines/);
    const other = new OnoffGpioBackend({ root, chipLabel: 'pinctrl-rp1', exportTimeoutMs: 100 });
    await expect(other.open(17, 'in', 'button A')).rejects.toThrow(/no gpiochip labelled "pinctrl-rp1"/);
  });

  it('resolves label + offset to the Bookworm sysfs number and fails clearly where GPIO is not accessible', async () => {
    const root = tempDir();
    fakeChip(root, 'gpiochip512', 'pinctrl-bcm2711', 512, 58);
    const b = new OnoffGpioBackend({ root, chipLabel: 'pinctrl-bcm2711', exportTimeoutMs: 100 });
    const err = await b.open(17, 'out', 'status led').then(
      () => null,
      (e: unknown) => e,
    );
    // On a Pi this would claim gpio529 through onoff; this machine has no GPIO sysfs.
    expect(err).toBeInstanceOf(GpioLineError);
    expect((err as Error).message).toMatch(/gpio line pinctrl-bcm2711:17 \(status led\): (onoff: GPIO is not accessible on this machine|onoff could not claim gpio529)/);
    expect(b.describe()).toContain('onoff');
    await b.close();
  });
});
