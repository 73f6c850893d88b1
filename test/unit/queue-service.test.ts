// QueueService: the restart (start() rebuilds the current service day from the journal, and
// only that day), its listeners, and the dry-run/commit split the command layer relies on.
// Journals are produced by running real operations on a QueueModel, so the test does not
// depend on how events look, only on what the queue does with them.
import { pino, type Logger } from 'pino';
import { describe, expect, it, vi } from 'vitest';
import { QueueError } from '../../firmware-ts/src/services/queue/errors.js';
import type { QueueEvent } from '../../firmware-ts/src/services/queue/events.js';
import type { QueueJournal } from '../../firmware-ts/src/services/queue/ports.js';
import { QueueModel, type OpResult, type QueueConfig } from '../../firmware-ts/src/services/queue/queue-model.js';
import { QueueService } from '../../firmware-ts/src/services/queue/queue-service.js';
import type { QueueSnapshot } from '../../firmware-ts/src/services/queue/snapshot.js';
import { CONFIG, MIN, T0 } from '../helpers/queue-fixture.js';

const DAY = 86_400_000;
const HOUR = 60 * MIN;
/** Unix ms of a wall-clock time in Istanbul (UTC+3 all year). */
const ist = (y: number, mo: number, d: number, h: number, mi = 0) => Date.UTC(y, mo - 1, d, h - 3, mi);

/** The journal port in memory: every event it was given, filtered by time like the store's index. */
class MemoryJournal implements QueueJournal {
  readonly asked: number[] = [];
  constructor(readonly events: QueueEvent[] = []) {}
  eventsSince(sinceMs: number): QueueEvent[] {
    this.asked.push(sinceMs);
    return this.events.filter((e) => e.at >= sinceMs);
  }
}

/** A model and the journal its operations wrote, as the command layer would have stored it. */
function recorder(cfg: QueueConfig = CONFIG) {
  const model = new QueueModel(cfg);
  const events: QueueEvent[] = [];
  const run = <R extends OpResult>(op: (m: QueueModel) => R): R => {
    const r = op(model);
    events.push(...r.events);
    return r;
  };
  return { model, events, run };
}

/** Runs an operation through the service the way a command does: dry run, then commit. */
function exec<R extends OpResult>(svc: QueueService, op: (m: QueueModel) => R): R {
  const r = svc.dryRun(op, () => undefined);
  svc.commit(r.events);
  return r;
}

function captureLog(): { log: Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const log = pino({ level: 'debug' }, { write: (s: string) => void lines.push(JSON.parse(s) as Record<string, unknown>) });
  return { log, lines };
}

const waiting = (s: QueueSnapshot, letter: string) => s.services.find((x) => x.letter === letter)?.waiting;
const counter = (s: QueueSnapshot, n: number) => s.counters.find((c) => c.number === n);

/**
 * 2026-11-28 from 09:00 Istanbul: A001, A002, B001, A003 taken (in that order), counter 1
 * opened and serving A001, counter 2 opened, service D closed. Counter 3 stays closed.
 */
function firstService() {
  const r = recorder();
  r.run((m) => m.take('A', T0));
  r.run((m) => m.take('A', T0 + MIN));
  r.run((m) => m.take('B', T0 + 2 * MIN));
  r.run((m) => m.take('A', T0 + 3 * MIN));
  r.run((m) => m.openCounter(1, T0 + 4 * MIN));
  r.run((m) => m.callNext(1, T0 + 5 * MIN));
  r.run((m) => m.start('A001', T0 + 6 * MIN));
  r.run((m) => m.openCounter(2, T0 + 7 * MIN));
  r.run((m) => m.closeService('D', T0 + 8 * MIN));
  return r;
}

