import { describe, expect, it } from 'vitest';
import { parseResetAt } from '../../firmware-ts/src/services/queue/numbering.js';
import { QueueModel, type QueueConfig } from '../../firmware-ts/src/services/queue/queue-model.js';
import { computeStats, eventsOfDay } from '../../firmware-ts/src/services/queue/stats.js';
import type { QueueEvent } from '../../firmware-ts/src/services/queue/events.js';
import { QueueError } from '../../firmware-ts/src/services/queue/errors.js';

const T0 = Date.UTC(2026, 10, 28, 6, 0, 0); // 09:00 Istanbul
const MIN = 60_000;

// Same fixture and generator as queue-model.test.ts (importing a test file would re-run its tests).
const CONFIG: QueueConfig = {
  services: [
    { letter: 'A', name: 'Bilgi Edinme' },
    { letter: 'B', name: 'Çözüm Merkezi / 153' },
    { letter: 'C', name: 'İstihdam' },
    { letter: 'D', name: 'Tahsilat' },
  ],
  counters: [
    { number: 1, name: 'Masa 1', services: ['A', 'B'] },
    { number: 2, name: 'Masa 2', services: ['C', 'D'] },
    { number: 3, name: 'Masa 3', services: ['A', 'B', 'C', 'D'] },
  ],
};

/** mulberry32: small, seeded, good enough to drive a property test reproducibly. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Runs `n` random operations (many of them refused) and returns the model and its journal. */
function randomDay(seed: number, n: number): { model: QueueModel; events: QueueEvent[]; refused: number } {
  const r = rng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const model = new QueueModel({ ...CONFIG, resetAt: '00:00', serviceTimeWindow: 5 });
  const events: QueueEvent[] = [];
  let now = Date.UTC(2026, 10, 28, 18, 0); // 21:00 Istanbul: the run crosses midnight
  let refused = 0;
  const letters = ['A', 'B', 'C', 'D', 'Z', 'c'];
  const prios = [null, null, null, 'elderly', 'pregnant', 'veteran', 'bogus'];
  for (let i = 0; i < n; i++) {
    now += Math.floor(r() * 3 * MIN);
    const all = Object.values(model.state().tickets);
    const active = all.filter((t) => ['waiting', 'called', 'serving'].includes(t.state));
    // mostly live tickets (so operations succeed), sometimes finished or unknown ones (so they are refused)
    const pool = active.length > 0 && r() < 0.8 ? active : all;
    const ref = pool.length > 0 && r() < 0.95 ? pick(pool).id : 'X999';
    const counter = pick([1, 2, 3, 3, 7]);
    const ops: (() => { events: QueueEvent[] })[] = [
      () => model.take(pick(letters), now, pick(prios)),
      () => model.take(pick(letters), now, pick(prios)),
      () => model.openCounter(counter, now),
      () => model.closeCounter(counter, now),
      () => model.callNext(counter, now),
      () => model.callNext(counter, now),
      () => model.recall(ref, now),
      () => model.start(ref, now),
      () => model.complete(ref, now),
      () => model.noShow(ref, now),
      () => model.cancel(ref, now),
      () => model.transfer(ref, pick(letters), now),
      () => (r() < 0.5 ? model.closeService(pick(letters), now) : model.openService(pick(letters), now)),
    ];
    try {
      events.push(...pick(ops)().events);
    } catch (e) {
      if (!(e instanceof QueueError)) throw e;
      refused++;
    }
  }
  return { model, events, refused };
}


