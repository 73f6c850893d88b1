// The GNSS simulator (devices/gnss-sim): every sentence is valid NMEA 0183 that a
// small independent checker here accepts (no dependency on the GNSS driver), the
// positions follow the route's truth, stops stand still, the tunnel loses the fix,
// noise comes at the requested kinds and rates, unplug/replug works through a real
// Transport, and recorded logs replay byte for byte.
import { EventEmitter } from 'node:events';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { GnssSimulator } from '../../devices/gnss-sim/gnss-sim.js';
import { formatCoord, formatUtc, sentence } from '../../devices/gnss-sim/nmea-writer.js';
import { parseNoise } from '../../devices/gnss-sim/noise.js';
import { lineTimestamp } from '../../devices/gnss-sim/replay.js';
import { SimRegistry, type SimPort } from '../../firmware-ts/src/transport/sim-link.js';
import { Transport } from '../../firmware-ts/src/transport/transport.js';
import { silent } from '../helpers/store.js';
import { cleanupTempDirs, tempDir } from '../helpers/tmp.js';

// ---- a small NMEA checker of our own ----

const FRAME = /^\$([A-Z]{2})([A-Z]{3}),([^*$]*)\*([0-9A-F]{2})$/;

function checksumOk(line: string): boolean {
  const m = FRAME.exec(line);
  if (!m) return false;
  const body = line.slice(1, line.indexOf('*'));
  let x = 0;
  for (const ch of body) x ^= ch.charCodeAt(0);
  return x === parseInt(m[4]!, 16);
}

/** Field counts after the address field, NMEA 4.10 (GSV: 4 + 4 per satellite + signal id). */
const FIELD_COUNT: Record<string, (f: string[]) => boolean> = {
  RMC: (f) => f.length === 13,
  GGA: (f) => f.length === 14,
  VTG: (f) => f.length === 9,
  GSA: (f) => f.length === 18,
  GSV: (f) => f.length >= 4 && (f.length - 4) % 4 === 0,
};

function parse(line: string): { talker: string; type: string; f: string[] } {
  const m = FRAME.exec(line);
  if (!m) throw new Error(`not a sentence: ${JSON.stringify(line)}`);
  return { talker: m[1]!, type: m[2]!, f: m[3]!.split(',') };
}

function deg(v: string, hemi: string): number {
  const dot = v.indexOf('.');
  const d = Number(v.slice(0, dot - 2));
  const m = Number(v.slice(dot - 2));
  const x = d + m / 60;
  return hemi === 'S' || hemi === 'W' ? -x : x;
}

interface Rmc {
  utcMs: number;
  status: string;
  lat: number | null;
  lon: number | null;
  knots: number | null;
  cog: string;
}

function rmcOf(line: string): Rmc {
  const { f } = parse(line);
  const [t = '', status = '', lat = '', ns = '', lon = '', ew = '', sog = '', cog = '', date = ''] = f;
  const utcMs = Date.UTC(2000 + Number(date.slice(4, 6)), Number(date.slice(2, 4)) - 1, Number(date.slice(0, 2)), Number(t.slice(0, 2)), Number(t.slice(2, 4)), 0, Math.round(Number(t.slice(4)) * 1000));
  return { utcMs, status, lat: lat ? deg(lat, ns) : null, lon: lon ? deg(lon, ew) : null, knots: sog ? Number(sog) : null, cog };
}

// ---- an in-memory port ----

class FakePort extends EventEmitter implements SimPort {
  open = true;
  private chunks: Buffer[] = [];
  write(d: Buffer | string): void {
    if (!this.open) throw new Error('write after close');
    this.chunks.push(typeof d === 'string' ? Buffer.from(d, 'latin1') : Buffer.from(d));
  }
  unplug(): void {
    if (!this.open) return;
    this.open = false;
    this.emit('close');
  }
  get bytes(): Buffer {
    return Buffer.concat(this.chunks);
  }
  /** Everything received so far, then forgets it. */
  take(): string {
    const s = this.bytes.toString('latin1');
    this.chunks = [];
    return s;
  }
}

