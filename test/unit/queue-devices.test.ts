// QueueDevices with recording fakes for its ports: what gets printed (rendered and decoded
// like the printer would), when the chime sounds, what the LED board shows, what a kiosk
// button does, how the printer LED follows the printer, and that no device failure reaches
// the queue. The queue itself is a real QueueService driven through dryRun/commit.
import { pino, type Logger } from 'pino';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { decodeEscPos } from '../../devices/printer-sim/printer-sim.js';
import { renderDocument, type PrintDocument } from '../../firmware-ts/src/drivers/printer/render.js';
import type { CallBoardPort, QueueSignalsPort, TicketPrinterPort, TicketPrinterStatus } from '../../firmware-ts/src/services/queue/ports.js';
import { boardRows, boardScroll, QueueDevices, type QueueDevicesDeps } from '../../firmware-ts/src/services/queue/queue-devices.js';
import type { OpResult, QueueModel } from '../../firmware-ts/src/services/queue/queue-model.js';
import { QueueService } from '../../firmware-ts/src/services/queue/queue-service.js';
import { CONFIG, MIN, T0 } from '../helpers/queue-fixture.js';

const silent = pino({ level: 'silent' });

class FakePrinter implements TicketPrinterPort {
  readonly docs: PrintDocument[] = [];
  st: TicketPrinterStatus = { printer: 'kiosk', ready: true, state: 'ready', pendingJobs: 0 };
  /** What print() answers; by default the job is saved at once. */
  answer: (doc: PrintDocument) => Promise<void> = () => Promise.resolve();
  status(): TicketPrinterStatus {
    return { ...this.st };
  }
  print(doc: PrintDocument): Promise<void> {
    this.docs.push(doc);
    return this.answer(doc);
  }
  /** The printed lines of job i, as the paper would show them. */
  lines(i: number): string[] {
    return decodeEscPos(renderDocument(this.docs[i]!, { type: 'epson', codePage: 'CP857', widthChars: 48 }).bytes)[0]!.lines;
  }
  qr(i: number): string[] {
    return decodeEscPos(renderDocument(this.docs[i]!, { type: 'epson', codePage: 'CP857', widthChars: 48 }).bytes)[0]!.qr;
  }
}

class FakeBoard implements CallBoardPort {
  readonly shown: { rows: { counter: string; ticket: string }[]; scroll: string | undefined }[] = [];
  show(rows: { counter: string; ticket: string }[], scroll?: string): void {
    this.shown.push({ rows, scroll });
  }
  get last() {
    return this.shown.at(-1)!;
  }
}