function scriptedDay(): QueueEvent[] {
  const m = new QueueModel(CONFIG);
  const ev: QueueEvent[] = [];
  const rec = (r: { events: QueueEvent[] }): void => void ev.push(...r.events);
  rec(m.openCounter(1, T0));
  rec(m.openCounter(2, T0));
  rec(m.take('A', T0)); // A001: waits 5, served 10 min at counter 1
  rec(m.take('A', T0 + MIN)); // A002: no-show
  rec(m.take('D', T0 + 2 * MIN)); // D001: waits 8, served 4 min at counter 2
  rec(m.take('B', T0 + 3 * MIN)); // B001: cancelled while waiting
  rec(m.take('C', T0 + 4 * MIN)); // C001: transferred to D -> D002, still waiting
  rec(m.callNext(1, T0 + 5 * MIN));
  rec(m.start('A001', T0 + 6 * MIN));
  rec(m.complete('A001', T0 + 16 * MIN));
  rec(m.callNext(2, T0 + 10 * MIN)); // D001
  rec(m.recall('D001', T0 + 11 * MIN));
  rec(m.start('D001', T0 + 12 * MIN));
  rec(m.complete('D001', T0 + 61 * MIN)); // 10:01 Istanbul
  rec(m.callNext(1, T0 + 17 * MIN)); // A002
  rec(m.noShow('A002', T0 + 20 * MIN));
  rec(m.cancel('B001', T0 + 21 * MIN));
  rec(m.transfer('C001', 'D', T0 + 22 * MIN));
  return ev;
}

describe('queue stats', () => {
  it('computes wait, service time, served per hour and outcomes by service and counter', () => {
    const s = computeStats(scriptedDay());
    expect(s).toMatchObject({ taken: 6, served: 2, noShows: 1, cancelled: 1, transferred: 1, open: 1 });
    expect(s.wait).toEqual({ count: 3, avgMs: Math.round(((5 + 8 + 16) * MIN) / 3), maxMs: 16 * MIN });
    expect(s.service).toEqual({ count: 2, avgMs: 29.5 * MIN, maxMs: 49 * MIN });
    expect(s.servedPerHour).toEqual({ '09': 1, '10': 1 });
    expect(s.byService.A).toMatchObject({ taken: 2, served: 1, noShows: 1, open: 0, service: { count: 1, avgMs: 10 * MIN } });
    expect(s.byService.C).toMatchObject({ taken: 1, transferred: 1, open: 0 });
    expect(s.byService.D).toMatchObject({ taken: 2, served: 1, open: 1 });
    expect(s.byCounter['1']).toMatchObject({ called: 2, served: 1, noShows: 1, servedPerHour: { '09': 1 } });
    expect(s.byCounter['2']).toMatchObject({ called: 1, served: 1, service: { count: 1, avgMs: 49 * MIN } });
  });

  it.each([7, 99, 1234])('adds up: served + no-shows + cancelled + transferred + open = taken (random day, seed %i)', (seed) => {
    const { model, events } = randomDay(seed, 1000);
    const s = computeStats(events);
    const sum = (x: { served: number; noShows: number; cancelled: number; transferred: number; open: number }): number => x.served + x.noShows + x.cancelled + x.transferred + x.open;
    expect(sum(s)).toBe(s.taken);
    for (const svc of Object.values(s.byService)) expect(sum(svc)).toBe(svc.taken);
    // and agrees with the live model
    const tickets = Object.values(model.state().tickets);
    expect(s.taken).toBe(tickets.length);
    expect(s.served).toBe(tickets.filter((t) => t.state === 'done').length);
    expect(s.open).toBe(tickets.filter((t) => ['waiting', 'called', 'serving'].includes(t.state)).length);
    const perCounter = Object.values(s.byCounter).reduce((a, c) => a + c.served, 0);
    expect(perCounter).toBe(s.served);
    expect(Object.values(s.servedPerHour).reduce((a, b) => a + b, 0)).toBe(s.served);
  });

  it('selects a service day by the Istanbul reset point', () => {
    const ev: QueueEvent[] = [
      { type: 'queue.counter.opened', at: Date.UTC(2026, 10, 28, 20, 59), counter: 1 },
      { type: 'queue.counter.opened', at: Date.UTC(2026, 10, 28, 21, 0), counter: 2 },
    ];
    expect(eventsOfDay(ev, '2026-11-28').map((e) => e.at)).toEqual([ev[0]!.at]);
    expect(eventsOfDay(ev, '2026-11-28', parseResetAt('06:00'))).toEqual(ev);
  });
});