describe('QueueService restart: the same service day continues', () => {
  it('rebuilds exactly the state the first service had', async () => {
    const day = firstService();
    const svc = new QueueService(CONFIG, { journal: new MemoryJournal(day.events), now: () => T0 + 30 * MIN });
    await svc.start();
    expect(svc.snapshot()).toEqual(day.model.snapshot());
    expect(svc.health()).toMatchObject({ state: 'ok', counters: { restoredEvents: day.events.length } });
  });

  it('continues the numbering instead of handing out A001 again', async () => {
    const day = firstService();
    const svc = new QueueService(CONFIG, { journal: new MemoryJournal(day.events), now: () => T0 + 30 * MIN });
    await svc.start();
    const a = exec(svc, (m) => m.take('A', T0 + 30 * MIN));
    expect(a.ticket.number).toBe('A004');
    expect(a.ticket.id).toBe('2026-11-28/A004');
    expect(a.ahead).toBe(2); // A002 and A003 still wait
    expect(exec(svc, (m) => m.take('B', T0 + 31 * MIN)).ticket.number).toBe('B002');
    expect(exec(svc, (m) => m.take('C', T0 + 32 * MIN)).ticket.number).toBe('C001');
  });

  it('keeps every waiting ticket in its place, across services', async () => {
    const day = firstService();
    const svc = new QueueService(CONFIG, { journal: new MemoryJournal(day.events), now: () => T0 + 30 * MIN });
    await svc.start();
    expect(svc.ticket('A002')).toMatchObject({ state: 'waiting', ahead: 0 });
    expect(svc.ticket('A003')).toMatchObject({ state: 'waiting', ahead: 1 });
    exec(svc, (m) => m.take('A', T0 + 30 * MIN)); // A004, after everyone from before the restart
    exec(svc, (m) => m.openCounter(3, T0 + 31 * MIN));
    // Counter 3 calls every service, so it calls in take order: B001 was taken before A003.
    const called: string[] = [];
    for (let i = 0; i < 4; i++) {
      const c = exec(svc, (m) => m.callNext(3, T0 + (32 + i) * MIN));
      called.push(c.ticket.number);
      exec(svc, (m) => m.noShow(c.ticket.id, T0 + (32 + i) * MIN + 1000));
    }
    expect(called).toEqual(['A002', 'B001', 'A003', 'A004']);
  });

  it('keeps counters and services open or closed as they were, and the ticket at a counter', async () => {
    const day = firstService();
    const svc = new QueueService(CONFIG, { journal: new MemoryJournal(day.events), now: () => T0 + 30 * MIN });
    await svc.start();
    const s = svc.snapshot();
    expect(counter(s, 1)).toMatchObject({ open: true, serving: 'A001', state: 'serving' });
    expect(counter(s, 2)).toMatchObject({ open: true, serving: null });
    expect(counter(s, 3)).toMatchObject({ open: false });
    expect(s.services.find((x) => x.letter === 'D')?.open).toBe(false);
    expect(() => exec(svc, (m) => m.take('D', T0 + 30 * MIN))).toThrow(expect.objectContaining({ code: 'SERVICE_CLOSED' }) as Error);
    // Counter 1 still has A001 in service: it can neither close nor call the next one.
    expect(() => exec(svc, (m) => m.closeCounter(1, T0 + 30 * MIN))).toThrow(expect.objectContaining({ code: 'INVALID_STATE' }) as Error);
    expect(exec(svc, (m) => m.complete('A001', T0 + 31 * MIN)).tickets[0]?.state).toBe('done');
    expect(exec(svc, (m) => m.callNext(1, T0 + 32 * MIN)).ticket.number).toBe('A002');
  });

  it('reads far enough back to cover a service day that began almost 24 h ago', async () => {
    const r = recorder();
    r.run((m) => m.take('A', ist(2026, 11, 28, 0, 0))); // the first second of the day
    const journal = new MemoryJournal(r.events);
    const svc = new QueueService(CONFIG, { journal, now: () => ist(2026, 11, 28, 23, 59) });
    await svc.start();
    expect(waiting(svc.snapshot(), 'A')).toBe(1);
    expect(journal.asked).toHaveLength(1);
    expect(journal.asked[0]).toBeLessThanOrEqual(ist(2026, 11, 28, 0, 0));
  });

  it('starts empty without a journal', async () => {
    const svc = new QueueService(CONFIG, { now: () => T0 });
    await svc.start();
    expect(svc.snapshot().services.every((s) => s.waiting === 0)).toBe(true);
    expect(exec(svc, (m) => m.take('A', T0)).ticket.number).toBe('A001');
    await svc.stop();
    expect(svc.health().state).toBe('absent');
  });
});

