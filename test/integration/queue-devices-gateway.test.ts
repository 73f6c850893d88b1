// The queue through the whole gateway with its devices on their simulators (issue 5): a
// taken ticket prints (Turkish, QR to its status page), a kiosk button takes one too, a call
// repaints the LED board and sounds the chime; a printer out of paper keeps the ticket, says
// so in the reply and on the kiosk LED, and prints when paper returns; an unplugged board
// does not stop the queue; and a restart continues the day from the journal.
import { randomUUID } from 'node:crypto';
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DisplaySim } from '../../devices/display-sim/display-sim.js';
import type { PrinterSim } from '../../devices/printer-sim/printer-sim.js';
import type { Gateway } from '../../firmware-ts/src/gateway.js';
import { serviceDay } from '../../firmware-ts/src/services/queue/numbering.js';
import type { QueueSnapshot } from '../../firmware-ts/src/services/queue/snapshot.js';
import { command, connect, replyClient, startGateway, USERS } from '../helpers/gateway-inproc.js';
import { cleanupTempDirs } from '../helpers/tmp.js';

const CONFIG = {
  devices: {
    printers: [{ name: 'kiosk', port: 'sim://printer', statusPollS: 0.2, statusTimeoutMs: 200 }],
    display: { port: 'sim://display', ackTimeoutMs: 100, retries: 1, resyncIntervalMs: 300 },
    gpio: { backend: 'sim', debounceMs: 5, lines: { buttons: { A: 5, C: 6 }, leds: { status: 16, paper: 22 }, chime: 21 } },
  },
  queue: { statusUrl: 'http://192.168.4.1:8081/' },
};

let gw: Gateway;
let dir: string;
let url: string;
let kiosk: MqttClient;
let staff: MqttClient;
const clients: MqttClient[] = [];
const gateways: Gateway[] = [];

async function until(pred: () => boolean, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > end) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function boot(reuse?: string): Promise<void> {
  const r = await startGateway(CONFIG, reuse ? { dir: reuse } : {});
  gw = r.gw;
  dir = r.dir;
  gateways.push(gw);
  url = `mqtt://127.0.0.1:${gw.broker.port()}`;
  kiosk = await replyClient(url, USERS.kiosk, `kiosk1@${randomUUID().slice(0, 8)}`);
  staff = await replyClient(url, USERS.staff, `ayse@${randomUUID().slice(0, 8)}`);
  clients.push(kiosk, staff);
}

const printer = () => gw.devices.sims.get('printer') as PrinterSim;
const board = () => gw.devices.sims.get('display') as DisplaySim;
const take = (service: string) => command(kiosk, 'vim/cmd/queue/take', { id: randomUUID(), service });
const staffDo = (action: string, args: Record<string, unknown>) => command(staff, `vim/cmd/queue/${action}`, { id: randomUUID(), ...args });

beforeAll(async () => {
  await boot();
});

afterAll(async () => {
  await Promise.all(clients.splice(0).map((c) => c.endAsync(true)));
  for (const g of gateways.splice(0)) await g.stop();
  cleanupTempDirs();
});

