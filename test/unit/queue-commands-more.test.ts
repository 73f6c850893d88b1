// The rest of vim/cmd/queue/* through the real command path and a real test store: recall,
// no-show, cancel, transfer, open/close-service, reprint and stats; the refusals (each one
// journals nothing and publishes nothing); the printer report in the replies; and what goes
// out on vim/state/queue and vim/event/queue/called.
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { queueCommands, type QueueTicketDevices } from '../../firmware-ts/src/api/commands/queue.js';
import { CommandPath, type Publisher } from '../../firmware-ts/src/api/command-path.js';
import type { Answer } from '../../firmware-ts/src/api/errors.js';
import type { ClientInfo } from '../../firmware-ts/src/broker/broker.js';
import type { TicketPrinterStatus } from '../../firmware-ts/src/services/queue/ports.js';
import { QueueService } from '../../firmware-ts/src/services/queue/queue-service.js';
import type { QueueSnapshot } from '../../firmware-ts/src/services/queue/snapshot.js';
import type { Store } from '../../firmware-ts/src/store/store.js';
import { openTestStore, silent } from '../helpers/store.js';
import { cleanupTempDirs } from '../helpers/tmp.js';

afterAll(cleanupTempDirs);

interface Sent {
  topic: string;
  payload: string;
  retain: boolean;
  qos: number | undefined;
}
class RecordingPublisher implements Publisher {
  sent: Sent[] = [];
  publish(topic: string, payload: string, opts?: { retain?: boolean; qos?: 0 | 1 }): Promise<void> {
    this.sent.push({ topic, payload, retain: opts?.retain ?? false, qos: opts?.qos });
    return Promise.resolve();
  }
  of(topic: string): unknown[] {
    return this.sent.filter((m) => m.topic === topic).map((m) => JSON.parse(m.payload) as unknown);
  }
}

class FakeDevices implements QueueTicketDevices {
  status: TicketPrinterStatus | null = { printer: 'kiosk', ready: false, state: 'paper-out', pendingJobs: 2 };
  printed: string[] = [];
  printerStatus(): TicketPrinterStatus | null {
    return this.status;
  }
  reprint(ref: string): void {
    this.printed.push(ref);
  }
}

const staff: ClientInfo = { clientId: 'ayse@tab1', username: 'ayse', role: 'staff' };
const kiosk: ClientInfo = { clientId: 'kiosk1', username: 'kiosk1', role: 'kiosk' };
const maint: ClientInfo = { clientId: 'bakim', username: 'bakim', role: 'maintenance' };
let n = 0;
const newId = () => `0190a0b1-0000-7000-8000-${String(++n).padStart(12, '0')}`;

let store: Store;
let pub: RecordingPublisher;
let queue: QueueService;
let path: CommandPath;

function build(devices: QueueTicketDevices | null = null): void {
  pub = new RecordingPublisher();
  queue = new QueueService();
  path = new CommandPath(store, silent);
  path.attach(pub);
  path.register(queueCommands(pub, queue, devices));
}

beforeEach(async () => {
  store = await openTestStore();
  build();
  return () => store.stop();
});
afterEach(() => {
  vi.useRealTimers();
});

const send = (client: ClientInfo, action: string, args: Record<string, unknown>, id = newId()) =>
  path.execute(client, `vim/cmd/queue/${action}`, Buffer.from(JSON.stringify({ id, ...args })));

function resultOf(a: Answer): Record<string, unknown> {
  if (!a.ok) throw new Error(`expected ok, got ${JSON.stringify(a)}`);
  return a.result as Record<string, unknown>;
}
function errorOf(a: Answer): { code: string; message: string } {
  if (a.ok) throw new Error(`expected an error answer, got ${JSON.stringify(a)}`);
  return a.error;
}
const ok = async (client: ClientInfo, action: string, args: Record<string, unknown>) => resultOf(await send(client, action, args));
const journalCount = () => store.journal.stats().count;
const lastState = () => pub.of('vim/state/queue').at(-1) as QueueSnapshot;
const waiting = (letter: string) => lastState().services.find((s) => s.letter === letter)?.waiting;

/** A refusal: the code, a message naming the culprit, and no trace in the journal or on the bus. */
async function refused(client: ClientInfo, action: string, args: Record<string, unknown>, code: string, message?: string | RegExp) {
  const before = journalCount();
  const published = pub.sent.length;
  const e = errorOf(await send(client, action, args));
  expect(e.code).toBe(code);
  if (message !== undefined) expect(e.message).toMatch(message);
  expect(journalCount()).toBe(before);
  expect(pub.sent).toHaveLength(published);
  return e;
}

