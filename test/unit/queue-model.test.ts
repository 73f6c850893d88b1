import { describe, expect, it } from 'vitest';
import { QueueError } from '../../firmware-ts/src/services/queue/errors.js';
import type { QueueEvent } from '../../firmware-ts/src/services/queue/events.js';
import { formatNumber, parseResetAt, serviceDay } from '../../firmware-ts/src/services/queue/numbering.js';
import { QueueModel } from '../../firmware-ts/src/services/queue/queue-model.js';
import { TICKET_STATES, transition, type Ticket, type TicketAction, type TicketState } from '../../firmware-ts/src/services/queue/ticket.js';
import { CONFIG, MIN, randomDay, T0 } from '../helpers/queue-fixture.js';


// 2026-11-28 09:00 Istanbul

function expectQueueError(fn: () => unknown, code: string, message?: RegExp | string): QueueError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(QueueError);
    expect((e as QueueError).code).toBe(code);
    if (message !== undefined) expect((e as QueueError).message).toMatch(message);
    return e as QueueError;
  }
  throw new Error(`expected QueueError ${code}`);
}

function ticketIn(state: TicketState): Ticket {
  return {
    id: '2026-11-28/A003', number: 'A003', service: 'A', day: '2026-11-28', seq: 3, order: 3, priority: null, state,
    takenAt: T0, calledAt: null, lastCalledAt: null, recalls: 0, startedAt: null, endedAt: null, counter: 1, transferredFrom: null, transferredTo: null,
  };
}

// Written out independently of TRANSITIONS so the test pins the table down.
const ALLOWED: Record<TicketAction['type'], [TicketState[], TicketState]> = {
  call: [['waiting'], 'called'],
  recall: [['called'], 'called'],
  start: [['called'], 'serving'],
  complete: [['serving'], 'done'],
  noShow: [['called'], 'no_show'],
  cancel: [['waiting', 'called'], 'cancelled'],
  transfer: [['waiting', 'called', 'serving'], 'transferred'],
};
const ACTIONS: TicketAction[] = [{ type: 'call', counter: 2 }, { type: 'recall' }, { type: 'start' }, { type: 'complete' }, { type: 'noShow' }, { type: 'cancel' }, { type: 'transfer', to: '2026-11-28/C001' }];

describe('ticket transitions', () => {
  const cases = TICKET_STATES.flatMap((state) => ACTIONS.map((action) => ({ state, action, ok: ALLOWED[action.type][0].includes(state) })));
  it.each(cases.filter((c) => c.ok))('$state --$action.type--> allowed', ({ state, action }) => {
    const before = ticketIn(state);
    const after = transition(before, action, T0 + MIN);
    expect(after.state).toBe(ALLOWED[action.type][1]);
    expect(before.state).toBe(state); // pure: the input is not touched
  });
  it.each(cases.filter((c) => !c.ok))('$state --$action.type--> INVALID_STATE', ({ state, action }) => {
    const e = expectQueueError(() => transition(ticketIn(state), action, T0), 'INVALID_STATE', `ticket A003 is ${state}; ${action.type} needs `);
    expect(e.details).toMatchObject({ state, action: action.type });
  });
  it('names the state and what the action needs', () => {
    expectQueueError(() => transition(ticketIn('done'), { type: 'complete' }, T0), 'INVALID_STATE', /^ticket A003 is done; complete needs serving$/);
  });
  it('recall keeps the ticket called at its counter and counts the recall', () => {
    const t = transition(transition(ticketIn('waiting'), { type: 'call', counter: 2 }, T0), { type: 'recall' }, T0 + MIN);
    expect(t).toMatchObject({ state: 'called', counter: 2, calledAt: T0, lastCalledAt: T0 + MIN, recalls: 1 });
  });
});

describe('numbering', () => {
  it('formats letter + 3 digits, growing to 4 past 999', () => {
    expect(formatNumber('A', 1)).toBe('A001');
    expect(formatNumber('A', 999)).toBe('A999');
    expect(formatNumber('A', 1000)).toBe('A1000');
  });
  it('computes the service day at Istanbul midnight (UTC+3)', () => {
    expect(serviceDay(Date.UTC(2026, 10, 28, 20, 59, 59, 999))).toBe('2026-11-28');
    expect(serviceDay(Date.UTC(2026, 10, 28, 21, 0, 0))).toBe('2026-11-29');
    // reset at 06:00 local: 05:59 still belongs to the day before
    expect(serviceDay(Date.UTC(2026, 10, 29, 2, 59), parseResetAt('06:00'))).toBe('2026-11-28');
    expect(serviceDay(Date.UTC(2026, 10, 29, 3, 0), parseResetAt('06:00'))).toBe('2026-11-29');
  });
  it('restarts at 001 across the Istanbul midnight, per service', () => {
    const m = new QueueModel(CONFIG);
    const late = Date.UTC(2026, 10, 28, 20, 58);
    expect(m.take('A', late).ticket.number).toBe('A001');
    expect(m.take('A', late + MIN).ticket.number).toBe('A002');
    expect(m.take('B', late + MIN).ticket.number).toBe('B001');
    const t = m.take('A', late + 2 * MIN).ticket; // 00:00 Istanbul
    expect(t).toMatchObject({ number: 'A001', day: '2026-11-29', id: '2026-11-29/A001' });
    expect(m.take('A', late + 3 * MIN).ticket.number).toBe('A002');
  });
  it('honours a configured reset point and refuses a bad one', () => {
    const m = new QueueModel({ ...CONFIG, resetAt: '06:00' });
    expect(m.take('A', Date.UTC(2026, 10, 28, 20, 0)).ticket.number).toBe('A001');
    expect(m.take('A', Date.UTC(2026, 10, 29, 2, 59)).ticket.number).toBe('A002');
    expect(m.take('A', Date.UTC(2026, 10, 29, 3, 0)).ticket.number).toBe('A001');
    expectQueueError(() => new QueueModel({ ...CONFIG, resetAt: '24:00' }), 'INVALID_CONFIG', /HH:MM/);
  });
});

