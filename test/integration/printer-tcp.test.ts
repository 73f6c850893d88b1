// The printer driver over real sockets: the simulator listens on a real TCP port
// (as a network printer's raw port 9100), the driver prints over
// tcp://127.0.0.1:PORT, the printer is unplugged from the network and comes back,
// and the waiting receipts print in order. Then the same over a pty (socat). Then a
// Star printer in Star Line Mode on both: its status comes from ESC ACK SOH's ASB (on
// TCP in the LAN form, with the Length field), and a receipt waits while it is out of
// paper and prints once paper is loaded.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryPrintJobStore } from '../../firmware-ts/src/drivers/printer/jobs.js';
import { PrinterDriver, type PrinterConfig } from '../../firmware-ts/src/drivers/printer/printer-driver.js';
import { DocumentBuilder } from '../../firmware-ts/src/drivers/printer/render.js';
import { PrinterSim } from '../../devices/printer-sim/printer-sim.js';
import { hostOnTcp } from '../../devices/printer-sim/tcp.js';
import { hostOnPty } from '../../devices/shared/pty-host.js';
import { silent } from '../helpers/store.js';

const live: { stop(): Promise<void> }[] = [];
afterEach(async () => {
  for (const x of live.splice(0).reverse()) await x.stop();
});

async function until(what: string, cond: () => boolean | Promise<boolean>, ms = 10_000): Promise<void> {
  const t0 = Date.now();
  while (!(await cond())) {
    if (Date.now() - t0 > ms) throw new Error(`timed out after ${ms} ms waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const receipt = (no: number) =>
  new DocumentBuilder(`makbuz ${no}`)
    .text('İNEGÖL BELEDİYESİ', { align: 'center', bold: true })
    .text('TAHSİLAT MAKBUZU', { align: 'center' })
    .pair(`Makbuz no ${no}`, `${no}.000,00 ₺`)
    .qr(`https://e.inegol.bel.tr/m/${no}?ödeyen=Işıl Güneş`)
    .barcode(`TAH-${no}`)
    .build();

function driverFor(port: string, jobs: MemoryPrintJobStore, type: PrinterConfig['type'] = 'epson'): PrinterDriver {
  const cfg: PrinterConfig = { name: 'kasa', enabled: true, port, type, codePage: 'CP857', widthChars: 48, statusPollS: 0.1, statusTimeoutMs: 300 };
  const d = new PrinterDriver(cfg, { log: silent, jobs, backoff: { minMs: 50, maxMs: 200 } });
  live.push(d);
  return d;
}

describe('printer over TCP (port 9100 style)', () => {
  it('prints, survives an unplug with queued jobs, and prints them in order on replug', async () => {
    const sim = new PrinterSim();
    const host = await hostOnTcp(sim, 0);
    live.push(host);
    const jobs = new MemoryPrintJobStore();
    const driver = driverFor(`tcp://127.0.0.1:${host.port}`, jobs);
    await driver.start();
    await until('ready', () => driver.status().state === 'ready');

    await driver.print(receipt(1), { copies: 2 });
    await until('two copies', () => sim.documents.length === 2);
    expect(sim.documents[0]!.lines.slice(0, 3)).toEqual(['İNEGÖL BELEDİYESİ', 'TAHSİLAT MAKBUZU', 'Makbuz no 1' + ' '.repeat(48 - 11 - 11) + '1.000,00 TL']);
    expect(sim.documents[0]!.qr).toEqual(['https://e.inegol.bel.tr/m/1?ödeyen=Işıl Güneş']);
    expect(sim.documents[0]!.barcodes).toEqual([{ symbology: 'CODE128', data: 'TAH-1' }]);
    expect(sim.documents[1]!.items).toEqual(sim.documents[0]!.items);

    await host.unplug();
    await until('disconnected', () => driver.status().state === 'disconnected');
    expect(driver.health().state).toBe('failed');
    for (let i = 2; i <= 4; i++) await driver.print(receipt(i));
    await new Promise((r) => setTimeout(r, 300));
    expect(sim.documents).toHaveLength(2);

    await host.replug();
    await until('drained', async () => (await jobs.pending('kasa')).length === 0 && sim.documents.length === 5);
    expect(sim.documents.slice(2).map((d) => /Makbuz no (\d+)/.exec(d.text)?.[1])).toEqual(['2', '3', '4']);
    await until('ok', () => driver.health().state === 'ok');

    sim.setPaper('out');
    await until('paper out over TCP', () => driver.status().state === 'paper-out');
    sim.setPaper('ok');
    await until('ready again', () => driver.status().state === 'ready');
  });
});

describe('printer on a pty (a USB/serial printer)', () => {
  it('prints over serial:// through socat and reads DLE EOT answers back', async () => {
    const sim = new PrinterSim();
    const path = join(mkdtempSync(join(tmpdir(), 'vim-prn-')), 'printer');
    const host = await hostOnPty(path, sim);
    live.push(host);
    const jobs = new MemoryPrintJobStore();
    const driver = driverFor(`serial://${path}?baud=115200`, jobs);
    await driver.start();
    await until('ready', () => driver.status().state === 'ready');
    await driver.print(receipt(7));
    await until('printed', () => sim.documents.length === 1);
    expect(sim.documents[0]!.text).toContain('Makbuz no 7');
    expect(sim.documents[0]!.qr[0]).toContain('Işıl Güneş');
    sim.setCover(true);
    await until('cover open', () => driver.status().state === 'cover-open');
  });
});

describe('a Star printer (Star Line Mode) over TCP and on a pty', () => {
  it('TCP: reports paper-out from the ASB, holds the receipt, and prints it when paper is loaded', async () => {
    const sim = new PrinterSim({ commandSet: 'star', starInterface: 'lan' });
    const host = await hostOnTcp(sim, 0);
    live.push(host);
    const jobs = new MemoryPrintJobStore();
    const driver = driverFor(`tcp://127.0.0.1:${host.port}`, jobs, 'star');
    await driver.start();
    await until('ready', () => driver.status().state === 'ready');
    expect(driver.status()).toMatchObject({ answers: 'yes', bits: { paperEnd: false, coverOpen: false } });

    sim.setPaper('out');
    await until('paper out over TCP', () => driver.status().state === 'paper-out');
    expect(driver.health()).toMatchObject({ state: 'failed', detail: expect.stringContaining('paper end') });
    await driver.print(receipt(21));
    await new Promise((r) => setTimeout(r, 400)); // several polls
    expect(driver.status().state).toBe('paper-out');
    expect(await jobs.pending('kasa')).toHaveLength(1);
    expect(sim.documents).toHaveLength(0);
    expect(sim.heldCommands).toBe(0); // not a byte of the receipt went to a printer without paper

    sim.setPaper('ok');
    await until('ready again', () => driver.status().state === 'ready');
    await until('printed', async () => (await jobs.pending('kasa')).length === 0 && sim.documents.length === 1);
    expect(sim.documents[0]!.lines.slice(0, 2)).toEqual(['İNEGÖL BELEDİYESİ', 'TAHSİLAT MAKBUZU']);
    expect(sim.documents[0]!.qr).toEqual(['https://e.inegol.bel.tr/m/21?ödeyen=Işıl Güneş']);
    expect(sim.documents[0]!.barcodes).toEqual([{ symbology: 'CODE128', data: 'TAH-21' }]);
    expect(sim.unknownCommands).toEqual([]);
    expect(driver.health().state).toBe('ok');
  });

  it('pty: the same through serial:// and socat, with the cover opened and closed on the way', async () => {
    const sim = new PrinterSim({ commandSet: 'star' });
    const path = join(mkdtempSync(join(tmpdir(), 'vim-prn-')), 'printer');
    const host = await hostOnPty(path, sim);
    live.push(host);
    const jobs = new MemoryPrintJobStore();
    const driver = driverFor(`serial://${path}?baud=115200`, jobs, 'star');
    await driver.start();
    await until('ready', () => driver.status().state === 'ready');

    sim.setPaper('out');
    await until('paper out on the pty', () => driver.status().state === 'paper-out');
    await driver.print(receipt(22));
    sim.setCover(true);
    await until('cover open', () => driver.status().state === 'cover-open');
    sim.setCover(false);
    await until('paper out again', () => driver.status().state === 'paper-out');
    expect(sim.documents).toHaveLength(0);
    expect(await jobs.pending('kasa')).toHaveLength(1);

    sim.setPaper('ok');
    await until('printed', async () => driver.status().state === 'ready' && (await jobs.pending('kasa')).length === 0 && sim.documents.length === 1);
    expect(sim.documents[0]!.text).toContain('Makbuz no 22');
    expect(sim.unknownCommands).toEqual([]);
  });
});