describe('QueueService restart: a new service day starts fresh', () => {
  it('does not replay yesterday: numbering restarts at A001, no waiting tickets, counters closed', async () => {
    const day = firstService();
    const svc = new QueueService(CONFIG, { journal: new MemoryJournal(day.events), now: () => T0 + DAY });
    await svc.start();
    const s = svc.snapshot();
    expect(s.services.map((x) => x.waiting)).toEqual([0, 0, 0, 0]);
    expect(s.counters.map((c) => [c.open, c.serving])).toEqual([
      [false, null],
      [false, null],
      [false, null],
    ]);
    expect(s.services.find((x) => x.letter === 'D')?.open).toBe(true); // closing D was yesterday's
    expect(s.lastCalled).toEqual([]);
    expect(svc.ticket('2026-11-28/A002')).toBeNull();
    expect(svc.ticket('A002')).toBeNull();
    expect(svc.health().counters).toMatchObject({ restoredEvents: 0 });
    const t = exec(svc, (m) => m.take('A', T0 + DAY)).ticket;
    expect([t.number, t.id]).toEqual(['A001', '2026-11-29/A001']);
  });

  it('replays only today when the journal holds both days', async () => {
    const day = firstService(); // the model keeps running into the next day, as a live service would
    day.run((m) => m.take('A', T0 + DAY)); // 2026-11-29/A001
    day.run((m) => m.take('C', T0 + DAY + MIN)); // 2026-11-29/C001
    const svc = new QueueService(CONFIG, { journal: new MemoryJournal(day.events), now: () => T0 + DAY + HOUR });
    await svc.start();
    const s = svc.snapshot();
    expect(s.services.map((x) => [x.letter, x.waiting])).toEqual([
      ['A', 1],
      ['B', 0],
      ['C', 1],
      ['D', 0],
    ]);
    expect(counter(s, 1)).toMatchObject({ open: false, serving: null }); // opened yesterday
    expect(svc.ticket('A001')?.id).toBe('2026-11-29/A001');
    expect(svc.ticket('2026-11-28/A001')).toBeNull();
    expect(svc.health().counters).toMatchObject({ restoredEvents: 2 });
    expect(exec(svc, (m) => m.take('A', T0 + DAY + HOUR)).ticket.id).toBe('2026-11-29/A002');
  });

  it("starts even when yesterday's tickets were called, served or transferred after the reset", async () => {
    // Late evening service: tickets from 23:50 are still served after midnight, the numbering
    // reset. Their events carry today's time but name a ticket whose `taken` is yesterday's.
    const r = recorder();
    r.run((m) => m.take('A', ist(2026, 11, 28, 23, 50))); // 2026-11-28/A001
    r.run((m) => m.take('A', ist(2026, 11, 28, 23, 52))); // 2026-11-28/A002
    r.run((m) => m.take('A', ist(2026, 11, 28, 23, 53))); // 2026-11-28/A003
    r.run((m) => m.openCounter(1, ist(2026, 11, 28, 23, 55)));
    r.run((m) => m.callNext(1, ist(2026, 11, 29, 0, 5)));
    r.run((m) => m.start('2026-11-28/A001', ist(2026, 11, 29, 0, 6)));
    r.run((m) => m.complete('2026-11-28/A001', ist(2026, 11, 29, 0, 7)));
    r.run((m) => m.transfer('2026-11-28/A002', 'C', ist(2026, 11, 29, 0, 8))); // 2026-11-29/C001
    r.run((m) => m.cancel('2026-11-28/A003', ist(2026, 11, 29, 0, 8)));
    r.run((m) => m.take('A', ist(2026, 11, 29, 0, 9))); // 2026-11-29/A001
    const svc = new QueueService(CONFIG, { journal: new MemoryJournal(r.events), now: () => ist(2026, 11, 29, 0, 10) });
    await svc.start();
    expect(svc.ticket('C001')).toMatchObject({ id: '2026-11-29/C001', state: 'waiting', transferredFrom: '2026-11-28/A002' });
    expect(svc.ticket('A001')).toMatchObject({ id: '2026-11-29/A001', state: 'waiting' });
    expect(svc.ticket('2026-11-28/A002')).toBeNull();
    expect(exec(svc, (m) => m.take('A', ist(2026, 11, 29, 0, 11))).ticket.number).toBe('A002');
    expect(exec(svc, (m) => m.take('C', ist(2026, 11, 29, 0, 11))).ticket.number).toBe('C002');
  });
});

