// The display driver on the real serialport binding, with the simulated LED board on
// the far end of a socat pty pair: the picture arrives byte-exact, an unplug (the
// board goes dark and the path vanishes) is a fault in health while show() keeps
// returning at once, and after the replug the board is repainted with the state of
// that moment.
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { DisplayDriver } from '../../firmware-ts/src/drivers/display/display-driver.js';
import { parseDisplayOptions } from '../../firmware-ts/src/drivers/display/options.js';
import { DisplaySim } from '../../devices/display-sim/display-sim.js';
import { hostOnPty, type PtyHost } from '../../devices/shared/pty-host.js';
import { silent } from '../helpers/store.js';
import { cleanupTempDirs, tempDir } from '../helpers/tmp.js';

const dir = tempDir('vimgw-display-');
const live: { stop(): Promise<void> }[] = [];
afterEach(async () => {
  for (const x of live.splice(0).reverse()) await x.stop();
});
afterAll(cleanupTempDirs);

async function until(what: string, cond: () => boolean, ms: number): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > ms) throw new Error(`timed out after ${ms} ms waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('display on a pty (real serialport binding)', () => {
  it('paints the board, survives an unplug and repaints the current state after the replug', async () => {
    const path = join(dir, 'display-a');
    const sim = new DisplaySim({ rows: 4 });
    let host: PtyHost = await hostOnPty(path, sim);
    live.push({ stop: () => host.stop() });
    const d = new DisplayDriver(parseDisplayOptions({ port: `serial://${path}`, baud: 9600, ackTimeoutMs: 300, retries: 2, resyncIntervalMs: 300 }), {
      log: silent, backoff: { minMs: 100, maxMs: 500 },
    });
    live.push(d);
    await d.start();
    d.show({ serving: [{ ticket: 'A042', counter: '2' }, { ticket: 'Ş015', counter: '1' }], scroll: 'İyi günler, sıradaki numara' });
    await until('painted', () => d.state().synced && sim.shown().scroll !== '', 5000);
    expect(sim.shown()).toEqual({ rows: ['A042 -> 2', 'Ş015 -> 1', '', ''], scroll: 'İYİ GÜNLER, SIRADAKİ NUMARA' });
    expect(d.health().state).toBe('ok');

    sim.unplug(); // the board goes dark and socat exits: the path vanishes
    await until('fault', () => d.health().state === 'failed', 5000);
    const t0 = performance.now();
    d.show({ serving: [{ ticket: 'A043', counter: '2' }, { ticket: 'Ş015', counter: '1' }, { ticket: 'Ç001', counter: '3' }], scroll: 'Mobil tahsilat' });
    expect(performance.now() - t0).toBeLessThan(20);
    expect(sim.render()).toBe('\n\n\n\n');

    sim.replug();
    host = await hostOnPty(path, sim);
    await until('repainted', () => sim.shown().scroll === 'MOBİL TAHSİLAT', 8000);
    expect(sim.shown().rows).toEqual(['A043 -> 2', 'Ş015 -> 1', 'Ç001 -> 3', '']);
    await until('ok', () => d.health().state === 'ok', 2000);
    expect(d.health().counters).toMatchObject({ repaints: 2, 'transport.unplugs': 1 });
  });
});
