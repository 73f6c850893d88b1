// The GNSS driver end to end in-process: the simulator on sim://gnss, the real
// framer/parser/state, the ports the gateway gives it.
import { afterEach, describe, expect, it } from 'vitest';
import { GnssSimulator } from '../../devices/gnss-sim/gnss-sim.js';
import { GnssDriver, type GnssPublished } from '../../firmware-ts/src/drivers/gnss/gnss-driver.js';
import type { GnssFix } from '../../firmware-ts/src/drivers/gnss/gnss-state.js';
import { distanceM, TrackThinner } from '../../firmware-ts/src/drivers/gnss/track-thinning.js';
import { SimRegistry } from '../../firmware-ts/src/transport/sim-link.js';
import { Transport } from '../../firmware-ts/src/transport/transport.js';
import { silent } from '../helpers/store.js';

function until(pred: () => boolean, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  return new Promise((resolve, reject) => {
    const t = setInterval(() => {
      if (pred()) {
        clearInterval(t);
        resolve();
      } else if (Date.now() > end) {
        clearInterval(t);
        reject(new Error(`timed out: ${what}`));
      }
    }, 20);
  });
}

let driver: GnssDriver | null = null;
afterEach(async () => {
  await driver?.stop();
  driver = null;
});

function build(sim: GnssSimulator, staleAfterMs = 1500) {
  const sims = new SimRegistry();
  sims.register('gnss', sim);
  const published: GnssPublished[] = [];
  const points: GnssFix[] = [];
  const offsets: number[] = [];
  const transport = new Transport('gnss', 'sim://gnss', { log: silent, sims, backoff: { minMs: 50, maxMs: 200 } });
  driver = new GnssDriver(transport, { staleAfterMs, publishIntervalMs: 200 }, { publish: (s) => published.push(s), trackPoint: (f) => points.push(f), clockAgrees: (o) => offsets.push(o) }, silent);
  return { driver, published, points, offsets };
}

describe('GNSS driver', () => {
  it('follows the simulated van with a 3D fix matching the truth, and says the clock agrees', async () => {
    const sim = new GnssSimulator({ rate: 10, speedup: 1, startS: 200 });
    const { driver: d, offsets } = build(sim);
    await d.start();
    await until(() => d.position() !== null, 5000, 'a fix');
    const pos = d.position()!;
    expect(pos.mode).toBe('3d');
    const truth = sim.truthAtUtc(pos.timeMs!);
    expect(distanceM(pos.lat!, pos.lon!, truth.lat, truth.lon)).toBeLessThan(0.5);
    expect(d.health()).toMatchObject({ state: 'ok', detail: '3d fix' });
    expect(offsets.length).toBeGreaterThan(0);
    expect(Math.abs(offsets[0]!)).toBeLessThan(1000);
  });

  it('marks the fix stale within the configured time when the sky is lost, and never passes it as current', async () => {
    const sim = new GnssSimulator({ rate: 10, speedup: 1 });
    const { driver: d, published } = build(sim, 1000);
    await d.start();
    await until(() => d.position() !== null, 5000, 'a fix');
    sim.setFix(true);
    const lostAt = Date.now();
    await until(() => d.position() === null, 3000, 'no current fix');
    expect(Date.now() - lostAt).toBeLessThan(2500);
    const snap = d.snapshot();
    expect(snap.mode).toBe('none');
    expect(snap.fix === null || snap.fix.mode === 'none').toBe(true);
    expect(snap.last?.mode).toBe('3d'); // the last known position stays available as `last`
    expect(d.health().state).toBe('degraded');
    await until(() => published.some((p) => p.mode === 'none'), 2000, 'a published no-fix state');
    sim.setFix(false);
    await until(() => d.position() !== null, 3000, 'the fix back');
  });

  it('goes stale when the receiver is unplugged, reports it, and recovers on replug', async () => {
    const sim = new GnssSimulator({ rate: 10 });
    const { driver: d } = build(sim, 1000);
    await d.start();
    await until(() => d.position() !== null, 5000, 'a fix');
    sim.unplug();
    await until(() => d.health().state === 'failed', 3000, 'health failed');
    expect(d.health().detail).toMatch(/not connected/);
    expect(d.position()).toBeNull();
    sim.replug();
    await until(() => d.position() !== null, 5000, 'fresh fix after replug');
    expect(d.health().state).toBe('ok');
  });

  it('counts what noise it dropped and still tracks', async () => {
    const sim = new GnssSimulator({ rate: 10, noise: 'checksum,glued,junk,truncated:0.1', seed: 7 });
    const { driver: d } = build(sim);
    await d.start();
    await until(() => (d.health().counters?.['framer.accepted'] ?? 0) > 100, 8000, 'sentences');
    const c = d.health().counters!;
    expect(c['framer.checksum']! + c['framer.garbage']! + c['framer.truncated']!).toBeGreaterThan(0);
    expect(d.position()).not.toBeNull();
  });
});

describe('track thinning', () => {
  const at = (i: number, lat: number, speed: number): GnssFix => ({
    time: new Date(i * 1000).toISOString(), timeMs: i * 1000, mode: '3d', lat, lon: 29.5, altMSL: 300, speed, track: 0, hdop: 1, pdop: 1, vdop: 1, satellitesUsed: 10,
  });
  const M_PER_DEG = 111_195; // metres per degree of latitude

  it('writes a point every 50 m while moving and nothing while parked', () => {
    const t = new TrackThinner();
    const taken: number[] = [];
    // 10 m/s for 60 s: a point every 5 s (50 m); then parked for 10 minutes.
    for (let i = 0; i <= 60; i++) if (t.offer(at(i, 40 + (i * 10) / M_PER_DEG, 10))) taken.push(i);
    const parkedLat = 40 + 600 / M_PER_DEG;
    let parkedPoints = 0;
    for (let i = 61; i < 660; i++) if (t.offer(at(i, parkedLat + (i % 2) * 1e-6, 0))) parkedPoints++;
    expect(taken).toEqual([0, 5, 10, 15, 20, 25, 30, 35, 40, 45, 50, 55, 60]);
    expect(parkedPoints).toBe(0);
  });

  it('writes a point every 30 s when moving slowly', () => {
    const t = new TrackThinner();
    const taken: number[] = [];
    for (let i = 0; i <= 90; i++) if (t.offer(at(i, 40 + (i * 1) / M_PER_DEG, 1))) taken.push(i); // 1 m/s
    expect(taken).toEqual([0, 30, 60, 90]); // 30 m per 30 s: the time rule, never the distance rule
  });

  it('never makes a point from a fix without a position', () => {
    const t = new TrackThinner();
    expect(t.offer({ ...at(0, 40, 0), mode: 'none', lat: null, lon: null })).toBe(false);
  });
});