describe('QueueService restart: resetAt', () => {
  const events06 = () => {
    const r = recorder({ ...CONFIG, resetAt: '06:00' });
    r.run((m) => m.take('A', ist(2026, 11, 28, 6, 0)));
    r.run((m) => m.take('A', ist(2026, 11, 28, 22, 0)));
    return r.events;
  };

  it('before the reset point the night still belongs to the day that began at 06:00', async () => {
    const svc = new QueueService({ ...CONFIG, resetAt: '06:00' }, { journal: new MemoryJournal(events06()), now: () => ist(2026, 11, 29, 5, 59) });
    await svc.start();
    expect(waiting(svc.snapshot(), 'A')).toBe(2);
    expect(svc.dayOf(ist(2026, 11, 29, 5, 59))).toBe('2026-11-28');
    expect(exec(svc, (m) => m.take('A', ist(2026, 11, 29, 5, 59))).ticket.id).toBe('2026-11-28/A003');
  });

  it('from the reset point on, a new day starts at A001', async () => {
    const svc = new QueueService({ ...CONFIG, resetAt: '06:00' }, { journal: new MemoryJournal(events06()), now: () => ist(2026, 11, 29, 6, 0) });
    await svc.start();
    expect(waiting(svc.snapshot(), 'A')).toBe(0);
    expect(exec(svc, (m) => m.take('A', ist(2026, 11, 29, 6, 0))).ticket.id).toBe('2026-11-29/A001');
  });

  it('with the default 00:00 reset, the same night is already a new day', async () => {
    const r = recorder();
    r.run((m) => m.take('A', ist(2026, 11, 28, 22, 0)));
    const svc = new QueueService(CONFIG, { journal: new MemoryJournal(r.events), now: () => ist(2026, 11, 29, 5, 30) });
    await svc.start();
    expect(waiting(svc.snapshot(), 'A')).toBe(0);
    expect(exec(svc, (m) => m.take('A', ist(2026, 11, 29, 5, 30))).ticket.id).toBe('2026-11-29/A001');
  });
});

describe('QueueService listeners', () => {
  it('tells each listener once at start, with the restored snapshot and no events', async () => {
    const day = firstService();
    const svc = new QueueService(CONFIG, { journal: new MemoryJournal(day.events), now: () => T0 + 30 * MIN });
    const calls: [readonly QueueEvent[], QueueSnapshot][] = [];
    svc.onCommitted((e, s) => calls.push([e, s]));
    await svc.start();
    expect(calls).toHaveLength(1);
    expect(calls[0]![0]).toEqual([]);
    expect(waiting(calls[0]![1], 'A')).toBe(2);
  });

  it('tells them once per commit, with the committed events and the snapshot after them', async () => {
    const svc = new QueueService(CONFIG, { now: () => T0 });
    await svc.start();
    const calls: [readonly QueueEvent[], QueueSnapshot][] = [];
    const snaps: QueueSnapshot[] = [];
    svc.onCommitted((e, s) => calls.push([e, s]));
    svc.onChange((s) => snaps.push(s));
    const take = svc.dryRun((m) => m.take('A', T0), () => undefined);
    expect(calls).toHaveLength(0); // a dry run is not a change
    svc.commit(take.events);
    expect(calls).toHaveLength(1);
    expect(calls[0]![0].map((e) => e.type)).toEqual(['queue.ticket.taken']);
    expect(waiting(calls[0]![1], 'A')).toBe(1);
    svc.commit([]); // nothing changed: nobody is woken
    expect(calls).toHaveLength(1);
    exec(svc, (m) => m.openCounter(1, T0));
    expect(calls.map(([e]) => e.map((x) => x.type))).toEqual([['queue.ticket.taken'], ['queue.counter.opened']]);
    expect(snaps.map((s) => counter(s, 1)?.open)).toEqual([false, true]);
  });

  it('a throwing listener does not stop the others, and is logged', async () => {
    const { log, lines } = captureLog();
    const svc = new QueueService(CONFIG, { now: () => T0, log });
    const heard: number[] = [];
    svc.onCommitted(() => {
      throw new Error('board unplugged');
    });
    svc.onChange((s) => heard.push(waiting(s, 'A') ?? -1));
    await svc.start();
    exec(svc, (m) => m.take('A', T0));
    expect(heard).toEqual([0, 1]);
    expect(lines.filter((l) => l.msg === 'queue listener failed')).toHaveLength(2);
  });

  it('an unsubscribed listener hears nothing more', async () => {
    const svc = new QueueService(CONFIG, { now: () => T0 });
    let n = 0;
    const off = svc.onChange(() => n++);
    await svc.start();
    expect(svc.health().counters).toMatchObject({ listeners: 1 });
    off();
    exec(svc, (m) => m.take('A', T0));
    expect(n).toBe(1);
    expect(svc.health().counters).toMatchObject({ listeners: 0 });
  });
});

