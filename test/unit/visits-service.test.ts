// VisitsService: GNSS reports in (as the driver publishes them), journal records and
// vim/state/visit out; restart from the journal; the current() port; GNSS time carried on
// by the monotonic clock through an outage; failed writes retried; the day's statuses.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { VisitDay } from '../../firmware-ts/src/services/visits/day-log.js';
import type { VisitEvent, VisitPlanSetEvent } from '../../firmware-ts/src/services/visits/events.js';
import type { Stop } from '../../firmware-ts/src/services/visits/plan.js';
import type { GnssReport, VisitsJournal, VisitsRecorder } from '../../firmware-ts/src/services/visits/ports.js';
import type { VisitState } from '../../firmware-ts/src/services/visits/state.js';
import { DEFAULT_VISITS_OPTIONS, VisitsService } from '../../firmware-ts/src/services/visits/visits-service.js';

const S = 1000;
const MIN = 60 * S;
/** 2026-05-08 10:00 Istanbul. */
const T0 = Date.parse('2026-05-08T10:00:00+03:00');

const SQUARE: Stop = { id: 'koy', neighbourhood: 'Hamzabey', name: 'Köy meydanı', lat: 40.0378, lon: 29.5556, radiusM: 100, window: { from: '10:00', to: '11:00' } };
const MARKET: Stop = { id: 'pazar', neighbourhood: 'Cuma', name: 'Mahalle pazarı', lat: 40.0745, lon: 29.5231, radiusM: 60, window: { from: '09:00', to: '09:45' } };
const HALL: Stop = { id: 'belediye', neighbourhood: 'Cuma', name: 'İnegöl Belediyesi', lat: 40.078, lon: 29.513, radiusM: 80 };

class MemoryJournal implements VisitsJournal, VisitsRecorder {
  events: VisitEvent[] = [];
  failNext = 0;
  eventsSince(): VisitEvent[] {
    return [...this.events];
  }
  record(events: readonly VisitEvent[]): Promise<void> {
    if (this.failNext > 0) {
      this.failNext--;
      return Promise.reject(new Error('database or disk is full'));
    }
    this.events.push(...events);
    return Promise.resolve();
  }
}

/** A GNSS report as gnss-driver.ts publishes it: a fix at `lat,lon` with its own time, or none. */
function report(timeMs: number | null, p: { lat: number; lon: number } | null, speed = 0): GnssReport {
  if (!p) return { stale: true, mode: 'none', fix: null };
  return { stale: false, mode: '3d', fix: { timeMs, lat: p.lat, lon: p.lon, speed } };
}

let wall = T0;
let mono = 0;
let journal: MemoryJournal;
let states: VisitState[];

function service(opts: Partial<typeof DEFAULT_VISITS_OPTIONS> = {}) {
  const svc = new VisitsService({ ...DEFAULT_VISITS_OPTIONS, ...opts }, { journal, recorder: journal, now: () => wall, mono: () => mono, newId: (ms) => `visit-${ms}`, tickMs: 1000 });
  svc.onChange((s) => states.push(s));
  return svc;
}

/** Parks the van at `p` for `seconds`: one report a second, GNSS time running with the wall clock. */
function parkAt(svc: VisitsService, p: { lat: number; lon: number } | null, seconds: number): void {
  for (let i = 0; i < seconds; i++) {
    svc.observeGnss(report(wall, p));
    wall += S;
    mono += S;
  }
}

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
  wall = T0;
  mono = 0;
  journal = new MemoryJournal();
  states = [];
});
afterEach(() => vi.useRealTimers());