const lines = (s: string) => s.split('\r\n').filter((l) => l !== '');

/** A simulator on a hand-driven clock: step() advances one epoch and emits it. */
function manual(opts: ConstructorParameters<typeof GnssSimulator>[0] = {}, params: Record<string, string> = {}) {
  let now = Date.parse('2026-11-27T09:00:00.000Z');
  const sim = new GnssSimulator({ utcStartMs: now, ...opts, now: () => now });
  const port = new FakePort();
  sim.attach(port, params);
  const rate = Number(params.rate ?? opts.rate ?? 1);
  const step = (n = 1): string => {
    for (let i = 0; i < n; i++) {
      now += 1000 / rate;
      sim.tick();
    }
    return port.take();
  };
  live.push(sim);
  return { sim, port, step };
}

const live: GnssSimulator[] = [];
afterEach(() => {
  for (const s of live.splice(0)) s.stop();
});
afterAll(cleanupTempDirs);

describe('NMEA writer', () => {
  it('frames with the XOR checksum and CRLF, as a real receiver does', () => {
    // A u-blox NEO-M9N line from test/fixtures/nmea-gpsd/ublox-neo-m9n-nmea.log.
    expect(sentence('GNRMC,223745.00,A,3806.62964,N,12237.61382,W,0.040,,110720,,,D,V')).toBe('$GNRMC,223745.00,A,3806.62964,N,12237.61382,W,0.040,,110720,,,D,V*0E\r\n');
  });

  it('writes ddmm.mmmm / dddmm.mmmm with hemispheres, never 60 minutes', () => {
    expect(formatCoord(40.078, 'lat')).toEqual(['4004.6800', 'N']);
    expect(formatCoord(29.513, 'lon')).toEqual(['02930.7800', 'E']);
    expect(formatCoord(-33.5, 'lat')).toEqual(['3330.0000', 'S']);
    expect(formatCoord(-122.62689, 'lon', 5)).toEqual(['12237.61340', 'W']);
    expect(formatCoord(40.99999999, 'lat')).toEqual(['4100.0000', 'N']);
    expect(formatUtc(Date.parse('2026-11-27T09:05:07.25Z'))).toEqual({ time: '090507.25', date: '271126' });
  });
});

