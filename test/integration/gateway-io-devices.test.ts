// The whole gateway (in-process) with a printer, the LED board, the ZVT terminal and
// GPIO, each on its simulator (issue 4). What a crew sees on MQTT: every device in
// vim/state/device/<name> with state ok; then faults played by the simulators
// (paper out, a board that NAKs, a terminal that sends malformed APDUs, a GPIO
// line that does not exist) show there as failed, with a clear detail, while the
// gateway keeps answering commands (vim/cmd/logbook/add); and each device comes
// back to ok by itself when its simulator behaves again.
import { randomUUID } from 'node:crypto';
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../../firmware-ts/src/gateway.js';
import type { DisplaySim } from '../../devices/display-sim/display-sim.js';
import type { PrinterSim } from '../../devices/printer-sim/printer-sim.js';
import type { TerminalSim } from '../../devices/terminal-sim/terminal-sim.js';
import { DocumentBuilder } from '../../firmware-ts/src/drivers/printer/render.js';
import { command, connect, replyClient, startGateway, USERS } from '../helpers/gateway-inproc.js';
import { cleanupTempDirs } from '../helpers/tmp.js';

type DeviceState = { name: string; state: string; detail: string };
type Seen = Map<string, DeviceState[]>;

const DEVICES = {
  printers: [{ name: 'desk', port: 'sim://printer', statusPollS: 0.2, statusTimeoutMs: 200 }],
  display: { port: 'sim://display', ackTimeoutMs: 100, retries: 1, resyncIntervalMs: 300 },
  terminal: { port: 'sim://terminal', statusPollS: 1, ackTimeoutMs: 300, intermediateTimeoutMs: 1000, completionTimeoutMs: 2000 },
  gpio: { backend: 'sim', debounceMs: 5, lines: { buttons: { A: 5 }, ignition: 26, leds: { status: 16 }, chime: 21 } },
};

const gateways: Gateway[] = [];
const clients: MqttClient[] = [];

afterAll(async () => {
  await Promise.all(clients.splice(0).map((c) => c.endAsync(true)));
  for (const gw of gateways.splice(0)) await gw.stop();
  cleanupTempDirs();
});

async function boot(devices: Record<string, unknown>): Promise<{ gw: Gateway; url: string; seen: Seen; staff: MqttClient }> {
  const { gw } = await startGateway({ devices });
  gateways.push(gw);
  const url = `mqtt://127.0.0.1:${gw.broker.port()}`;
  const crew = await connect(url, USERS.maintenance, `bakim@io-${randomUUID().slice(0, 8)}`);
  clients.push(crew);
  const seen: Seen = new Map();
  crew.on('message', (topic, buf) => {
    const name = topic.slice('vim/state/device/'.length);
    const list = seen.get(name) ?? [];
    list.push(JSON.parse(buf.toString()) as DeviceState);
    seen.set(name, list);
  });
  await crew.subscribeAsync('vim/state/device/+', { qos: 0 });
  const staff = await replyClient(url, USERS.staff, `ayse@io-${randomUUID().slice(0, 8)}`);
  clients.push(staff);
  return { gw, url, seen, staff };
}

async function until(pred: () => boolean, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > end) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

const last = (seen: Seen, name: string): DeviceState | undefined => seen.get(name)?.at(-1);


function stateIs(seen: Seen, name: string, state: string, detail?: RegExp): () => boolean {
  return () => {
    const s = last(seen, name);
    return s?.state === state && (!detail || detail.test(s.detail));
  };
}

/** The gateway still serves: a logbook entry is journaled and answered. */
async function stillServes(staff: MqttClient, text: string): Promise<void> {
  const a = await command(staff, 'vim/cmd/logbook/add', { id: randomUUID(), text });
  expect(a).toMatchObject({ ok: true, result: { seq: expect.any(Number) as unknown } });
}