/** A001 called to counter 1. */
async function called(): Promise<string> {
  await ok(kiosk, 'take', { service: 'A' });
  await ok(staff, 'open-counter', { counter: 1 });
  return (await ok(staff, 'call-next', { counter: 1 })).ticketId as string;
}

describe('queue commands: recall, no-show, cancel', () => {
  it('recall re-announces the called ticket; the event says recall', async () => {
    const id = await called();
    expect(await ok(staff, 'recall', { ticket: 'A001' })).toEqual({ ticket: 'A001', ticketId: id, state: 'called' });
    const calls = pub.sent.filter((m) => m.topic === 'vim/event/queue/called');
    expect(calls.map((m) => m.qos)).toEqual([0, 0]);
    expect(calls.map((m) => m.retain)).toEqual([false, false]);
    expect(calls.map((m) => JSON.parse(m.payload) as unknown)).toEqual([
      { ticket: 'A001', counter: 1, recall: false, at: expect.any(Number) as number },
      { ticket: 'A001', counter: 1, recall: true, at: expect.any(Number) as number },
    ]);
    expect(id).toMatch(/^\d{4}-\d{2}-\d{2}\/A001$/);
    // The ticket is still called at counter 1, so the counter cannot call another one.
    await ok(kiosk, 'take', { service: 'A' });
    await refused(staff, 'call-next', { counter: 1 }, 'INVALID_STATE', /A001 \(called\)/);
  });

  it('recall of a waiting ticket is refused, naming its state', async () => {
    await ok(kiosk, 'take', { service: 'A' });
    await refused(staff, 'recall', { ticket: 'A001' }, 'INVALID_STATE', /A001 is waiting/);
  });

  it('no-show closes a called ticket and frees the counter', async () => {
    await called();
    await ok(kiosk, 'take', { service: 'B' });
    expect(await ok(staff, 'no-show', { ticket: 'a001' })).toMatchObject({ ticket: 'A001', state: 'no_show' });
    expect(await ok(staff, 'call-next', { counter: 1 })).toMatchObject({ ticket: 'B001' });
    await refused(staff, 'no-show', { ticket: 'A001' }, 'INVALID_STATE', /no_show/);
  });

  it('no-show of a ticket nobody called yet is refused', async () => {
    await ok(kiosk, 'take', { service: 'A' });
    await refused(staff, 'no-show', { ticket: 'A001' }, 'INVALID_STATE', /waiting/);
  });

  it('cancel takes a waiting ticket out of the queue', async () => {
    await ok(kiosk, 'take', { service: 'A' });
    await ok(kiosk, 'take', { service: 'A' });
    expect(await ok(staff, 'cancel', { ticket: 'A001' })).toMatchObject({ ticket: 'A001', state: 'cancelled' });
    expect(waiting('A')).toBe(1);
    await ok(staff, 'open-counter', { counter: 2 });
    expect(await ok(staff, 'call-next', { counter: 2 })).toMatchObject({ ticket: 'A002' });
    await refused(staff, 'cancel', { ticket: 'A001' }, 'INVALID_STATE', /cancelled/);
  });

  it('cancel of a ticket being served is refused', async () => {
    await called();
    await ok(staff, 'start', { ticket: 'A001' });
    await refused(staff, 'cancel', { ticket: 'A001' }, 'INVALID_STATE', /serving/);
  });

  it('a ticket reference can be the full id', async () => {
    const id = await called();
    expect(await ok(staff, 'start', { ticket: id })).toMatchObject({ ticket: 'A001', state: 'serving' });
  });
});

