// The visit detection core over scripted tracks: fixes with their times go in, starts and
// ends come out. Each track is built to sit on one side of one rule (dwell, exit margin,
// leave time, stationary radius, fix gap, outage), so a broken rule fails a test.
import { describe, expect, it } from 'vitest';
import { VisitDetector, type Detection, type DetectorConfig, type Fix, type StopPlace } from '../../firmware-ts/src/services/visits/detector.js';
import { haversineM } from '../../firmware-ts/src/services/visits/geo.js';
import { seededRandom } from '../../devices/shared/random.js';

const S = 1000;
const MIN = 60 * S;
const T0 = Date.parse('2026-05-08T08:00:00Z');

const CONFIG: DetectorConfig = {
  dwellMs: 3 * MIN,
  leaveMs: 60 * S,
  exitMarginRatio: 0.1,
  exitMarginMinM: 25,
  stationarySpeedMps: 1,
  stationaryRadiusM: 50,
  unplanned: true,
  outageMs: 10 * MIN,
  fixGapMs: 30 * S,
};

/** The village square of the simulator's route, radius 100 m (exit radius 125 m). */
const SQUARE: StopPlace = { id: 'koy', name: 'Köy meydanı', neighbourhood: 'Hamzabey', lat: 40.0378, lon: 29.5556, radiusM: 100 };
const MARKET: StopPlace = { id: 'pazar', name: 'Mahalle pazarı', neighbourhood: 'Cuma', lat: 40.0745, lon: 29.5231, radiusM: 60 };

const M_PER_DEG = (6_371_008.8 * Math.PI) / 180;
/** A point `north` and `east` metres from a place. */
function at(p: { lat: number; lon: number }, north: number, east: number, speedMps: number | null = 0): Fix {
  return { lat: p.lat + north / M_PER_DEG, lon: p.lon + east / (M_PER_DEG * Math.cos((p.lat * Math.PI) / 180)), speedMps };
}

type Step = { t: number; fix: Fix | null };

/** A straight drive at `speed` m/s from `fromM` to `toM` metres east of the place, one fix a second, starting at `t`. */
function drive(p: { lat: number; lon: number }, fromM: number, toM: number, speed: number, t: number): Step[] {
  const out: Step[] = [];
  const dir = Math.sign(toM - fromM);
  const n = Math.floor(Math.abs(toM - fromM) / speed);
  for (let i = 0; i <= n; i++) out.push({ t: t + i * S, fix: at(p, 0, fromM + dir * i * speed, speed) });
  return out;
}

/** Parked `eastM` from the place for `seconds`, one fix a second, each jittered by up to `jitterM` (seeded). */
function park(p: { lat: number; lon: number }, eastM: number, seconds: number, t: number, jitterM = 0, seed = 1): Step[] {
  const rnd = seededRandom(seed);
  const out: Step[] = [];
  for (let i = 0; i < seconds; i++) out.push({ t: t + i * S, fix: at(p, (rnd() * 2 - 1) * jitterM, eastM + (rnd() * 2 - 1) * jitterM, rnd() * 0.3) });
  return out;
}

function noFix(seconds: number, t: number): Step[] {
  return Array.from({ length: seconds }, (_, i) => ({ t: t + i * S, fix: null }));
}

const end = (steps: Step[]) => steps[steps.length - 1]!.t + S;

/** Runs a track; returns each detection with the time of the observation that produced it. */
function run(steps: Step[], stops: StopPlace[] = [SQUARE, MARKET], cfg: DetectorConfig = CONFIG, d = new VisitDetector(cfg, (ms) => `visit-${ms}`)) {
  d.setStops(stops);
  const out: (Detection & { seenAt: number })[] = [];
  for (const s of steps) for (const x of d.observe(s.t, s.fix)) out.push({ ...x, seenAt: s.t });
  return { out, d };
}