describe('GNSS simulator output', () => {
  it('emits only valid sentences over a whole lap: checksums, lengths, fields, talkers', () => {
    const { sim, step } = manual({ speedup: 5 });
    const n = Math.ceil(sim.route.durationS / 5) + 2;
    const all = lines(step(n));
    const types = new Map<string, number>();
    for (const l of all) {
      expect(checksumOk(l), l).toBe(true);
      expect(l.length + 2).toBeLessThanOrEqual(82);
      const { talker, type, f } = parse(l);
      expect(FIELD_COUNT[type]?.(f), l).toBe(true);
      expect(type === 'GSV' ? ['GP', 'GL', 'GA', 'GB'] : ['GN'], l).toContain(talker);
      types.set(`${talker}${type}`, (types.get(`${talker}${type}`) ?? 0) + 1);
    }
    expect(types.get('GNRMC')).toBe(n);
    expect(types.get('GNGGA')).toBe(n);
    expect(types.get('GNVTG')).toBe(n);
    expect(types.get('GNGSA')).toBe(4 * n); // one per system, NMEA 4.10 system ids 1-4
    for (const t of ['GPGSV', 'GLGSV', 'GAGSV', 'GBGSV']) expect(types.get(t)).toBeGreaterThanOrEqual(n);
    const gsaIds = new Set(all.filter((l) => l.startsWith('$GNGSA')).map((l) => parse(l).f[17]));
    expect([...gsaIds].sort()).toEqual(['1', '2', '3', '4']);
    expect(sim.stats()).toMatchObject({ epochs: n, sentences: all.length, attached: 1 });
  });

  it('follows the route: each fix matches the truth at its time stamp', () => {
    const { sim, step } = manual({ speedup: 10, decimals: 5 });
    const fixes = lines(step(180)).filter((l) => l.startsWith('$GNRMC')).map(rmcOf);
    expect(fixes[0]!.lat).toBeCloseTo(40.078, 4); // the municipality building
    let compared = 0;
    for (const fx of fixes) {
      const truth = sim.truthAtUtc(fx.utcMs);
      expect(fx.status).toBe(truth.fix ? 'A' : 'V');
      if (fx.status !== 'A') continue;
      expect(Math.abs(fx.lat! - truth.lat)).toBeLessThan(1e-6);
      expect(Math.abs(fx.lon! - truth.lon)).toBeLessThan(1e-6);
      expect(fx.knots!).toBeCloseTo(truth.speedKnots, 2);
      if (truth.moving) expect(Number(fx.cog)).toBeCloseTo(truth.trackDeg, 1);
      compared++;
    }
    expect(compared).toBeGreaterThan(150);
    const speeds = new Set(fixes.map((f) => Math.round((f.knots ?? 0) * 1.852)));
    expect([...speeds]).toEqual(expect.arrayContaining([0, 30, 40, 50, 70])); // km/h on streets, rural roads, lanes
    expect(sim.lastEpoch()!.utcMs).toBe(fixes[fixes.length - 1]!.utcMs);
  });

  it('stands still at a stop: zero speed, empty course, same place', () => {
    const { sim, step } = manual({ speedup: 1, rate: 10 });
    const square = sim.route.stops().find((s) => s.name.startsWith('Köy meydanı'))!;
    sim.jumpTo(square.fromS + 5);
    const out = lines(step(30));
    expect(sim.truth()).toMatchObject({ stop: square.name, moving: false, speedMps: 0 });
    const rmcs = out.filter((l) => l.startsWith('$GNRMC')).map(rmcOf);
    expect(rmcs).toHaveLength(30);
    for (const r of rmcs) expect(r).toMatchObject({ status: 'A', knots: 0, cog: '', lat: rmcs[0]!.lat, lon: rmcs[0]!.lon });
    for (const l of out.filter((x) => x.startsWith('$GNVTG'))) expect(parse(l).f.slice(4, 8)).toEqual(['0.000', 'N', '0.000', 'K']);
    // At 10 Hz GSA/GSV go out once a second (epochs 10, 20, 30), and with the port's first epoch.
    expect(out.filter((l) => l.startsWith('$GNGSA'))).toHaveLength(4 * 4);
  });

  it('hold() keeps the van at its stop past the dwell while time stamps run on; release() drives on from there', () => {
    const { sim, step } = manual({ speedup: 1 });
    const square = sim.route.stops().find((s) => s.name.startsWith('Köy meydanı'))!;
    sim.jumpTo(square.toS - 5);
    step(2);
    sim.hold();
    expect(sim.held).toBe(true);
    const t0 = sim.truth();
    const rmcs = lines(step(60)).filter((l) => l.startsWith('$GNRMC')).map(rmcOf);
    expect(rmcs).toHaveLength(60);
    for (const r of rmcs) expect(r).toMatchObject({ status: 'A', knots: 0, lat: rmcs[0]!.lat, lon: rmcs[0]!.lon });
    expect(rmcs.at(-1)!.utcMs - rmcs[0]!.utcMs).toBe(59_000);
    expect(sim.truth()).toMatchObject({ stop: square.name, routeS: t0.routeS });
    sim.release();
    expect(sim.held).toBe(false);
    step(2);
    expect(sim.truth()).toMatchObject({ stop: square.name }); // the rest of the dwell first
    step(5);
    expect(sim.truth()).toMatchObject({ stop: null, moving: true });
  });

  it('loses the fix in the underpass (RMC V, GGA quality 0, empty position) and gets it back after', () => {
    const { sim, step } = manual({ speedup: 1 });
    const tunnel = sim.route.tunnels()[0]!;
    sim.jumpTo(tunnel.fromS - 2.5);
    const out = lines(step(Math.ceil(tunnel.toS - tunnel.fromS) + 8));
    const rmcs = out.filter((l) => l.startsWith('$GNRMC'));
    const lost = rmcs.filter((l) => parse(l).f[1] === 'V');
    expect(lost.length).toBeGreaterThanOrEqual(Math.floor(tunnel.toS - tunnel.fromS));
    for (const l of lost) expect(parse(l).f.slice(1, 8)).toEqual(['V', '', '', '', '', '', '']);
    const ggaLost = out.filter((l) => l.startsWith('$GNGGA') && parse(l).f[5] === '0');
    expect(ggaLost).toHaveLength(lost.length);
    for (const l of ggaLost) expect(parse(l).f.slice(1, 5)).toEqual(['', '', '', '']);
    for (const l of out.filter((x) => x.startsWith('$GNGSA') && parse(x).f[1] === '1')) expect(parse(l).f.slice(2, 14).join('')).toBe('');
    expect(parse(rmcs[0]!).f[1]).toBe('A'); // before the underpass
    expect(parse(rmcs[rmcs.length - 1]!).f[1]).toBe('A'); // reacquired after it
  });

  it('setFix(true) loses the fix anywhere, setFix(false) brings it back', () => {
    const { sim, step } = manual();
    expect(lines(step()).find((l) => l.startsWith('$GNRMC'))).toMatch(/^\$GNRMC,[\d.]+,A,/);
    sim.setFix(true);
    expect(sim.truth().fix).toBe(false);
    expect(lines(step()).find((l) => l.startsWith('$GNGGA'))).toMatch(/^\$GNGGA,[\d.]+,,,,,0,00,/);
    sim.setFix(false);
    expect(lines(step()).find((l) => l.startsWith('$GNRMC'))).toMatch(/^\$GNRMC,[\d.]+,A,/);
  });

  it('speaks a single system with its own talker, and NMEA 2.3 without the 4.10 fields', () => {
    const { step } = manual({}, { constellations: 'GP', nmea: '2.3' });
    const out = lines(step(2));
    expect(new Set(out.map((l) => l.slice(1, 3)))).toEqual(new Set(['GP']));
    const rmc = out.find((l) => l.startsWith('$GPRMC'))!;
    expect(parse(rmc).f).toHaveLength(12); // no navigational status
    expect(parse(out.find((l) => l.startsWith('$GPGSA'))!).f).toHaveLength(17); // no system id
    for (const l of out) expect(checksumOk(l)).toBe(true);
  });

  it('refuses bad sim:// parameters with the parameter named', () => {
    const sim = new GnssSimulator();
    expect(() => sim.attach(new FakePort(), { rate: '5' })).toThrow(/rate: must be 1 or 10/);
    expect(() => sim.attach(new FakePort(), { noise: 'sparkles' })).toThrow(/noise: "sparkles" is not one of/);
    expect(() => sim.attach(new FakePort(), { colour: 'red' })).toThrow(/colour: unknown parameter/);
    expect(() => parseNoise('checksum:2')).toThrow(/noise checksum: must be a probability/);
    expect(sim.attached).toBe(0);
  });
});

