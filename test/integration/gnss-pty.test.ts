// The GNSS driver on the real serialport binding, the simulator on the far end of
// a socat pty. Unplug (the pty vanishes) -> stale within N s, health shows the
// outage, no crash; replug -> fresh fixes within 5 s.
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { GnssSimulator } from '../../devices/gnss-sim/gnss-sim.js';
import { hostOnPty, type PtyHost } from '../../devices/shared/pty-host.js';
import { GnssDriver } from '../../firmware-ts/src/drivers/gnss/gnss-driver.js';
import { Transport } from '../../firmware-ts/src/transport/transport.js';
import { silent } from '../helpers/store.js';
import { cleanupTempDirs, tempDir } from '../helpers/tmp.js';

const hosts: PtyHost[] = [];
let driver: GnssDriver | null = null;
afterAll(async () => {
  await driver?.stop();
  for (const h of hosts) await h.stop();
  cleanupTempDirs();
});

function until(pred: () => boolean, ms: number, what: string): Promise<number> {
  const t0 = Date.now();
  return new Promise((resolve, reject) => {
    const t = setInterval(() => {
      if (pred()) {
        clearInterval(t);
        resolve(Date.now() - t0);
      } else if (Date.now() - t0 > ms) {
        clearInterval(t);
        reject(new Error(`timed out after ${ms} ms: ${what}`));
      }
    }, 20);
  });
}

describe('GNSS on a pty', () => {
  it('fixes, goes stale on unplug with the outage in health, and recovers within 5 s of the replug', async () => {
    const path = join(tempDir('vimgw-gnss-'), 'vim-gnss');
    const sim = new GnssSimulator({ rate: 10, startS: 300 });
    hosts.push(await hostOnPty(path, sim));
    const staleAfterMs = 2000;
    const transport = new Transport('gnss', `serial://${path}?baud=9600`, { log: silent, backoff: { minMs: 1000, maxMs: 30_000 } });
    driver = new GnssDriver(transport, { staleAfterMs, publishIntervalMs: 500 }, { publish: () => undefined, trackPoint: () => undefined, clockAgrees: () => undefined }, silent);
    await driver.start();
    await until(() => driver!.position() !== null, 8000, 'first fix');
    expect(driver.position()!.mode).toBe('3d');

    await hosts.pop()!.stop(); // unplug
    const staleIn = await until(() => driver!.position() === null, staleAfterMs + 2000, 'stale after unplug');
    expect(staleIn).toBeLessThan(staleAfterMs + 2000);
    await until(() => driver!.health().state === 'failed', 3000, 'health shows the outage');
    const h = driver.health();
    expect(h.detail).toMatch(/not connected/);
    expect(h.counters!['transport.unplugs']! + h.counters!['transport.closes']!).toBeGreaterThanOrEqual(1);

    await new Promise((r) => setTimeout(r, 1500)); // unplugged for a while
    const replugAt = Date.now();
    hosts.push(await hostOnPty(path, sim)); // replug at the same path
    await until(() => driver!.position() !== null, 5000, 'fresh fix within 5 s of the replug');
    expect(Date.now() - replugAt).toBeLessThan(5000);
    expect(driver.health().state).toBe('ok');
  });
});