describe('planned stops', () => {
  it('starts a visit once the van has stayed inside the radius for the dwell, dated from its arrival', () => {
    const approach = drive(SQUARE, -600, 0, 10, T0); // enters the 100 m radius 50 s in
    const stay = park(SQUARE, 0, 600, end(approach));
    const { out, d } = run([...approach, ...stay]);
    const arrived = approach.find((s) => haversineM(SQUARE, s.fix!) <= 100)!.t;
    expect(arrived).toBe(T0 + 50 * S);
    expect(out).toHaveLength(1);
    expect(out[0]).toMatchObject({ kind: 'started', seenAt: arrived + 3 * MIN, visit: { stopId: 'koy', name: 'Köy meydanı', startedAt: arrived, detectedAt: arrived + 3 * MIN, lat: SQUARE.lat, lon: SQUARE.lon } });
    expect(d.current()?.visitId).toBe(`visit-${arrived}`);
  });

  it('reports the dwell under way before it counts', () => {
    const { out, d } = run(park(SQUARE, 0, 120, T0));
    expect(out).toEqual([]);
    expect(d.pending()).toEqual({ stopId: 'koy', name: 'Köy meydanı', since: T0 });
    expect(d.current()).toBeNull();
  });

  it('records nothing for a drive-through, nor for a crawl through shorter than the dwell', () => {
    const through = drive(SQUARE, -800, 800, 10, T0);
    expect(run(through).out).toEqual([]);
    // 1.5 m/s: from entering the radius to leaving radius + margin takes 225 m, 150 s: under three minutes.
    const crawl = drive(SQUARE, -400, 400, 1.5, T0);
    const entered = crawl.find((s) => haversineM(SQUARE, s.fix!) <= 100)!.t;
    const lastNear = crawl.filter((s) => haversineM(SQUARE, s.fix!) <= 125).at(-1)!.t;
    expect(lastNear - entered).toBeGreaterThan(2 * MIN);
    expect(lastNear - entered).toBeLessThan(3 * MIN);
    expect(run(crawl).out).toEqual([]);
  });

  it('does not flap when the van parks at the edge and GNSS jitters across the radius', () => {
    // Parked 95 m out with ±20 m jitter: fixes fall both sides of 100 m, all within the 125 m exit radius.
    const stay = park(SQUARE, 95, 30 * 60, T0, 20, 7);
    const dists = stay.map((s) => haversineM(SQUARE, s.fix!));
    expect(dists.some((m) => m > 100)).toBe(true);
    expect(Math.max(...dists)).toBeLessThan(125);
    // And every five minutes a 40 s multipath excursion to 160 m: beyond the margin, shorter than the leave time.
    const track = stay.map((s, i) => (i % 300 >= 200 && i % 300 < 240 ? { t: s.t, fix: at(SQUARE, 0, 160) } : s));
    const { out } = run(track);
    expect(out.map((x) => x.kind)).toEqual(['started']);
  });

  it('ends the visit after the van has been beyond radius + margin for the leave time, dated at its last fix inside', () => {
    const stay = park(SQUARE, 0, 600, T0);
    const away = drive(SQUARE, 0, 2000, 10, end(stay));
    const { out } = run([...stay, ...away]);
    expect(out.map((x) => x.kind)).toEqual(['started', 'ended']);
    const lastInside = away.filter((s) => haversineM(SQUARE, s.fix!) <= 125).at(-1)!.t;
    const firstOutside = away.find((s) => haversineM(SQUARE, s.fix!) > 125)!.t;
    expect(out[1]).toMatchObject({ kind: 'ended', reason: 'left', endedAt: lastInside, seenAt: firstOutside + 60 * S, visit: { stopId: 'koy', startedAt: T0 } });
  });

  it('restarts a dwell when a new plan moves its stop, and keeps it when the plan resends the same stop', () => {
    const cfg = { ...CONFIG, unplanned: false };
    const { d } = run(park(SQUARE, 0, 120, T0), [SQUARE], cfg);
    d.setStops([{ ...SQUARE }, MARKET]); // the same stop again: the dwell goes on
    const same = run(park(SQUARE, 0, 61, T0 + 120 * S), [{ ...SQUARE }, MARKET], cfg, d).out;
    expect(same).toEqual([expect.objectContaining({ kind: 'started', visit: expect.objectContaining({ startedAt: T0 }) })]);

    const moved = { ...SQUARE, lat: SQUARE.lat + 300 / M_PER_DEG };
    const e = run(park(SQUARE, 0, 120, T0), [SQUARE], cfg);
    e.d.setStops([moved]);
    expect(run(park(SQUARE, 0, 300, T0 + 120 * S), [moved], cfg, e.d).out).toEqual([]);
  });

  it('picks the nearest stop when radii overlap, and keeps a visit when the plan changes under it', () => {
    const near: StopPlace = { ...SQUARE, id: 'cami', name: 'Cami önü', lat: SQUARE.lat + 120 / M_PER_DEG, radiusM: 150 };
    const { out, d } = run(park(SQUARE, 0, 200, T0), [SQUARE, near]);
    expect(out[0]).toMatchObject({ kind: 'started', visit: { stopId: 'koy' } });
    d.setStops([MARKET]);
    const more = park(SQUARE, 0, 300, T0 + 200 * S);
    expect(run(more, [MARKET], CONFIG, d).out).toEqual([]);
    expect(d.current()?.stopId).toBe('koy');
  });
});