/** Sorts a noisy byte stream into what a framer would see. */
function classify(stream: string) {
  const c = { valid: 0, checksum: 0, glued: 0, junk: 0, truncated: 0 };
  const all = stream.split('\r\n'); // the last element is what follows the stream's last CRLF
  all.forEach((line, n) => {
    const first = line.indexOf('$');
    const lead = first < 0 ? line : line.slice(0, first);
    if (lead !== '') {
      expect(lead).toMatch(/[^\x20-\x7e]/); // binary, not text
      c.junk++;
    }
    if (first < 0) return;
    const segs = line.slice(first + 1).split('$');
    segs.forEach((seg, i) => {
      const complete = /\*[0-9A-F]{2}$/.test(seg);
      if (!complete) c.truncated++; // cut short: the next sentence (or the end) came before its *hh
      else if (checksumOk(`$${seg}`)) c.valid++;
      else c.checksum++;
      // A complete sentence followed by another on its line lost its CRLF; so did one left at the very end.
      if (complete && (i < segs.length - 1 || n === all.length - 1)) c.glued++;
    });
  });
  return c;
}

describe('GNSS simulator noise', () => {
  for (const kind of ['checksum', 'glued', 'junk', 'truncated'] as const) {
    it(`${kind}: corrupts about the requested share of sentences`, () => {
      const { sim, step } = manual({}, { noise: kind, noiseProb: '0.1', seed: '42' });
      const c = classify(step(250));
      const { sentences, noise } = sim.stats();
      expect(sentences).toBeGreaterThan(3000);
      expect(c[kind]).toBe(noise[kind]);
      expect(c[kind] / sentences).toBeGreaterThan(0.075);
      expect(c[kind] / sentences).toBeLessThan(0.125);
      for (const other of ['checksum', 'glued', 'junk', 'truncated'] as const) if (other !== kind) expect(c[other]).toBe(0);
      expect(c.valid).toBe(sentences - (kind === 'truncated' || kind === 'checksum' ? c[kind] : 0));
    });
  }

  it('mixes all four kinds at their own probabilities, repeatably with a seed', () => {
    const run = () => manual({ noise: 'checksum:0.02,glued:0.02,junk:0.04,truncated:0.02', seed: 9 }).step(200);
    const a = run();
    expect(run()).toBe(a);
    const c = classify(a);
    for (const k of ['checksum', 'glued', 'truncated'] as const) expect(c[k]).toBeGreaterThan(20);
    expect(c.junk).toBeGreaterThan(60);
    expect(c.valid / (c.valid + c.checksum + c.truncated)).toBeGreaterThan(0.93);
  });
});