describe('queue model', () => {
  it('walks a ticket through take, call, recall, start, complete', () => {
    const m = new QueueModel(CONFIG);
    const taken = m.take('A', T0);
    expect(taken).toMatchObject({ ahead: 0, estimatedWaitMs: null, ticket: { number: 'A001', state: 'waiting' } });
    expect(taken.events).toEqual([{ type: 'queue.ticket.taken', at: T0, ticket: '2026-11-28/A001', number: 'A001', service: 'A', day: '2026-11-28', seq: 1, priority: null, transferredFrom: null }]);
    m.openCounter(1, T0);
    const called = m.callNext(1, T0 + 2 * MIN);
    expect(called.ticket).toMatchObject({ state: 'called', counter: 1 });
    expect(called.counters[0]).toMatchObject({ number: 1, current: '2026-11-28/A001' });
    expect(m.recall('A001', T0 + 3 * MIN).events[0]).toMatchObject({ type: 'queue.ticket.recalled', counter: 1 });
    m.start('A001', T0 + 4 * MIN);
    const done = m.complete('2026-11-28/A001', T0 + 10 * MIN);
    expect(done.tickets[0]).toMatchObject({ state: 'done', startedAt: T0 + 4 * MIN, endedAt: T0 + 10 * MIN });
    expect(done.counters[0]!.current).toBeNull();
  });

  it('accepts Turkish letters, upper-cased the Turkish way', () => {
    const m = new QueueModel({ services: [{ letter: 'i', name: 'İmar' }], counters: [] });
    expect(m.take('i', T0).ticket.number).toBe('İ001');
    expect(m.snapshot().services[0]).toMatchObject({ letter: 'İ', name: 'İmar' });
  });

  it('estimates wait = rolling average service time x position / open counters', () => {
    const m = new QueueModel({ ...CONFIG, defaultServiceMs: 4 * MIN, serviceTimeWindow: 2 });
    m.openCounter(1, T0);
    m.take('A', T0);
    expect(m.take('A', T0).estimatedWaitMs).toBe(4 * MIN); // 1 ahead, default 4 min, 1 counter
    m.openCounter(3, T0);
    expect(m.take('A', T0)).toMatchObject({ ahead: 2, estimatedWaitMs: 4 * MIN }); // 2 ahead / 2 counters
    for (const [i, d] of [10, 2, 4].entries()) {
      m.callNext(1, T0 + i * 20 * MIN);
      const t = m.snapshot().counters[0]!.serving!;
      m.start(t, T0 + i * 20 * MIN);
      m.complete(t, T0 + i * 20 * MIN + d * MIN);
    }
    // last 2 completions: 2 and 4 min -> 3 min; nothing left ahead, so a new ticket waits 0
    expect(m.take('A', T0 + 90 * MIN)).toMatchObject({ ahead: 0, estimatedWaitMs: 0 });
    m.take('B', T0 + 90 * MIN);
    expect(m.take('A', T0 + 90 * MIN)).toMatchObject({ ahead: 1, estimatedWaitMs: Math.round((3 * MIN * 1) / 2) });
  });

  it('transfers into a new linked waiting ticket in the target service', () => {
    const m = new QueueModel(CONFIG);
    m.take('A', T0, 'elderly');
    m.openCounter(1, T0);
    m.callNext(1, T0);
    m.start('A001', T0 + MIN);
    const r = m.transfer('A001', 'c', T0 + 2 * MIN);
    expect(r.events.map((e) => e.type)).toEqual(['queue.ticket.transferred', 'queue.ticket.taken']);
    expect(r.ticket).toMatchObject({ number: 'C001', state: 'waiting', priority: 'elderly', transferredFrom: '2026-11-28/A001' });
    expect(m.state().tickets['2026-11-28/A001']).toMatchObject({ state: 'transferred', transferredTo: '2026-11-28/C001' });
    expect(m.state().counters['1']!.current).toBeNull();
  });

  it('snapshot: waiting per service, now serving per counter, last called: numbers only', () => {
    const m = new QueueModel(CONFIG);
    m.openCounter(1, T0);
    m.openCounter(2, T0);
    m.take('A', T0);
    m.take('A', T0);
    m.take('D', T0);
    m.callNext(1, T0 + 5 * MIN);
    m.callNext(2, T0 + 7 * MIN);
    m.start('D001', T0 + 8 * MIN);
    const s = m.snapshot();
    expect(s.services.map((x) => [x.letter, x.name, x.waiting])).toEqual([['A', 'Bilgi Edinme', 1], ['B', 'Çözüm Merkezi / 153', 0], ['C', 'İstihdam', 0], ['D', 'Tahsilat', 0]]);
    expect(s.counters.map((c) => [c.number, c.serving, c.state])).toEqual([[1, 'A001', 'called'], [2, 'D001', 'serving'], [3, null, null]]);
    expect(s.lastCalled.map((c) => c.number)).toEqual(['D001', 'A001']);
    expect(s.averageWaitMs).toBe(6 * MIN);
  });
});