describe('VisitsService', () => {
  it('detects a visit from GNSS reports, journals it, answers current() and publishes the state', async () => {
    const svc = service({ plan: [MARKET, SQUARE] });
    await svc.start();
    expect(states.at(-1)).toMatchObject({ day: '2026-05-08', current: null, plan: { source: 'config', stops: [{ id: 'pazar', status: 'skipped' }, { id: 'koy', status: 'planned' }] } });
    parkAt(svc, SQUARE, 179);
    expect(svc.current()).toBeNull();
    expect(states.at(-1)?.pending).toMatchObject({ stopId: 'koy', since: new Date(T0).toISOString() });
    parkAt(svc, SQUARE, 2);
    expect(svc.current()).toEqual({ visitId: `visit-${T0}`, stopId: 'koy', name: 'Köy meydanı' });
    await svc.flush();
    expect(journal.events).toEqual([
      expect.objectContaining({ type: 'visit.started', visitId: `visit-${T0}`, day: '2026-05-08', stopId: 'koy', neighbourhood: 'Hamzabey', startedAt: new Date(T0).toISOString(), detectedAt: new Date(T0 + 3 * MIN).toISOString() }),
    ]);
    const s = states.at(-1)!;
    expect(s.current).toMatchObject({ visitId: `visit-${T0}`, stopId: 'koy' });
    expect(s.plan.stops.find((x) => x.id === 'koy')).toMatchObject({ status: 'in-progress', visits: 1, lastVisitId: `visit-${T0}` });
    expect(s).toMatchObject({ gnss: 'fix', counts: { planned: 1, unplanned: 0 }, pending: null });

    const lastInside = wall + 59 * S;
    parkAt(svc, SQUARE, 60);
    parkAt(svc, HALL, 61); // far away: beyond radius + margin for the leave time
    expect(svc.current()).toBeNull();
    await svc.flush();
    expect(journal.events[1]).toMatchObject({ type: 'visit.ended', visitId: `visit-${T0}`, endedAt: new Date(lastInside).toISOString(), durationS: (lastInside - T0) / S, reason: 'left' });
    expect(states.at(-1)).toMatchObject({ current: null, last: { visitId: `visit-${T0}`, reason: 'left' }, plan: { stops: [{ status: 'skipped' }, { status: 'visited' }] } });
    await svc.stop();
  });

  it('carries GNSS time on by the monotonic clock through an outage, and ends the visit at the last fix when it lasts too long', async () => {
    const svc = service({ plan: [SQUARE], outageMinutes: 2 });
    await svc.start();
    parkAt(svc, SQUARE, 200);
    const lastFix = wall - S;
    expect(svc.current()).not.toBeNull();
    // The receiver goes quiet: no reports at all; the wall clock jumps an hour (NTP), which must not matter.
    wall += 3600 * S;
    mono += 2 * MIN - S; // parkAt already moved it a second past the last fix: two minutes since that fix
    vi.advanceTimersByTime(1000);
    expect(svc.current()).not.toBeNull();
    mono += 2 * S;
    vi.advanceTimersByTime(1000);
    expect(svc.current()).toBeNull();
    await svc.flush();
    expect(journal.events.at(-1)).toMatchObject({ type: 'visit.ended', reason: 'gnss-outage', endedAt: new Date(lastFix).toISOString() });
    await svc.stop();
  });

  it('keeps failed writes in order and writes them on the next tick', async () => {
    const svc = service({ plan: [SQUARE] });
    await svc.start();
    journal.failNext = 1;
    parkAt(svc, SQUARE, 181);
    await svc.flush();
    expect(journal.events).toEqual([]);
    expect(svc.health()).toMatchObject({ state: 'degraded', counters: { unsaved: 1, writeFailures: 1 } });
    vi.advanceTimersByTime(1000);
    await svc.flush();
    expect(journal.events.map((e) => e.type)).toEqual(['visit.started']);
    expect(svc.health()).toMatchObject({ state: 'ok', counters: { unsaved: 0, written: 1 } });
    await svc.stop();
  });

  it("restores today's plan, the stops visited and the visit in progress from the journal", async () => {
    const first = service({ plan: [HALL] });
    await first.start();
    const plan: VisitPlanSetEvent = { type: 'visit.plan.set', day: '2026-05-08', stops: [MARKET, SQUARE], by: 'ayse', at: new Date(T0).toISOString() };
    journal.events.push(plan);
    first.applyPlan(plan);
    parkAt(first, MARKET, 200);
    parkAt(first, HALL, 70);
    parkAt(first, SQUARE, 200);
    await first.stop();
    expect(journal.events.map((e) => e.type)).toEqual(['visit.plan.set', 'visit.started', 'visit.ended', 'visit.started']);
    const open = journal.events[3]!;

    // A plan of yesterday is not today's, and a visit of yesterday counts for nothing today.
    journal.events.unshift({ ...plan, day: '2026-05-07', stops: [HALL] });
    const second = service({ plan: [HALL] });
    await second.start();
    expect(second.plan().map((s) => s.id)).toEqual(['pazar', 'koy']);
    expect(second.current()).toEqual({ visitId: open.type === 'visit.started' ? open.visitId : '', stopId: 'koy', name: 'Köy meydanı' });
    expect(second.snapshot()).toMatchObject({ plan: { source: 'command', setBy: 'ayse', stops: [{ id: 'pazar', status: 'visited', visits: 1 }, { id: 'koy', status: 'in-progress' }] }, last: { stopId: 'pazar' } });
    // The resumed visit goes on while the van is there and ends when it leaves.
    parkAt(second, SQUARE, 30);
    parkAt(second, HALL, 61);
    await second.flush();
    expect(journal.events.at(-1)).toMatchObject({ type: 'visit.ended', stopId: 'koy', visitId: second.snapshot().last?.visitId });
    await second.stop();
  });

  it('resumes a restored visit at its stop when the wall clock at the restart is far from GNSS time, and ends it by the monotonic clock when no fix comes', async () => {
    const first = service({ plan: [SQUARE] });
    await first.start();
    parkAt(first, SQUARE, 200);
    await first.stop();
    const open = journal.events.at(-1)!;
    if (open.type !== 'visit.started') throw new Error(`expected a visit in progress, got ${open.type}`);
    expect(open).toMatchObject({ stopId: 'koy' });
    const visitId = open.visitId;

    // A power cut: the Pi (no RTC) starts two hours behind; the receiver's fixes carry the true time.
    let gnss = wall + 20 * S;
    wall -= 2 * 3600 * S;
    mono += 20 * S;
    const second = service({ plan: [SQUARE] });
    await second.start();
    expect(second.current()).toMatchObject({ visitId, stopId: 'koy' });
    const fixes = (p: { lat: number; lon: number }, seconds: number) => {
      for (let i = 0; i < seconds; i++) {
        second.observeGnss(report(gnss, p));
        gnss += S;
        wall += S;
        mono += S;
      }
    };
    fixes(SQUARE, 30);
    expect(second.current()).toMatchObject({ visitId, stopId: 'koy' });
    const lastInside = gnss - S;
    fixes(HALL, 61);
    await second.flush();
    expect(journal.events.filter((e) => e.type === 'visit.started')).toHaveLength(1);
    expect(journal.events.at(-1)).toMatchObject({ type: 'visit.ended', visitId, stopId: 'koy', reason: 'left', endedAt: new Date(lastInside).toISOString() });
    await second.stop();

    // Restarted at the stop again, but the receiver stays silent: the outage counts from the restart.
    const third = service({ plan: [SQUARE], outageMinutes: 2 });
    journal.events.push({ ...open, visitId: 'v-again', startedAt: new Date(gnss).toISOString(), detectedAt: new Date(gnss + 3 * MIN).toISOString() });
    await third.start();
    expect(third.current()?.visitId).toBe('v-again');
    mono += 2 * MIN - S;
    vi.advanceTimersByTime(1000);
    expect(third.current()?.visitId).toBe('v-again');
    mono += 2 * S;
    vi.advanceTimersByTime(1000);
    expect(third.current()).toBeNull();
    await third.flush();
    expect(journal.events.at(-1)).toMatchObject({ type: 'visit.ended', visitId: 'v-again', reason: 'gnss-outage', endedAt: new Date(gnss + 3 * MIN).toISOString() });
    await third.stop();
  });

  it('starts a new day from the configured plan and keeps a visit that spans midnight', async () => {
    wall = Date.parse('2026-05-08T23:50:00+03:00');
    const svc = service({ plan: [SQUARE] });
    await svc.start();
    svc.applyPlan({ type: 'visit.plan.set', day: '2026-05-08', stops: [MARKET], by: 'ayse', at: new Date(wall).toISOString() });
    parkAt(svc, MARKET, 200);
    expect(svc.current()?.stopId).toBe('pazar');
    wall = Date.parse('2026-05-09T00:01:00+03:00');
    vi.advanceTimersByTime(1000);
    expect(svc.today).toBe('2026-05-09');
    expect(svc.plan().map((s) => s.id)).toEqual(['koy']);
    expect(svc.current()?.stopId).toBe('pazar');
    await svc.stop();
  });

  it('ignores GNSS while detection is disabled, and before start', async () => {
    const svc = service({ plan: [SQUARE], enabled: false });
    parkAt(svc, SQUARE, 10);
    await svc.start();
    parkAt(svc, SQUARE, 400);
    expect(svc.current()).toBeNull();
    expect(svc.health().detail).toContain('disabled');
    await svc.stop();
  });
});