describe('queue commands: transfer', () => {
  it('closes the ticket and queues a new one at the end of the target service', async () => {
    const id = await called();
    await ok(kiosk, 'take', { service: 'C' });
    const before = journalCount();
    const r = await ok(staff, 'transfer', { ticket: 'A001', service: 'c' });
    expect(r).toEqual({ from: 'A001', ticket: 'C002', ticketId: id.replace('A001', 'C002'), service: 'C', printer: null });
    expect(journalCount()).toBe(before + 2);
    const recs = store.journal.list(before, 10).map((x) => x.type);
    expect(recs).toEqual(['queue.ticket.transferred', 'queue.ticket.taken']);
    expect(waiting('C')).toBe(2);
    expect(lastState().counters.find((c) => c.number === 1)).toMatchObject({ serving: null });
    await refused(staff, 'start', { ticket: 'A001' }, 'INVALID_STATE', /transferred/);
  });

  it('to a closed service: SERVICE_CLOSED, nothing journaled, the ticket keeps its place', async () => {
    await ok(kiosk, 'take', { service: 'A' });
    expect(await ok(staff, 'close-service', { service: 'c' })).toEqual({ service: 'C', open: false });
    await refused(staff, 'transfer', { ticket: 'A001', service: 'C' }, 'SERVICE_CLOSED', /C \(İstihdam\) is closed/);
    expect(queue.ticket('A001')).toMatchObject({ state: 'waiting', ahead: 0 });
    expect(await ok(staff, 'open-service', { service: 'C' })).toEqual({ service: 'C', open: true });
    expect(await ok(staff, 'transfer', { ticket: 'A001', service: 'C' })).toMatchObject({ ticket: 'C001' });
  });

  it('to an unknown service, or of an unknown ticket, is refused', async () => {
    await ok(kiosk, 'take', { service: 'A' });
    await refused(staff, 'transfer', { ticket: 'A001', service: 'Z' }, 'UNKNOWN_SERVICE', /"Z"/);
    await refused(staff, 'transfer', { ticket: 'A404', service: 'B' }, 'UNKNOWN_TICKET', /A404/);
  });

  it('of a finished ticket is refused, naming its state', async () => {
    await called();
    await ok(staff, 'no-show', { ticket: 'A001' });
    await refused(staff, 'transfer', { ticket: 'A001', service: 'B' }, 'INVALID_STATE', /no_show/);
  });

  it('a transfer and a take in one batch get different numbers', async () => {
    await ok(kiosk, 'take', { service: 'A' });
    const [t, x] = await Promise.all([send(kiosk, 'take', { service: 'D' }), send(staff, 'transfer', { ticket: 'A001', service: 'D' })]);
    expect([resultOf(t).ticket, resultOf(x).ticket]).toEqual(['D001', 'D002']);
    expect(waiting('D')).toBe(2);
  });

  it('a retried transfer gets the same answer and moves nothing again', async () => {
    await ok(kiosk, 'take', { service: 'A' });
    const id = newId();
    const first = await send(staff, 'transfer', { ticket: 'A001', service: 'B' }, id);
    const count = journalCount();
    expect(await send(staff, 'transfer', { ticket: 'A001', service: 'B' }, id)).toEqual(first);
    expect(journalCount()).toBe(count);
    expect(waiting('B')).toBe(1);
  });
});

describe('queue commands: refusals journal nothing', () => {
  it('complete twice: INVALID_STATE naming done', async () => {
    await called();
    await ok(staff, 'start', { ticket: 'A001' });
    await ok(staff, 'complete', { ticket: 'A001' });
    const e = await refused(staff, 'complete', { ticket: 'A001' }, 'INVALID_STATE');
    expect(e.message).toContain('done');
  });

  it('call-next on a closed counter: COUNTER_CLOSED', async () => {
    await ok(kiosk, 'take', { service: 'A' });
    await refused(staff, 'call-next', { counter: 3 }, 'COUNTER_CLOSED', /counter 3/);
    await ok(staff, 'open-counter', { counter: 3 });
    await ok(staff, 'close-counter', { counter: 3 });
    await refused(staff, 'call-next', { counter: 3 }, 'COUNTER_CLOSED');
  });

  it('unknown service, priority, ticket, counter', async () => {
    await refused(kiosk, 'take', { service: 'Q' }, 'UNKNOWN_SERVICE', /"Q"/);
    await refused(kiosk, 'take', { service: 'A', priority: 'vip' }, 'UNKNOWN_PRIORITY', /"vip"/);
    await refused(kiosk, 'take', { service: 'A', priority: 'toString' }, 'UNKNOWN_PRIORITY');
    await refused(staff, 'complete', { ticket: 'B123' }, 'UNKNOWN_TICKET', /B123/);
    await refused(staff, 'open-counter', { counter: 9 }, 'UNKNOWN_COUNTER', /9/);
    await refused(staff, 'close-service', { service: 'X' }, 'UNKNOWN_SERVICE');
    expect(journalCount()).toBe(0);
    expect(pub.sent).toEqual([]);
  });

  it('closing a counter that still has a called ticket', async () => {
    await called();
    await refused(staff, 'close-counter', { counter: 1 }, 'INVALID_STATE', /A001/);
  });

  it('a take for a closed service', async () => {
    await ok(staff, 'close-service', { service: 'D' });
    await refused(kiosk, 'take', { service: 'D' }, 'SERVICE_CLOSED');
  });

  it('opening what is open answers ok and journals nothing', async () => {
    await ok(staff, 'open-counter', { counter: 1 });
    const count = journalCount();
    expect(await ok(staff, 'open-counter', { counter: 1 })).toEqual({ counter: 1, open: true });
    expect(await ok(staff, 'open-service', { service: 'a' })).toEqual({ service: 'A', open: true });
    expect(journalCount()).toBe(count);
  });

  it('a priority take jumps the queue', async () => {
    await ok(kiosk, 'take', { service: 'A' });
    expect(await ok(kiosk, 'take', { service: 'A', priority: 'elderly' })).toMatchObject({ ticket: 'A002', ahead: 1 });
    await ok(staff, 'open-counter', { counter: 1 });
    expect(await ok(staff, 'call-next', { counter: 1 })).toMatchObject({ ticket: 'A002' });
  });

  it('only staff run the counters; the kiosk only takes', async () => {
    await ok(kiosk, 'take', { service: 'A' });
    for (const [action, args] of [
      ['recall', { ticket: 'A001' }],
      ['cancel', { ticket: 'A001' }],
      ['transfer', { ticket: 'A001', service: 'B' }],
      ['close-service', { service: 'A' }],
      ['reprint', { ticket: 'A001' }],
      ['stats', {}],
    ] as const) {
      await refused(kiosk, action, args, 'FORBIDDEN');
    }
  });
});