describe('GNSS simulator as sim://gnss behind a Transport', () => {
  let t: Transport | null = null;
  afterEach(async () => {
    await t?.stop();
    t = null;
  });

  function waitFor<T>(fn: (done: (v: T) => void) => void, ms = 3000): Promise<T> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('timed out')), ms);
      fn((v) => {
        clearTimeout(timer);
        resolve(v);
      });
    });
  }

  /** Resolves with the first complete, valid RMC the transport delivers. */
  function nextRmc(tr: Transport): Promise<string> {
    let buf = '';
    return waitFor<string>((done) => {
      const onData = (d: Buffer) => {
        buf += d.toString('latin1');
        const m = /\$GNRMC[^\r]*\r\n/.exec(buf);
        if (m && checksumOk(m[0].trimEnd())) {
          tr.off('data', onData);
          done(m[0].trimEnd());
        }
      };
      tr.on('data', onData);
    });
  }

  it('feeds a driver, stops for an unplug, refuses opens until replug, then feeds again', async () => {
    const sims = new SimRegistry();
    const sim = new GnssSimulator();
    live.push(sim);
    sims.register('gnss', sim);
    t = new Transport('gnss', 'sim://gnss?rate=10', { log: silent, sims, backoff: { minMs: 20, maxMs: 100 } });
    const opened = waitFor<void>((r) => t!.once('open', () => r()));
    await t.start();
    await opened;
    expect(await nextRmc(t)).toMatch(/^\$GNRMC,[\d.]+,A,4004\.68/);
    expect(sim.attached).toBe(1);

    const closed = waitFor<{ unplugged: boolean }>((r) => t!.once('close', r));
    sim.unplug();
    expect((await closed).unplugged).toBe(true);
    expect(sim.attached).toBe(0);
    for (let i = 0; i < 100 && (t.health().counters!.openFailures ?? 0) < 2; i++) await new Promise((r) => setTimeout(r, 20));
    expect(t.connected).toBe(false);
    expect(t.health().state).toBe('failed');
    expect(t.health().counters!.openFailures).toBeGreaterThanOrEqual(2); // refused, and refused again
    expect(t.health().detail).toMatch(/gnss-sim: receiver unplugged/);

    const reopened = waitFor<void>((r) => t!.once('open', () => r()));
    sim.replug();
    await reopened;
    expect(await nextRmc(t)).toMatch(/^\$GNRMC,/);
    expect(t.health()).toMatchObject({ state: 'ok', counters: { opens: 2, unplugs: 1 } });

    await t.stop();
    t = null;
    await new Promise((r) => setImmediate(r));
    expect(sim.attached).toBe(0); // the driver closing its port ends the emission for it
  });

  it('stops writing to a port once it closes (no timer left behind)', async () => {
    const sim = new GnssSimulator();
    live.push(sim);
    const port = new FakePort();
    sim.attach(port, { rate: '10' });
    for (let i = 0; i < 100 && !port.bytes.toString('latin1').includes('$GNRMC'); i++) await new Promise((r) => setTimeout(r, 20));
    expect(lines(port.take()).some((l) => l.startsWith('$GNRMC'))).toBe(true);
    port.unplug();
    await new Promise((r) => setTimeout(r, 250));
    expect(port.bytes.length).toBe(0); // FakePort.write would have thrown after close, too
    expect(sim.attached).toBe(0);
  });
});