describe('the gateway with printer, display, terminal and GPIO on their simulators', () => {
  let gw: Gateway;
  let seen: Seen;
  let staff: MqttClient;

  beforeAll(async () => {
    ({ gw, seen, staff } = await boot(DEVICES));
  });

  it('publishes each device in vim/state/device/<name> with state ok', async () => {
    for (const name of ['desk', 'display', 'terminal', 'gpio']) await until(stateIs(seen, name, 'ok'), 10_000, `${name} ok (last: ${JSON.stringify(last(seen, name))})`);
    expect(last(seen, 'desk')!.detail).toMatch(/ready/);
    expect(last(seen, 'display')!.detail).toMatch(/board shows the current state/);
    expect(last(seen, 'terminal')!.detail).toMatch(/ready|busy: status/); // the idle status poll (05 01) runs every second here
    expect(last(seen, 'gpio')!.detail).toMatch(/4 lines on sim pinctrl-bcm2711/);
    await stillServes(staff, 'cihazlar hazır');
  });

  it('a printer out of paper shows as failed, holds its job, and prints it when paper is back', async () => {
    const sim = gw.devices.sims.get('printer') as PrinterSim;
    const printer = gw.devices.printers[0]!;
    sim.setPaper('out');
    await until(stateIs(seen, 'desk', 'failed', /paper end/), 5000, 'printer failed: paper end');
    const job = await printer.print(new DocumentBuilder('makbuz').text('Sayın Gülşen Çağlayan').pair('Toplam', '1.250,00 ₺').qr('ödeme: İnegöl').build());
    await stillServes(staff, 'yazıcıda kâğıt bitti');
    await new Promise((r) => setTimeout(r, 400));
    expect(sim.documents).toHaveLength(0);
    expect(printer.status().state).toBe('paper-out');

    sim.setPaper('ok');
    await until(() => sim.documents.length === 1, 5000, 'the held job printed');
    await until(stateIs(seen, 'desk', 'ok'), 5000, 'printer ok again');
    const d = sim.documents[0]!;
    expect(d.lines[0]).toBe('Sayın Gülşen Çağlayan');
    expect(d.lines[1]).toMatch(/^Toplam +1\.250,00 TL$/);
    expect(d.qr).toEqual(['ödeme: İnegöl']);
    expect(job.printer).toBe('desk');
  });

  it('a printer answering garbage shows as failed with a clear detail, and recovers', async () => {
    const sim = gw.devices.sims.get('printer') as PrinterSim;
    sim.answers = 'garbage';
    await until(stateIs(seen, 'desk', 'failed', /not status bytes/), 5000, 'printer failed: garbage');
    await stillServes(staff, 'yazıcı anlamsız cevap veriyor');
    sim.answers = 'status';
    await until(stateIs(seen, 'desk', 'ok'), 5000, 'printer ok again');
  });

  it('a board that NAKs forever shows as failed; show() does not wait; it repaints when the board answers again', async () => {
    const sim = gw.devices.sims.get('display') as DisplaySim;
    const display = gw.devices.display!;
    sim.mode = 'nak';
    const t0 = Date.now();
    display.show({ serving: [{ ticket: 'A042', counter: '2' }], scroll: 'Hoş geldiniz, iyi günler' });
    expect(Date.now() - t0).toBeLessThan(50);
    await until(stateIs(seen, 'display', 'failed', /board NAKs/), 5000, 'display failed: NAKs');
    await stillServes(staff, 'ekran NAK veriyor');
    expect(sim.shown().rows[0]).toBe('');

    sim.mode = 'normal';
    await until(stateIs(seen, 'display', 'ok'), 5000, 'display ok again');
    await until(() => sim.shown().rows[0] === 'A042 -> 2', 5000, 'the board repainted');
    expect(sim.shown().scroll).toBe('HOŞ GELDİNİZ, İYİ GÜNLER');
  });

  it('a terminal that sends malformed APDUs shows as failed, and recovers when it behaves', async () => {
    const sim = gw.devices.sims.get('terminal') as TerminalSim;
    sim.behave({ mode: 'malformed' });
    // Its 04 0F claims 0x40 bytes and sends 2: the length runs beyond the frame, and health names it.
    await until(stateIs(seen, 'terminal', 'failed', /incomplete APDU from terminal .*length beyond the data sent/), 8000, 'terminal failed: malformed');
    await stillServes(staff, 'kart terminali bozuk veri gönderiyor');
    sim.behave({ mode: 'approve' });
    await until(stateIs(seen, 'terminal', 'ok'), 8000, 'terminal ok again');
  });

  it('a terminal that goes silent shows as failed while the gateway serves', async () => {
    const sim = gw.devices.sims.get('terminal') as TerminalSim;
    sim.behave({ mode: 'silent' });
    await until(stateIs(seen, 'terminal', 'failed', /T3 \(ack\): nothing from the terminal/), 8000, 'terminal failed: silent');
    await stillServes(staff, 'kart terminali cevap vermiyor');
    sim.behave({ mode: 'approve' });
    await until(stateIs(seen, 'terminal', 'ok'), 8000, 'terminal ok again');
  });

  it('an unplugged printer and board are failed; both come back and catch up by themselves', async () => {
    const p = gw.devices.sims.get('printer') as PrinterSim;
    const b = gw.devices.sims.get('display') as DisplaySim;
    p.unplug();
    b.unplug();
    await until(stateIs(seen, 'desk', 'failed', /link closed|disconnected|connecting/), 5000, 'printer failed: unplugged');
    await until(stateIs(seen, 'display', 'failed', /port not open/), 5000, 'display failed: unplugged');
    await stillServes(staff, 'yazıcı ve ekran çıkarıldı');
    p.replug();
    b.replug();
    await until(stateIs(seen, 'desk', 'ok'), 10_000, 'printer ok after replug');
    await until(stateIs(seen, 'display', 'ok'), 10_000, 'display ok after replug');
    await until(() => b.shown().rows[0] === 'A042 -> 2', 5000, 'board repainted with the current state');
  });
});

describe('the gateway with a GPIO line that does not exist', () => {
  it('shows gpio as failed naming chip label and offset; the other lines and the gateway keep working', async () => {
    const { gw, seen, staff } = await boot({ gpio: { backend: 'sim', lines: { buttons: { A: 5 }, leds: { status: 16 }, chime: 200 } } });
    await until(stateIs(seen, 'gpio', 'failed'), 5000, 'gpio failed');
    expect(last(seen, 'gpio')!.detail).toMatch(/gpio line pinctrl-bcm2711:200 \(chime\): does not exist/);
    expect(last(seen, 'gpio')!.detail).toMatch(/2 lines on sim/);
    await stillServes(staff, 'zil hattı yok');
    gw.devices.gpio!.setLed('status', 'ok');
    expect(gw.devices.gpio!.ledPattern('status')).toBe('ok');
    await expect(gw.devices.gpio!.chime()).resolves.toBeUndefined();
  });
});