class FakeSignals implements QueueSignalsPort {
  chimes = 0;
  readonly leds: boolean[] = [];
  readonly listeners = new Set<(letter: string) => void>();
  chime(): void {
    this.chimes++;
  }
  printerLed(ok: boolean): void {
    this.leds.push(ok);
  }
  onButton(listener: (letter: string) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
  press(letter: string): void {
    for (const l of this.listeners) l(letter);
  }
}

function captureLog(): { log: Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const log = pino({ level: 'debug' }, { write: (s: string) => void lines.push(JSON.parse(s) as Record<string, unknown>) });
  return { log, lines };
}

/** Lets pending promise reactions (print saves, button takes) run. */
const settle = () => new Promise<void>((r) => setImmediate(r));

async function setup(over: Partial<QueueDevicesDeps> = {}) {
  const queue = new QueueService(CONFIG, { now: () => T0 });
  await queue.start();
  const printer = new FakePrinter();
  const board = new FakeBoard();
  const signals = new FakeSignals();
  const takes: string[] = [];
  const devices = new QueueDevices({
    queue,
    printer,
    board,
    signals,
    take: (letter) => {
      takes.push(letter);
      return Promise.resolve();
    },
    vehicleName: 'VİM aracı 1',
    kioskButtons: true,
    log: silent,
    ...over,
  });
  await devices.start();
  let now = T0;
  /** A committed operation, as the command layer does it after the transaction. */
  const exec = <R extends OpResult>(op: (m: QueueModel, now: number) => R): R => {
    now += MIN;
    const r = queue.dryRun((m) => op(m, now), () => undefined);
    queue.commit(r.events);
    return r;
  };
  return { queue, printer, board, signals, takes, devices, exec };
}

let toStop: QueueDevices[] = [];
afterEach(async () => {
  vi.useRealTimers();
  await Promise.all(toStop.map((d) => d.stop()));
  toStop = [];
});
async function started(over: Partial<QueueDevicesDeps> = {}) {
  const s = await setup(over);
  toStop.push(s.devices);
  return s;
}

describe('QueueDevices: printing', () => {
  it('prints one ticket per take, with the number and the service name upper-cased the Turkish way', async () => {
    const { printer, exec, devices } = await started();
    exec((m, now) => m.take('C', now));
    await settle();
    expect(printer.docs).toHaveLength(1);
    const lines = printer.lines(0);
    expect(lines).toContain('İSTİHDAM');
    expect(lines).toContain('C001');
    expect(lines).toContain('İNEGÖL BELEDİYESİ');
    expect(lines).toContain('VİM aracı 1');
    expect(lines.some((l) => /^Önünüzde bekleyen +0 kişi$/.test(l))).toBe(true);
    expect(printer.qr(0)).toEqual([]); // no statusUrl, no QR
    expect(devices.health().counters).toMatchObject({ ticketsQueued: 1, printFailures: 0 });
  });

  it('prints the people ahead as they were when the ticket was taken', async () => {
    const { printer, exec } = await started();
    exec((m, now) => m.take('A', now));
    exec((m, now) => m.take('A', now));
    exec((m, now) => m.take('A', now));
    await settle();
    const ahead = [0, 1, 2].map((i) => printer.lines(i).find((l) => l.startsWith('Önünüzde bekleyen')));
    expect(ahead.map((l) => /(\d+) kişi$/.exec(l ?? '')?.[1])).toEqual(['0', '1', '2']);
  });

  it('prints the new ticket of a transfer, saying where it came from', async () => {
    const { printer, exec } = await started();
    exec((m, now) => m.take('A', now));
    exec((m, now) => m.transfer('A001', 'C', now));
    await settle();
    expect(printer.docs).toHaveLength(2);
    const lines = printer.lines(1);
    expect(lines).toContain('C001');
    expect(lines).toContain('İSTİHDAM');
    expect(lines).toContain('A001 numarasından aktarıldı');
  });

  it('prints nothing for operations that take no ticket', async () => {
    const { printer, exec } = await started();
    exec((m, now) => m.take('A', now));
    exec((m, now) => m.openCounter(1, now));
    exec((m, now) => m.callNext(1, now));
    exec((m, now) => m.recall('A001', now));
    exec((m, now) => m.start('A001', now));
    exec((m, now) => m.complete('A001', now));
    await settle();
    expect(printer.docs).toHaveLength(1);
  });

  it('passes the priority label and the status link to the ticket', async () => {
    const { printer, exec } = await started({ statusUrl: 'http://192.168.4.1:8081/' });
    exec((m, now) => m.take('B', now, 'pregnant'));
    await settle();
    expect(printer.lines(0)).toContain('Öncelikli: Hamile');
    expect(printer.qr(0)).toEqual(['http://192.168.4.1:8081/t/2026-11-28/B001']);
  });

  it('a print that is not saved is counted and logged; the queue carries on', async () => {
    const { log, lines } = captureLog();
    const { printer, exec, devices, queue } = await started({ log });
    printer.answer = () => Promise.reject(new Error('journal full'));
    expect(() => exec((m, now) => m.take('A', now))).not.toThrow();
    await settle();
    expect(devices.health().counters).toMatchObject({ ticketsQueued: 0, printFailures: 1 });
    expect(lines.find((l) => l.level === 50)).toMatchObject({ ticket: '2026-11-28/A001' });
    expect(queue.ticket('A001')?.state).toBe('waiting');
    printer.answer = () => Promise.resolve();
    exec((m, now) => m.take('A', now));
    await settle();
    expect(devices.health().counters).toMatchObject({ ticketsQueued: 1, printFailures: 1 });
  });

  it('without a printer nothing prints and a reprint is refused', async () => {
    const { exec, devices, board } = await started({ printer: null });
    exec((m, now) => m.take('A', now));
    await settle();
    expect(devices.printerStatus()).toBeNull();
    await expect(devices.printTicket('A001')).rejects.toThrow(/no ticket printer/);
    expect(board.shown.length).toBeGreaterThan(1); // the rest still works
    expect(devices.health().counters).toMatchObject({ ticketsQueued: 0, printFailures: 0 });
  });

  it('printTicket reprints a known ticket and refuses an unknown one', async () => {
    const { printer, exec, devices } = await started();
    exec((m, now) => m.take('D', now));
    await settle();
    await devices.printTicket('D001');
    expect(printer.docs).toHaveLength(2);
    expect(printer.lines(1)).toContain('D001');
    await expect(devices.printTicket('D777')).rejects.toThrow(/unknown ticket/);
    expect(devices.printerStatus()).toEqual({ printer: 'kiosk', ready: true, state: 'ready', pendingJobs: 0 });
  });

  it('a staff reprint is tracked like a ticket print: a failure is counted and logged, never thrown', async () => {
    const { log, lines } = captureLog();
    const { printer, exec, devices } = await started({ log });
    exec((m, now) => m.take('D', now));
    await settle();
    devices.reprint('D001');
    await settle();
    expect(printer.lines(1)).toContain('D001');
    printer.answer = () => Promise.reject(new Error('journal full'));
    expect(() => devices.reprint('D001')).not.toThrow();
    devices.reprint('D999');
    await settle();
    expect(devices.health().counters).toMatchObject({ ticketsQueued: 2, printFailures: 2 });
    expect(lines.filter((l) => l.level === 50)).toHaveLength(2);
  });
});

describe('QueueDevices: chime and board', () => {
  it('chimes on a call and on a recall, and on nothing else', async () => {
    const { signals, exec } = await started();
    exec((m, now) => m.take('A', now));
    exec((m, now) => m.openCounter(1, now));
    expect(signals.chimes).toBe(0);
    exec((m, now) => m.callNext(1, now));
    expect(signals.chimes).toBe(1);
    exec((m, now) => m.recall('A001', now));
    expect(signals.chimes).toBe(2);
    exec((m, now) => m.start('A001', now));
    exec((m, now) => m.complete('A001', now));
    expect(signals.chimes).toBe(2);
  });

  it('paints the board at start and on every commit', async () => {
    const { board, exec } = await started();
    expect(board.shown).toEqual([{ rows: [], scroll: 'Sıra bekleyen yok' }]);
    exec((m, now) => m.take('A', now));
    exec((m, now) => m.take('A', now));
    expect(board.shown).toHaveLength(3);
    expect(board.last.scroll).toBe('Bekleyen A:2');
    exec((m, now) => m.take('C', now));
    expect(board.last.scroll).toBe('Bekleyen A:2 C:1');
    exec((m, now) => m.openCounter(2, now));
    expect(board.shown).toHaveLength(5);
  });

  it('orders the board rows by the most recent call first', async () => {
    const { board, exec } = await started();
    exec((m, now) => m.take('A', now));
    exec((m, now) => m.take('A', now));
    exec((m, now) => m.take('C', now));
    exec((m, now) => m.openCounter(1, now));
    exec((m, now) => m.openCounter(3, now));
    exec((m, now) => m.callNext(1, now)); // A001 to 1
    expect(board.last).toEqual({ rows: [{ counter: '1', ticket: 'A001' }], scroll: 'Bekleyen A:1 C:1' });
    exec((m, now) => m.callNext(3, now)); // A002 to 3
    expect(board.last.rows).toEqual([
      { counter: '3', ticket: 'A002' },
      { counter: '1', ticket: 'A001' },
    ]);
    exec((m, now) => m.recall('A001', now)); // announced again: back on top
    expect(board.last.rows).toEqual([
      { counter: '1', ticket: 'A001' },
      { counter: '3', ticket: 'A002' },
    ]);
    exec((m, now) => m.start('A001', now)); // still at the counter while served
    expect(board.last.rows.map((r) => r.ticket)).toEqual(['A001', 'A002']);
    exec((m, now) => m.complete('A001', now)); // done: off the board
    expect(board.last).toEqual({ rows: [{ counter: '3', ticket: 'A002' }], scroll: 'Bekleyen C:1' });
  });

  it('boardRows and boardScroll on a snapshot', () => {
    const rows = boardRows({
      services: [],
      counters: [
        { number: 1, name: 'M1', open: true, serving: 'B004', state: 'serving' },
        { number: 2, name: 'M2', open: true, serving: null, state: null },
        { number: 3, name: 'M3', open: true, serving: 'A010', state: 'called' },
        { number: 4, name: 'M4', open: true, serving: 'C002', state: 'serving' }, // called too long ago to be listed
      ],
      lastCalled: [
        { number: 'A010', counter: 3, at: 3 },
        { number: 'B004', counter: 1, at: 2 },
      ],
      averageWaitMs: null,
    });
    expect(rows).toEqual([
      { counter: '3', ticket: 'A010' },
      { counter: '1', ticket: 'B004' },
      { counter: '4', ticket: 'C002' },
    ]);
    const svc = (letter: string, waiting: number) => ({ letter, name: letter, open: true, waiting, estimatedWaitMs: null });
    expect(boardScroll({ services: [svc('A', 2), svc('B', 0), svc('D', 5)], counters: [], lastCalled: [], averageWaitMs: null })).toBe('Bekleyen A:2 D:5');
    expect(boardScroll({ services: [svc('A', 0)], counters: [], lastCalled: [], averageWaitMs: null })).toBe('Sıra bekleyen yok');
  });
});

describe('QueueDevices: kiosk buttons', () => {
  it('a button press takes a ticket for its letter', async () => {
    const { signals, takes, devices } = await started();
    signals.press('B');
    signals.press('A');
    await settle();
    expect(takes).toEqual(['B', 'A']);
    expect(devices.health().counters).toMatchObject({ buttonTakes: 2, buttonFailures: 0 });
  });

  it('a refused take is counted and logged, never thrown', async () => {
    const { log, lines } = captureLog();
    const { signals, devices } = await started({ log, take: () => Promise.reject(new Error('SERVICE_CLOSED: service D is closed')) });
    expect(() => signals.press('D')).not.toThrow();
    await settle();
    expect(devices.health().counters).toMatchObject({ buttonTakes: 0, buttonFailures: 1 });
    expect(lines.find((l) => l.msg === 'kiosk button: no ticket taken')).toMatchObject({ letter: 'D', err: 'SERVICE_CLOSED: service D is closed' });
  });

  it('with kioskButtons off, buttons take nothing', async () => {
    const { signals, takes } = await started({ kioskButtons: false });
    expect(signals.listeners.size).toBe(0);
    signals.press('A');
    await settle();
    expect(takes).toEqual([]);
  });
});

describe('QueueDevices: printer LED', () => {
  it('follows the printer: off when it cannot print, on again when it can, only on change', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    const { printer, signals } = await started({ ledPollMs: 10 });
    expect(signals.leds).toEqual([true]); // set at start, without waiting for a poll
    vi.advanceTimersByTime(50);
    expect(signals.leds).toEqual([true]);
    printer.st = { ...printer.st, ready: false, state: 'paper-out' };
    vi.advanceTimersByTime(10);
    expect(signals.leds).toEqual([true, false]);
    printer.st = { ...printer.st, ready: false, state: 'cover-open' }; // still cannot print
    vi.advanceTimersByTime(100);
    expect(signals.leds).toEqual([true, false]);
    printer.st = { ...printer.st, ready: true, state: 'ready' };
    vi.advanceTimersByTime(10);
    expect(signals.leds).toEqual([true, false, true]);
  });

  it('starts off when the printer cannot print at start', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    const printer = new FakePrinter();
    printer.st = { printer: 'kiosk', ready: false, state: 'disconnected', pendingJobs: 3 };
    const { signals } = await started({ printer, ledPollMs: 10 });
    vi.advanceTimersByTime(30);
    expect(signals.leds).toEqual([false]);
  });