describe('QueueService dryRun and commit', () => {
  it('a dry run leaves the live model alone until its events are committed', async () => {
    const svc = new QueueService(CONFIG, { now: () => T0 });
    await svc.start();
    const journaled: QueueEvent[][] = [];
    const r = svc.dryRun((m) => m.take('A', T0), (e) => journaled.push([...e]));
    expect(r.ticket.number).toBe('A001');
    expect(journaled).toEqual([r.events]);
    expect(svc.ticket('A001')).toBeNull();
    expect(waiting(svc.snapshot(), 'A')).toBe(0);
    svc.commit(r.events);
    expect(svc.ticket('A001')).toMatchObject({ state: 'waiting', ahead: 0 });
  });

  it('an operation that throws journals nothing and changes nothing, even mid-batch', async () => {
    const svc = new QueueService(CONFIG, { now: () => T0 });
    await svc.start();
    let journaled = 0;
    const journal = () => void journaled++;
    expect(() =>
      svc.dryRun((m) => {
        m.take('A', T0); // succeeds on the copy...
        throw new Error('boom'); // ...then the handler fails
      }, journal),
    ).toThrow('boom');
    expect(() => svc.dryRun((m) => m.take('Z', T0), journal)).toThrow(QueueError);
    expect(journaled).toBe(0);
    expect(svc.snapshot().services.every((s) => s.waiting === 0)).toBe(true);
    // Same synchronous batch: the failed unit must not have left A001 behind in the draft.
    expect(svc.dryRun((m) => m.take('A', T0), journal).ticket.number).toBe('A001');
  });

  it('a unit whose journaling throws is not seen by the next unit of the batch', async () => {
    const svc = new QueueService(CONFIG, { now: () => T0 });
    await svc.start();
    expect(() =>
      svc.dryRun(
        (m) => m.take('A', T0),
        () => {
          throw new Error('disk full');
        },
      ),
    ).toThrow('disk full');
    expect(svc.dryRun((m) => m.take('A', T0), () => undefined).ticket.number).toBe('A001');
  });

  it('dry runs in one synchronous batch chain: A001 then A002', async () => {
    const svc = new QueueService(CONFIG, { now: () => T0 });
    await svc.start();
    const first = svc.dryRun((m) => m.take('A', T0), () => undefined);
    const second = svc.dryRun((m) => m.take('A', T0), () => undefined);
    expect([first.ticket.number, second.ticket.number]).toEqual(['A001', 'A002']);
    expect(second.ahead).toBe(1);
    // A call in the same batch sees the uncommitted take too.
    svc.commit(svc.dryRun((m) => m.openCounter(1, T0), () => undefined).events);
    expect(svc.dryRun((m) => m.callNext(1, T0), () => undefined).ticket.number).toBe('A001');
  });

  it('dry runs chain until their commit, and an aborted batch leaves no trace', async () => {
    const svc = new QueueService(CONFIG, { now: () => T0 });
    await svc.start();
    const aborts: (() => void)[] = [];
    const onAbort = (fn: () => void) => aborts.push(fn);
    expect(svc.dryRun((m) => m.take('A', T0), () => undefined, onAbort).ticket.number).toBe('A001');
    await Promise.resolve(); // a later batch, while the first is not yet durable, builds on it
    expect(svc.dryRun((m) => m.take('A', T0), () => undefined, onAbort).ticket.number).toBe('A002');
    for (const fn of aborts.splice(0)) fn(); // both transactions failed
    const retry = svc.dryRun((m) => m.take('A', T0), () => undefined, onAbort);
    expect(retry.ticket.number).toBe('A001');
    svc.commit(retry.events);
    expect(svc.dryRun((m) => m.take('A', T0), () => undefined).ticket.number).toBe('A002');
    expect(aborts).toHaveLength(1); // the committed retry's hook is never called
  });
});