describe('bad input changes nothing', () => {
  function busy(): QueueModel {
    const m = new QueueModel(CONFIG);
    m.openCounter(1, T0);
    m.take('A', T0);
    m.take('A', T0);
    m.callNext(1, T0);
    m.start('A001', T0);
    m.complete('A001', T0 + MIN);
    m.closeService('C', T0);
    return m;
  }
  const none = (): void => undefined;
  // [name, setup (allowed), refused operation, code, message]
  const cases: [string, (m: QueueModel) => void, (m: QueueModel) => unknown, string, RegExp][] = [
    ['unknown service letter', none, (m) => m.take('Z', T0), 'UNKNOWN_SERVICE', /"Z"/],
    ['unknown priority class', none, (m) => m.take('A', T0, 'vip'), 'UNKNOWN_PRIORITY', /"vip"/],
    ['prototype key as priority', none, (m) => m.take('A', T0, 'toString'), 'UNKNOWN_PRIORITY', /toString/],
    ['taking in a closed service', none, (m) => m.take('C', T0), 'SERVICE_CLOSED', /İstihdam/],
    ['calling on a closed counter', none, (m) => m.callNext(2, T0), 'COUNTER_CLOSED', /counter 2/],
    ['unknown counter', none, (m) => m.openCounter(9, T0), 'UNKNOWN_COUNTER', /9/],
    ['completing twice', none, (m) => m.complete('A001', T0 + 2 * MIN), 'INVALID_STATE', /ticket A001 is done; complete needs serving/],
    ['transfer to a closed service', none, (m) => m.transfer('A002', 'C', T0), 'SERVICE_CLOSED', /service C/],
    ['transfer of a finished ticket', none, (m) => m.transfer('A001', 'B', T0), 'INVALID_STATE', /A001 is done/],
    ['unknown ticket', none, (m) => m.start('B042', T0), 'UNKNOWN_TICKET', /B042/],
    ['nothing waiting', (m) => { m.callNext(1, T0); m.noShow('A002', T0); }, (m) => m.callNext(1, T0), 'NOTHING_WAITING', /counter 1/],
    ['calling while a ticket is still called', (m) => m.callNext(1, T0), (m) => m.callNext(1, T0), 'INVALID_STATE', /A002 \(called\)/],
    ['closing a counter with a called ticket', (m) => m.callNext(1, T0), (m) => m.closeCounter(1, T0), 'INVALID_STATE', /finish it first/],
  ];
  it.each(cases)('%s', (_name, setup, op, code, msg) => {
    const m = busy();
    setup(m);
    const before = m.state();
    const snap = m.snapshot();
    expectQueueError(() => op(m), code, msg);
    expect(m.state()).toEqual(before);
    expect(m.snapshot()).toEqual(snap);
  });
});



describe('replay', () => {
  it.each([1, 42, 2026])('rebuilds the live state from the journal after 1,000 random operations (seed %i)', (seed) => {
    const { model, events, refused } = randomDay(seed, 1000);
    expect(events.length).toBeGreaterThan(150);
    expect(refused).toBeGreaterThan(50);
    // every kind of fact was exercised, so the replay covers every branch of applyEvent
    expect(new Set(events.map((e) => e.type)).size).toBe(12);
    const days = new Set(Object.values(model.state().tickets).map((t) => t.day));
    expect(days.size).toBeGreaterThan(1); // crossed the Istanbul midnight
    const journal = JSON.parse(JSON.stringify(events)) as QueueEvent[];
    const rebuilt = QueueModel.replay({ ...CONFIG, resetAt: '00:00', serviceTimeWindow: 5 }, journal);
    expect(rebuilt.state()).toEqual(model.state());
    expect(rebuilt.snapshot()).toEqual(model.snapshot());
  });
});