  it('stops following after stop()', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    const { printer, signals, devices } = await setup({ ledPollMs: 10 });
    await devices.stop();
    printer.st = { ...printer.st, ready: false, state: 'paper-out' };
    vi.advanceTimersByTime(100);
    expect(signals.leds).toEqual([true]);
  });

  it('no printer: the LED is left alone', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    const { signals } = await started({ printer: null, ledPollMs: 10 });
    vi.advanceTimersByTime(100);
    expect(signals.leds).toEqual([]);
  });
});

describe('QueueDevices: stop', () => {
  it('unsubscribes: no prints, chimes, board paints or button takes after stop', async () => {
    const { printer, board, signals, takes, devices, exec } = await setup();
    exec((m, now) => m.openCounter(1, now));
    await devices.stop();
    const painted = board.shown.length;
    exec((m, now) => m.take('A', now));
    exec((m, now) => m.callNext(1, now));
    signals.press('A');
    await settle();
    expect(printer.docs).toEqual([]);
    expect(signals.chimes).toBe(0);
    expect(board.shown).toHaveLength(painted);
    expect(takes).toEqual([]);
    expect(signals.listeners.size).toBe(0);
    expect(devices.health().state).toBe('absent');
  });

  it('waits for a ticket being saved as a print job', async () => {
    const { printer, devices, exec } = await setup();
    let save!: () => void;
    printer.answer = () => new Promise<void>((r) => (save = r));
    exec((m, now) => m.take('A', now));
    expect(printer.docs).toHaveLength(1);
    let stopped = false;
    const stopping = devices.stop().then(() => (stopped = true));
    await settle();
    await settle();
    expect(stopped).toBe(false);
    save();
    await stopping;
    expect(stopped).toBe(true);
    expect(devices.health().counters).toMatchObject({ ticketsQueued: 1 });
  });

  it('a failing save does not make stop() fail', async () => {
    const { printer, devices, exec } = await setup();
    let fail!: (e: Error) => void;
    printer.answer = () => new Promise<void>((_r, j) => (fail = j));
    exec((m, now) => m.take('A', now));
    const stopping = devices.stop();
    fail(new Error('store closed'));
    await expect(stopping).resolves.toBeUndefined();
    expect(devices.health().counters).toMatchObject({ printFailures: 1 });
  });
});