describe('queue commands: published state', () => {
  it('every committed change republishes the retained vim/state/queue (QoS 1)', async () => {
    await ok(kiosk, 'take', { service: 'A' });
    await ok(kiosk, 'take', { service: 'B' });
    await ok(staff, 'open-counter', { counter: 2 });
    await ok(staff, 'call-next', { counter: 2 });
    const states = pub.sent.filter((m) => m.topic === 'vim/state/queue');
    expect(states).toHaveLength(4);
    expect(states.every((m) => m.retain && m.qos === 1)).toBe(true);
    const s = lastState();
    expect(s.counters.find((c) => c.number === 2)).toMatchObject({ open: true, serving: 'A001', state: 'called' });
    expect(s.lastCalled).toEqual([{ number: 'A001', counter: 2, at: expect.any(Number) as number }]);
    expect(waiting('A')).toBe(0);
    expect(waiting('B')).toBe(1);
    // The page is readable from the street: no client names in it.
    expect(JSON.stringify(s)).not.toMatch(/ayse|kiosk1/);
  });
});

describe('queue commands: printer report and reprint', () => {
  it('take and transfer replies report the ticket printer', async () => {
    const devices = new FakeDevices();
    build(devices);
    const printer = { printer: 'kiosk', ready: false, state: 'paper-out', pendingJobs: 2 };
    expect(await ok(kiosk, 'take', { service: 'A' })).toMatchObject({ ticket: 'A001', printer });
    expect(await ok(staff, 'transfer', { ticket: 'A001', service: 'B' })).toMatchObject({ ticket: 'B001', printer });
    devices.status = null; // devices, but no ticket printer
    expect(await ok(kiosk, 'take', { service: 'A' })).toMatchObject({ printer: null });
  });

  it('without devices the take reply says there is no printer, and reprint is NO_PRINTER', async () => {
    expect(await ok(kiosk, 'take', { service: 'A' })).toMatchObject({ printer: null });
    await refused(staff, 'reprint', { ticket: 'A001' }, 'NO_PRINTER');
  });

  it('reprint journals the request and prints the ticket once committed', async () => {
    const devices = new FakeDevices();
    build(devices);
    const id = (await ok(kiosk, 'take', { service: 'C' })).ticketId as string;
    const before = journalCount();
    const r = await ok(staff, 'reprint', { ticket: 'C001' });
    expect(r).toEqual({ ticket: 'C001', ticketId: id, printer: devices.status });
    expect(devices.printed).toEqual([id]);
    const rec = store.journal.list(before, 10);
    expect(rec).toHaveLength(1);
    expect(rec[0]).toMatchObject({ type: 'print.ticket.reprint', class: 'events', actor: 'ayse', payload: { ticket: id } });
  });

  it('reprint: unknown ticket and no printer are refused', async () => {
    const devices = new FakeDevices();
    build(devices);
    await refused(staff, 'reprint', { ticket: 'A001' }, 'UNKNOWN_TICKET', /A001/);
    await ok(kiosk, 'take', { service: 'A' });
    devices.status = null;
    await refused(staff, 'reprint', { ticket: 'A001' }, 'NO_PRINTER');
    expect(devices.printed).toEqual([]);
    devices.status = { printer: 'kiosk', ready: true, state: 'ready', pendingJobs: 0 };
    expect(await ok(staff, 'reprint', { ticket: 'A001' })).toMatchObject({ ticket: 'A001' });
    expect(devices.printed).toHaveLength(1);
  });
});