describe('unplanned stops', () => {
  const FIELD = { lat: 40.06, lon: 29.6 }; // kilometres from any planned stop

  it('records the van standing still outside every stop, at its centroid, and ends it when it moves away', () => {
    const approach = drive(FIELD, -300, 0, 8, T0);
    const stay = park(FIELD, 0, 8 * 60, end(approach), 6, 3);
    const away = drive(FIELD, 0, 1500, 8, end(stay));
    const { out } = run([...approach, ...stay, ...away]);
    expect(out.map((x) => x.kind)).toEqual(['started', 'ended']);
    const started = out[0]!;
    if (started.kind !== 'started') throw new Error('unreachable');
    expect(started.visit).toMatchObject({ stopId: null, neighbourhood: null, startedAt: stay[0]!.t, detectedAt: stay[0]!.t + 3 * MIN });
    expect(haversineM(started.visit, FIELD)).toBeLessThan(5);
    const ended = out[1]!;
    if (ended.kind !== 'ended') throw new Error('unreachable');
    expect(ended.reason).toBe('left');
    expect(haversineM(ended.visit, FIELD)).toBeLessThan(3); // the centroid of the whole stay
    expect(ended.endedAt).toBeGreaterThanOrEqual(end(stay) - S);
    expect(ended.endedAt).toBeLessThan(end(stay) + 12 * S); // left the 75 m exit radius within ~10 s at 8 m/s
  });

  it('does not take slow traffic for a stop, and can be turned off', () => {
    const crawl = drive(FIELD, 0, 300, 1.5, T0); // 200 s at 1.5 m/s
    expect(run(crawl).out).toEqual([]);
    expect(run(park(FIELD, 0, 600, T0), [SQUARE], { ...CONFIG, unplanned: false }).out).toEqual([]);
  });

  it('leaves the margin of a planned stop to that stop', () => {
    // Parked 110 m from the square's centre: outside its radius, inside its exit radius.
    expect(run(park(SQUARE, 110, 600, T0)).out).toEqual([]);
  });
});