describe('GNSS simulator replay', () => {
  const fixture = fileURLToPath(new URL('../fixtures/nmea-gpsd/bu353-glonass.log', import.meta.url));

  it('replays a recorded receiver log byte for byte, the route paused meanwhile', async () => {
    const sim = new GnssSimulator();
    live.push(sim);
    const port = new FakePort();
    sim.attach(port, { rate: '10' });
    const expected = readFileSync(fixture, 'latin1')
      .split(/(?<=\n)/)
      .filter((l) => !l.startsWith('#') && l.trim() !== '');
    const r = await sim.replayFile(fixture, { rate: 500 });
    expect(r).toEqual({ lines: expected.length, completed: true });
    // The route resumes after the replay, so an epoch may follow the log's bytes.
    expect(port.take().startsWith(expected.join(''))).toBe(true);
  });

  it('paces by the log’s own time stamps, and can be cancelled', async () => {
    const dir = tempDir('vimgw-gnss-');
    const log = join(dir, 'short.log');
    const epoch = (s: number) => [sentence(`GPRMC,12000${s}.00,A,4004.6800,N,02930.7800,E,0.0,,271126,,,A`), sentence(`GPGGA,12000${s}.00,4004.6800,N,02930.7800,E,1,08,1.0,305.0,M,36.9,M,,`)];
    writeFileSync(log, ['# a comment the receiver never sent\n', ...[0, 1, 2, 3].flatMap(epoch)].join(''));
    expect(lineTimestamp(epoch(3)[0]!)).toBe(12 * 3600 + 3);
    const sim = new GnssSimulator();
    live.push(sim);
    const port = new FakePort();
    sim.attach(port);
    const t0 = Date.now();
    const r = await sim.replayFile(log, { speedup: 10 }); // 3 s of log at 10x
    const took = Date.now() - t0;
    expect(r).toEqual({ lines: 8, completed: true });
    expect(took).toBeGreaterThanOrEqual(280);
    expect(took).toBeLessThan(1500);

    const slow = sim.replayFile(log, { rate: 2 });
    await new Promise((res) => setTimeout(res, 700));
    sim.stopReplay();
    const cut = await slow;
    expect(cut.completed).toBe(false);
    expect(cut.lines).toBeGreaterThanOrEqual(1);
    expect(cut.lines).toBeLessThan(8);
  });
});