describe('VisitDay statuses', () => {
  it('marks a stop skipped once its window has passed unvisited, and visited even when late', () => {
    const d = new VisitDay('2026-05-08', [SQUARE]);
    expect(d.status(SQUARE, Date.parse('2026-05-08T10:59:00+03:00'))).toBe('planned');
    expect(d.status(SQUARE, Date.parse('2026-05-08T11:01:00+03:00'))).toBe('skipped');
    d.apply({ type: 'visit.started', visitId: 'v1', day: '2026-05-08', stopId: 'koy', name: 'Köy meydanı', neighbourhood: 'Hamzabey', lat: 0, lon: 0, radiusM: 100, startedAt: '2026-05-08T08:10:00.000Z', detectedAt: '2026-05-08T08:13:00.000Z' });
    expect(d.status(SQUARE, Date.parse('2026-05-08T11:15:00+03:00'))).toBe('in-progress');
    d.apply({ type: 'visit.ended', visitId: 'v1', day: '2026-05-08', stopId: 'koy', name: 'Köy meydanı', neighbourhood: 'Hamzabey', lat: 0, lon: 0, radiusM: 100, startedAt: '2026-05-08T08:10:00.000Z', endedAt: '2026-05-08T08:40:00.000Z', durationS: 1800, reason: 'left' });
    expect(d.status(SQUARE, Date.parse('2026-05-08T11:15:00+03:00'))).toBe('visited');
  });
});