describe('queue commands: stats', () => {
  // The test store's clock journals at 2026-11-28T09:00Z; the handlers' clock is set to that day.
  const at = (minutes: number) => vi.setSystemTime(Date.UTC(2026, 10, 28, 9, minutes));

  async function scriptedDay(): Promise<void> {
    vi.useFakeTimers({ toFake: ['Date'] });
    at(0);
    for (const s of ['A', 'A', 'A', 'B', 'C']) await ok(kiosk, 'take', { service: s }); // A001-3, B001, C001
    await ok(staff, 'open-counter', { counter: 1 });
    await ok(staff, 'open-counter', { counter: 2 });
    at(10);
    await ok(staff, 'call-next', { counter: 1 }); // A001, waited 10 min
    await ok(staff, 'start', { ticket: 'A001' });
    at(16);
    await ok(staff, 'complete', { ticket: 'A001' }); // served 6 min
    at(20);
    await ok(staff, 'call-next', { counter: 1 }); // A002, waited 20 min
    await ok(staff, 'transfer', { ticket: 'A002', service: 'B' }); // B002 taken
    await ok(staff, 'call-next', { counter: 2 }); // A003 (counter 2 serves every letter), waited 20 min
    await ok(staff, 'no-show', { ticket: 'A003' });
    await ok(staff, 'cancel', { ticket: 'C001' });
    // Open at the end: B001 and B002 waiting.
  }

  it('counts add up after a scripted day', async () => {
    await scriptedDay();
    const r = await ok(staff, 'stats', {});
    expect(r).toMatchObject({ day: '2026-11-28', taken: 6, served: 1, noShows: 1, cancelled: 1, transferred: 1, open: 2 });
    const sum = (x: Record<string, unknown>) => ['served', 'noShows', 'cancelled', 'transferred', 'open'].reduce((a, k) => a + (x[k] as number), 0);
    expect(sum(r)).toBe(r.taken);
    const byService = r.byService as Record<string, Record<string, unknown>>;
    expect(Object.keys(byService)).toEqual(['A', 'B', 'C']);
    for (const s of Object.values(byService)) expect(sum(s)).toBe(s.taken);
    for (const k of ['taken', 'served', 'noShows', 'cancelled', 'transferred', 'open']) {
      expect(Object.values(byService).reduce((a, s) => a + (s[k] as number), 0), k).toBe(r[k]);
    }
    expect(byService.A).toMatchObject({ taken: 3, served: 1, noShows: 1, transferred: 1, open: 0 });
    expect(byService.B).toMatchObject({ taken: 2, open: 2 });
    expect(r.wait).toEqual({ count: 3, avgMs: Math.round((10 + 20 + 20) * 60_000 / 3), maxMs: 20 * 60_000 });
    expect(r.service).toEqual({ count: 1, avgMs: 6 * 60_000, maxMs: 6 * 60_000 });
    expect(r.servedPerHour).toEqual({ '12': 1 }); // 09:16Z is 12:16 in Istanbul
    expect(r.byCounter).toMatchObject({
      '1': { called: 2, served: 1, transferred: 1, noShows: 0 },
      '2': { called: 1, served: 0, noShows: 1 },
    });
  });

  it('the day parameter picks the day; another day is empty', async () => {
    await scriptedDay();
    const today = await ok(staff, 'stats', {});
    expect(await ok(maint, 'stats', { day: '2026-11-28' })).toEqual(today);
    expect(await ok(maint, 'stats', { day: '2026-11-27' })).toMatchObject({ day: '2026-11-27', taken: 0, served: 0, open: 0, byService: {}, byCounter: {} });
    expect(errorOf(await send(staff, 'stats', { day: '28.11.2026' })).code).toBe('INVALID_PAYLOAD');
  });

  it('stats read only: nothing journaled, nothing published', async () => {
    await ok(kiosk, 'take', { service: 'A' });
    const count = journalCount();
    const published = pub.sent.length;
    await ok(staff, 'stats', {});
    expect(journalCount()).toBe(count);
    expect(pub.sent).toHaveLength(published);
  });
});
