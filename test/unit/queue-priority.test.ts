import { describe, expect, it } from 'vitest';
import { QueueError } from '../../firmware-ts/src/services/queue/errors.js';
import { checkPriority, DEFAULT_PRIORITY_CLASSES, makePolicy, pickNext } from '../../firmware-ts/src/services/queue/priority.js';
import { QueueModel } from '../../firmware-ts/src/services/queue/queue-model.js';
import type { Ticket } from '../../firmware-ts/src/services/queue/ticket.js';
import { CONFIG, MIN, T0 } from '../helpers/queue-fixture.js';




function t(order: number, priority: string | null): Ticket {
  return {
    id: `d/A${order}`, number: `A00${order}`, service: 'A', day: 'd', seq: order, order, priority, state: 'waiting',
    takenAt: T0 + order, calledAt: null, lastCalledAt: null, recalls: 0, startedAt: null, endedAt: null, counter: null, transferredFrom: null, transferredTo: null,
  };
}

/** Calls, starts and completes the next ticket at counter 1; returns its number. */
function serveNext(m: QueueModel, now: number): string {
  const { ticket } = m.callNext(1, now);
  m.start(ticket.id, now);
  m.complete(ticket.id, now + MIN);
  return ticket.number;
}

describe('priority classes', () => {
  it('has the Turkish public-service classes, labels with correct İ/ı/ş', () => {
    expect(Object.keys(DEFAULT_PRIORITY_CLASSES)).toEqual(['elderly', 'disabled', 'pregnant', 'veteran', 'martyr_relative']);
    expect(DEFAULT_PRIORITY_CLASSES.martyr_relative!.label).toBe('Şehit yakını');
    expect(DEFAULT_PRIORITY_CLASSES.elderly!.label).toBe('65 yaş ve üstü');
  });
  it('refuses a class that does not exist, naming it', () => {
    const p = makePolicy();
    expect(checkPriority(p, 'pregnant')).toBe('pregnant');
    expect(checkPriority(p, undefined)).toBeNull();
    for (const bad of ['vip', '__proto__', 'Elderly']) {
      expect(() => checkPriority(p, bad)).toThrow(QueueError);
      expect(() => checkPriority(p, bad)).toThrow(`"${bad}"`);
    }
  });
  it('refuses a bad policy in config', () => {
    expect(() => makePolicy({ maxConsecutive: 0 })).toThrow(/maxConsecutive/);
    expect(() => makePolicy({ classes: { elderly: { weight: -1, label: 'x' } } })).toThrow(/elderly\.weight/);
  });
  it('stores only the class on the ticket', () => {
    const m = new QueueModel(CONFIG);
    const r = m.take('A', T0, 'disabled');
    expect(r.ticket.priority).toBe('disabled');
    expect(JSON.stringify(r.events)).not.toMatch(/reason|diagnos/i);
  });
});

describe('pickNext', () => {
  const p = makePolicy({ classes: { ...DEFAULT_PRIORITY_CLASSES, disabled: { weight: 2, label: 'Engelli' } }, maxConsecutive: 2 });
  it('takes priority first, higher weight first, oldest first within a weight', () => {
    expect(pickNext([t(1, null), t(2, 'elderly'), t(3, 'elderly')], 0, p)?.order).toBe(2);
    expect(pickNext([t(1, null), t(2, 'elderly'), t(3, 'disabled')], 0, p)?.order).toBe(3);
    expect(pickNext([t(3, null), t(1, null)], 0, p)?.order).toBe(1);
    expect(pickNext([], 0, p)).toBeUndefined();
  });
  it('after maxConsecutive priority calls takes the oldest normal ticket if one waits', () => {
    expect(pickNext([t(1, null), t(2, 'elderly'), t(3, null)], 2, p)?.order).toBe(1);
    expect(pickNext([t(2, 'elderly'), t(3, 'pregnant')], 2, p)?.order).toBe(2); // no normal one: priority goes on
  });
});

describe('starvation protection at a counter', () => {
  it('serves a normal ticket after 3 priority calls (default), then priority again', () => {
    const m = new QueueModel(CONFIG);
    m.openCounter(1, T0);
    m.take('A', T0); // A001 normal, oldest
    m.take('A', T0); // A002 normal
    for (let i = 0; i < 5; i++) m.take('B', T0 + MIN, 'elderly'); // B001..B005
    const order = Array.from({ length: 7 }, (_, i) => serveNext(m, T0 + (i + 2) * 10 * MIN));
    expect(order).toEqual(['B001', 'B002', 'B003', 'A001', 'B004', 'B005', 'A002']);
  });
  it('counts the streak per counter and survives a replay', () => {
    const cfg = { ...CONFIG, priority: { maxConsecutive: 1 } };
    const m = new QueueModel(cfg);
    m.openCounter(1, T0);
    const events = m.openCounter(3, T0).events.concat(m.state().counters['1']!.open ? [{ type: 'queue.counter.opened', at: T0, counter: 1 } as const] : []);
    events.push(...m.take('A', T0).events, ...m.take('A', T0, 'veteran').events, ...m.take('A', T0, 'veteran').events);
    events.push(...m.callNext(1, T0).events); // A002 (priority), streak 1 at counter 1
    events.push(...m.callNext(3, T0).events); // counter 3 has no streak: A003 (priority)
    expect(m.state().counters['1']!.priorityStreak).toBe(1);
    const rebuilt = QueueModel.replay(cfg, events);
    expect(rebuilt.state().counters).toEqual(m.state().counters);
    expect(m.snapshot().counters.map((c) => c.serving)).toEqual(['A002', null, 'A003']);
  });
});