describe('the queue with its devices', () => {
  it('prints a taken ticket in Turkish with the number, people ahead and a QR to its status page', async () => {
    const a = await take('A');
    expect(a).toMatchObject({ ok: true, result: { ticket: 'A001', ahead: 0, printer: { printer: 'kiosk', ready: true } } });
    await until(() => printer().documents.length === 1, 5000, 'the ticket printed');
    const doc = printer().documents[0]!;
    expect(doc.text).toContain('İNEGÖL BELEDİYESİ');
    expect(doc.text).toContain('BİLGİ EDİNME');
    expect(doc.text).toContain('A001');
    expect(doc.text).toMatch(/Önünüzde bekleyen +0 kişi/);
    const day = serviceDay(Date.now());
    expect(doc.qr).toEqual([`http://192.168.4.1:8081/t/${day}/A001`]);
    expect(doc.cut).toBe('full');
  });

  it('a kiosk button takes a ticket through the command path, and it prints', async () => {
    gw.devices.gpio!.emit('button', 'C');
    await until(() => printer().documents.length === 2, 5000, 'the button ticket printed');
    expect(printer().documents[1]!.text).toContain('C001');
    expect(printer().documents[1]!.text).toContain('İSTİHDAM');
    // It is journaled like any take, by the kiosk button's identity.
    const rec = gw.store.read((tx) => [...tx.journal.ofClass('queue', new Date(0))]).at(-1)!;
    expect(rec).toMatchObject({ type: 'queue.ticket.taken', actor: 'gpio-kiosk', payload: { number: 'C001' } });
  });

  it('a call repaints the LED board, sounds the chime and announces vim/event/queue/called', async () => {
    const display = await connect(url, USERS.display, `ekran1@${randomUUID().slice(0, 8)}`);
    clients.push(display);
    const called: unknown[] = [];
    display.on('message', (t, b) => t === 'vim/event/queue/called' && called.push(JSON.parse(b.toString())));
    await display.subscribeAsync('vim/event/queue/called', { qos: 0 });
    const chimes = () => gw.devices.gpio!.health().counters!.chimes!;
    const before = chimes();
    expect(await staffDo('open-counter', { counter: 2 })).toMatchObject({ ok: true });
    expect(await staffDo('call-next', { counter: 2 })).toMatchObject({ ok: true, result: { ticket: 'A001', counter: 2 } });
    await until(() => board().shown().rows[0] === 'A001 -> 2', 5000, 'board shows A001 -> 2');
    await until(() => board().shown().scroll === 'BEKLEYEN C:1', 5000, 'board scroll shows who waits');
    await until(() => chimes() === before + 1, 2000, 'one chime');
    await until(() => called.length === 1, 2000, 'called event');
    expect(called[0]).toMatchObject({ ticket: 'A001', counter: 2, recall: false });
    expect(await staffDo('recall', { ticket: 'A001' })).toMatchObject({ ok: true, result: { state: 'called' } });
    await until(() => chimes() === before + 2 && called.length === 2, 2000, 'recall chimes again');
    expect(called[1]).toMatchObject({ ticket: 'A001', recall: true });
  });

  it('out of paper: the ticket exists, the reply and the kiosk LED say so, and it prints when paper returns', async () => {
    const gpio = gw.devices.gpio!;
    await until(() => gpio.ledPattern('paper') === 'ok', 5000, `printer LED ok (printer ${JSON.stringify(gw.queueDevices.printerStatus())}, LED ${gpio.ledPattern('paper')})`);
    const printed = printer().documents.length;
    printer().setPaper('out');
    await until(() => gpio.ledPattern('paper') === 'fault', 5000, 'printer LED shows fault');
    const a = await take('A');
    expect(a).toMatchObject({ ok: true, result: { ticket: 'A002', printer: { ready: false, state: 'paper-out' } } });
    await new Promise((r) => setTimeout(r, 400));
    expect(printer().documents.length).toBe(printed);
    expect(gw.devices.printers[0]!.status().pendingJobs).toBeGreaterThanOrEqual(1);
    printer().setPaper('ok');
    await until(() => printer().documents.length === printed + 1, 5000, 'the held ticket printed');
    expect(printer().documents.at(-1)!.text).toContain('A002');
    await until(() => gpio.ledPattern('paper') === 'ok', 5000, 'printer LED ok again');
    // A lost slip can be printed again.
    expect(await staffDo('reprint', { ticket: 'A002' })).toMatchObject({ ok: true, result: { ticketId: expect.stringMatching(/\/A002$/) as unknown } });
    await until(() => printer().documents.length === printed + 2, 5000, 'the reprint');
    expect(printer().documents.at(-1)!.text).toContain('A002');
  });

  it('an unplugged LED board does not stop the queue; it shows the current call once back', async () => {
    board().unplug();
    expect(await staffDo('complete', { ticket: 'A001' })).toMatchObject({ ok: false, error: { code: 'INVALID_STATE' } });
    expect(await staffDo('start', { ticket: 'A001' })).toMatchObject({ ok: true, result: { state: 'serving' } });
    expect(await staffDo('complete', { ticket: 'A001' })).toMatchObject({ ok: true, result: { state: 'done' } });
    expect(await staffDo('call-next', { counter: 2 })).toMatchObject({ ok: true, result: { ticket: 'C001' } });
    board().replug();
    await until(() => board().shown().rows[0] === 'C001 -> 2', 10_000, 'board shows C001 -> 2 after replug');
  });

  it('a restart continues the day from the journal: numbering, waiting tickets and counters', async () => {
    const before = gw.queue.snapshot();
    await Promise.all(clients.splice(0).map((c) => c.endAsync(true)));
    await gw.stop();
    gateways.pop();
    await boot(dir);
    const after: QueueSnapshot = gw.queue.snapshot();
    expect(after).toEqual(before);
    expect(after.counters.find((c) => c.number === 2)).toMatchObject({ open: true, serving: 'C001', state: 'called' });
    const a = await take('A');
    expect(a).toMatchObject({ ok: true, result: { ticket: 'A003', ahead: 1 } });
    expect(await staffDo('no-show', { ticket: 'C001' })).toMatchObject({ ok: true, result: { state: 'no_show' } });
    const stats = await staffDo('stats', {});
    expect(stats).toMatchObject({ ok: true, result: { taken: 4, served: 1, noShows: 1, open: 2, byService: { A: { taken: 3 }, C: { taken: 1 } } } });
  });
});
