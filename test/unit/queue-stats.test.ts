import { describe, expect, it } from 'vitest';
import { parseResetAt } from '../../firmware-ts/src/services/queue/numbering.js';
import { QueueModel } from '../../firmware-ts/src/services/queue/queue-model.js';
import { computeStats, eventsOfDay } from '../../firmware-ts/src/services/queue/stats.js';
import type { QueueEvent } from '../../firmware-ts/src/services/queue/events.js';
import { CONFIG, MIN, randomDay, T0 } from '../helpers/queue-fixture.js';






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
