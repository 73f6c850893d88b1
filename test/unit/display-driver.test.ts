// The display driver against the in-process board (sim://display): show() returns
// at once and the board catches up; a board that NAKs forever, babbles or is
// unplugged never blocks the caller, shows as a fault in health with counters, and
// is repainted with the current state when it comes back.
import { afterEach, describe, expect, it } from 'vitest';
import { DisplayDriver, DisplayInputError } from '../../firmware-ts/src/drivers/display/display-driver.js';
import { parseDisplayOptions } from '../../firmware-ts/src/drivers/display/options.js';
import { SimRegistry } from '../../firmware-ts/src/transport/sim-link.js';
import { DisplaySim } from '../../devices/display-sim/display-sim.js';
import { silent } from '../helpers/store.js';

const live: DisplayDriver[] = [];
afterEach(async () => {
  for (const d of live.splice(0)) await d.stop();
});

async function until(what: string, cond: () => boolean, ms = 3000): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > ms) throw new Error(`timed out after ${ms} ms waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

function setup(simOpts: ConstructorParameters<typeof DisplaySim>[0] = {}, cfg: Record<string, unknown> = {}): { sim: DisplaySim; d: DisplayDriver } {
  const sim = new DisplaySim(simOpts);
  const sims = new SimRegistry();
  sims.register('display', sim);
  const d = new DisplayDriver(parseDisplayOptions({ port: 'sim://display', ackTimeoutMs: 30, retries: 2, resyncIntervalMs: 100, ...cfg }), {
    log: silent, sims, backoff: { minMs: 20, maxMs: 50 },
  });
  live.push(d);
  return { sim, d };
}

const STATE = { serving: [{ ticket: 'A042', counter: '2' }, { ticket: 'B007', counter: '3' }], scroll: 'Hoş geldiniz — İnegöl'.replace('—', '-') };

describe('display driver (in-process board)', () => {
  it('shows the state and reports ok', async () => {
    const { sim, d } = setup();
    await d.start();
    d.show(STATE);
    await until('synced', () => d.state().synced && sim.shown().scroll !== '');
    expect(sim.shown()).toEqual({ rows: ['A042 -> 2', 'B007 -> 3', '', ''], scroll: 'HOŞ GELDİNİZ - İNEGÖL' });
    expect(d.health()).toMatchObject({ state: 'ok', counters: { naks: 0, timeouts: 0, repaints: 1 } });
    // Only what changed is sent: one N frame.
    const frames: string[] = [];
    sim.on('frame', (f) => frames.push(f.cmd));
    d.show({ ...STATE, serving: [{ ticket: 'A043', counter: '2' }, STATE.serving[1]!] });
    await until('row 1 updated', () => sim.shown().rows[0] === 'A043 -> 2');
    expect(frames).toEqual(['N']);
  });

  it('rejects bad input with a clear error and changes nothing', async () => {
    const { sim, d } = setup();
    await d.start();
    d.show(STATE);
    await until('synced', () => d.state().synced && d.transport.connected);
    expect(() => d.show({ serving: [{ ticket: 'A 1', counter: '1' }] })).toThrow(DisplayInputError);
    expect(() => d.show({ serving: [], scroll: 'price 5 €' })).toThrow(/"€"/);
    expect(() => d.show({ serving: 'x' } as never)).toThrow(/serving: must be a list/);
    expect(d.state()).toMatchObject({ serving: STATE.serving, synced: true });
    expect(sim.shown().rows[0]).toBe('A042 -> 2');
    expect(d.health().counters).toMatchObject({ rejectedShows: 3 });
  });

  it('a board that NAKs forever does not block show(), is a fault, and is repainted when it recovers', async () => {
    const { sim, d } = setup({ mode: 'nak', nakCode: '4' });
    await d.start();
    const t0 = performance.now();
    for (let i = 0; i < 100; i++) d.show({ serving: [{ ticket: `A${String(i).padStart(3, '0')}`, counter: '1' }] });
    expect(performance.now() - t0).toBeLessThan(50);
    await until('fault', () => d.health().state === 'failed');
    expect(d.health().detail).toMatch(/board NAKs: frame C failed after 3 attempts \(code 4: busy\)/);
    expect(d.health().counters).toMatchObject({ naks: 3, retransmits: 2, gaveUp: 1 });
    expect(d.state()).toMatchObject({ synced: false, serving: [{ ticket: 'A099', counter: '1' }] });
    sim.mode = 'normal';
    d.show({ serving: [{ ticket: 'A100', counter: '1' }] });
    await until('repainted', () => sim.shown().rows[0] === 'A100 -> 1', 2000);
    await until('ok', () => d.health().state === 'ok');
  });

  it('a silent board times out, retries a limited number of times, and says so', async () => {
    const { sim, d } = setup({ mode: 'silent' });
    await d.start();
    d.show(STATE);
    await until('fault', () => d.health().state === 'failed');
    expect(d.health().detail).toMatch(/board does not answer: .* \(3 ACK timeouts of 30 ms\)/);
    expect(d.health().counters).toMatchObject({ timeouts: 3, frames: 3, acks: 0 });
    sim.mode = 'normal';
    await until('repainted', () => sim.shown().rows[1] === 'B007 -> 3', 2000);
  });

  it('a board answering garbage is a fault naming the garbage', async () => {
    const { sim, d } = setup({ mode: 'garbage', seed: 3 });
    await d.start();
    d.show(STATE);
    await until('fault', () => d.health().state === 'failed');
    expect(d.health().detail).toMatch(/board answers garbage: .* unreadable bytes/);
    expect(d.health().counters!.garbageBytes).toBeGreaterThan(0);
    sim.mode = 'normal';
    await until('repainted', () => sim.shown().scroll === 'HOŞ GELDİNİZ - İNEGÖL', 2000);
  });

  it('an unplugged board is repainted with the current state, not the one of the unplug', async () => {
    const { sim, d } = setup();
    await d.start();
    d.show(STATE);
    await until('synced', () => sim.shown().scroll !== '' && d.state().synced);
    sim.unplug();
    await until('port closed', () => !d.transport.connected);
    expect(d.health()).toMatchObject({ state: 'failed' });
    expect(d.health().detail).toMatch(/board port not open/);
    // The queue moves on while the board is away.
    d.show({ serving: [{ ticket: 'C001', counter: '4' }], scroll: 'Mobil tahsilat' });
    expect(sim.shown().rows[0]).toBe('');
    sim.replug();
    await until('repainted', () => sim.shown().rows[0] === 'C001 -> 4' && sim.shown().scroll === 'MOBİL TAHSİLAT', 3000);
    expect(sim.shown().rows.slice(1)).toEqual(['', '', '']);
    await until('ok', () => d.health().state === 'ok');
    expect(d.health().counters!.repaints).toBe(2);
  });

  it('stops cleanly in the middle of an exchange', async () => {
    const { d } = setup({ mode: 'silent' }, { ackTimeoutMs: 5000 });
    await d.start();
    d.show(STATE);
    await until('connected', () => d.transport.connected);
    await new Promise((r) => setTimeout(r, 20));
    const t0 = Date.now();
    await d.stop();
    expect(Date.now() - t0).toBeLessThan(500);
    expect(d.health().state).toBe('absent');
  });
});