describe('QueueService ticket view', () => {
  it('finds a ticket by number or id, and gives null for an unknown one', async () => {
    const svc = new QueueService(CONFIG, { now: () => T0 });
    await svc.start();
    exec(svc, (m) => m.take('C', T0, 'elderly'));
    exec(svc, (m) => m.take('C', T0 + MIN));
    expect(svc.ticket('c002')).toMatchObject({ id: '2026-11-28/C002', serviceName: 'İstihdam', ahead: 1, priority: null });
    expect(svc.ticket('2026-11-28/C001')).toMatchObject({ number: 'C001', priority: 'elderly', ahead: 0 });
    expect(svc.ticket('C999')).toBeNull();
    expect(svc.priorityLabel('elderly')).toBe('65 yaş ve üstü');
    expect(svc.priorityLabel(null)).toBeNull();
  });
});

describe('QueueService: the service day turning over while it runs', () => {
  it('starts the new day like a restart would: no leftovers, counters closed, numbering from 001', async () => {
    vi.useFakeTimers();
    try {
      let now = ist(2026, 11, 28, 23, 50);
      const journal = new MemoryJournal();
      const svc = new QueueService(CONFIG, { journal, now: () => now });
      const seen: QueueSnapshot[] = [];
      svc.onChange((s) => seen.push(s));
      await svc.start();
      const record = <R extends OpResult>(op: (m: QueueModel) => R): R => {
        const r = svc.dryRun(op, (evs) => journal.events.push(...evs));
        svc.commit(r.events);
        return r;
      };
      record((m) => m.openCounter(1, now));
      record((m) => m.take('A', now));
      record((m) => m.take('A', now));
      expect(waiting(svc.snapshot(), 'A')).toBe(2);
      now = ist(2026, 11, 29, 0, 1);
      const before = seen.length;
      await vi.advanceTimersByTimeAsync(60_000);
      expect(seen.length).toBe(before + 1);
      expect(waiting(svc.snapshot(), 'A')).toBe(0);
      expect(counter(svc.snapshot(), 1)?.open).toBe(false);
      expect(record((m) => m.take('A', now)).ticket.number).toBe('A001');
      await svc.stop();
    } finally {
      vi.useRealTimers();
    }
  });

  it('events that do not fit the live model (a dry run from before the turnover) rebuild it from the journal', async () => {
    const { log, lines } = captureLog();
    const journal = new MemoryJournal();
    const svc = new QueueService(CONFIG, { journal, now: () => T0, log });
    await svc.start();
    const stray: QueueEvent = { type: 'queue.ticket.called', at: T0, ticket: '2026-11-27/A009', number: 'A009', counter: 1 };
    expect(() => svc.commit([stray])).not.toThrow();
    expect(lines.some((l) => l.level === 40 && /rebuilding it from the journal/.test(String(l.msg)))).toBe(true);
    expect(svc.snapshot().lastCalled).toEqual([]);
    await svc.stop();
  });
});