describe('no fix, stale fixes and outages', () => {
  it('never starts a visit without fixes', () => {
    const approach = drive(SQUARE, -300, 0, 10, T0);
    const { out } = run([...approach, ...noFix(30 * 60, end(approach))]);
    expect(out).toEqual([]);
  });

  it('starts the dwell again after a gap in the fixes, reported as no fix or not reported at all', () => {
    const a = park(SQUARE, 0, 120, T0);
    const gap = noFix(60, end(a));
    const b = park(SQUARE, 0, 240, end(gap));
    const { out, d } = run([...a, ...gap]);
    expect(d.pending()).toBeNull(); // the dwell is dropped while the fixes are gone, not only when they come back
    out.push(...run(b, [SQUARE, MARKET], CONFIG, d).out);
    expect(out).toHaveLength(1);
    expect(out[0]).toMatchObject({ kind: 'started', visit: { startedAt: b[0]!.t }, seenAt: b[0]!.t + 3 * MIN });
    // A receiver that goes silent sends no reports: the next fix finds the gap itself.
    const silent = run([...a, ...b]).out;
    expect(silent).toEqual([expect.objectContaining({ kind: 'started', visit: expect.objectContaining({ startedAt: b[0]!.t }) })]);
  });

  it('keeps a visit through an outage shorter than the limit', () => {
    const a = park(SQUARE, 0, 300, T0);
    const gap = noFix(9 * 60, end(a));
    const b = park(SQUARE, 0, 300, end(gap));
    const { out, d } = run([...a, ...gap, ...b]);
    expect(out.map((x) => x.kind)).toEqual(['started']);
    expect(d.current()?.startedAt).toBe(T0);
  });

  it('ends a visit at the last good fix when the outage outlasts the limit, even with no report at all', () => {
    const a = park(SQUARE, 0, 300, T0);
    const lastFix = a.at(-1)!.t;
    const { out, d } = run(a);
    expect(d.elapse(lastFix + 10 * MIN)).toEqual([]);
    const ended = d.elapse(lastFix + 10 * MIN + S);
    expect(ended).toEqual([expect.objectContaining({ kind: 'ended', reason: 'gnss-outage', endedAt: lastFix })]);
    expect(out.map((x) => x.kind)).toEqual(['started']);
    expect(d.current()).toBeNull();
  });

  it('ends the old visit when the fix comes back after a long outage, and dwells anew', () => {
    const a = park(SQUARE, 0, 300, T0);
    const b = park(SQUARE, 0, 300, end(a) + 20 * MIN);
    const { out } = run([...a, ...b]); // no elapse() between: the returning fix finds the outage
    expect(out.map((x) => [x.kind, x.kind === 'ended' ? x.reason : null])).toEqual([
      ['started', null],
      ['ended', 'gnss-outage'],
      ['started', null],
    ]);
    expect(out[2]).toMatchObject({ visit: { startedAt: b[0]!.t } });
  });

  it('does not let a late, older fix move the end of a visit back', () => {
    const stay = park(SQUARE, 0, 300, T0);
    const late = { t: T0 + 10 * S, fix: at(SQUARE, 0, 0) }; // an old epoch delivered late
    const away = drive(SQUARE, 0, 2000, 10, end(stay));
    const k = away.findIndex((s) => haversineM(SQUARE, s.fix!) > 125); // it arrives once the van is past the margin
    const { out } = run([...stay, ...away.slice(0, k), late, ...away.slice(k)]);
    expect(out[1]).toMatchObject({ kind: 'ended', endedAt: away[k - 1]!.t, seenAt: away[k]!.t + 60 * S });
  });

  it('ignores repeated and out-of-order fixes', () => {
    const d = new VisitDetector(CONFIG, (ms) => `v${ms}`);
    d.setStops([SQUARE]);
    d.observe(T0, at(SQUARE, 0, 0));
    // A stale report replayed with an old time cannot complete the dwell.
    expect(d.observe(T0 - 10 * MIN, at(SQUARE, 0, 0))).toEqual([]);
    expect(d.observe(T0, at(SQUARE, 0, 0))).toEqual([]);
    expect(d.pending()?.since).toBe(T0);
  });
});

describe('resuming after a restart', () => {
  it('continues a restored visit while fixes see the van there, and ends it when they do not', () => {
    const d = new VisitDetector(CONFIG, (ms) => `v${ms}`);
    d.setStops([SQUARE]);
    const visit = { visitId: 'v-old', stopId: 'koy', name: 'Köy meydanı', neighbourhood: 'Hamzabey', lat: SQUARE.lat, lon: SQUARE.lon, radiusM: 100, startedAt: T0, detectedAt: T0 + 3 * MIN };
    const restart = T0 + 30 * MIN;
    d.resume(visit, restart);
    const { out } = run([...park(SQUARE, 0, 120, restart), ...drive(SQUARE, 0, 2000, 10, restart + 120 * S)], [SQUARE], CONFIG, d);
    expect(out).toEqual([expect.objectContaining({ kind: 'ended', reason: 'left', visit: expect.objectContaining({ visitId: 'v-old', startedAt: T0 }) })]);
    const e = out[0]!;
    expect(e.kind === 'ended' && e.endedAt).toBeGreaterThan(restart + 119 * S);
  });
});
