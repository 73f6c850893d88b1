// The printer driver against the in-process simulator (sim://printer): jobs saved
// before sending and done only when written, held in order across an unplugged or
// paper-out printer, reprint by id, DLE EOT states, garbage answers as a fault, and a
// file:// printer whose status stays unknown. Assertions are on the decoded receipts.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryPrintJobStore, UnknownJobError } from '../../firmware-ts/src/drivers/printer/jobs.js';
import { PrinterDriver, type PrinterConfig, type PrinterStatus } from '../../firmware-ts/src/drivers/printer/printer-driver.js';
import { DocumentBuilder } from '../../firmware-ts/src/drivers/printer/render.js';
import { SimRegistry } from '../../firmware-ts/src/transport/sim-link.js';
import { decodeEscPos, PrinterSim, type PrinterSimOptions } from '../../devices/printer-sim/printer-sim.js';
import { expectPaperCoverOfflineCycle, makbuzNo, until } from '../helpers/printer-status-cycle.js';
import { silent } from '../helpers/store.js';

const live: { stop(): Promise<void> }[] = [];
afterEach(async () => {
  for (const x of live.splice(0).reverse()) await x.stop();
});

const receipt = (no: number) =>
  new DocumentBuilder(`makbuz ${no}`).text('İNEGÖL BELEDİYESİ', { align: 'center', bold: true }).pair(`Makbuz no ${no}`, `${no},00 ₺`).qr(`makbuz=${no};ödeyen=Şükrü Işık`).build();

function config(over: Partial<PrinterConfig> = {}): PrinterConfig {
  return { name: 'kasa', enabled: true, port: 'sim://printer', type: 'epson', codePage: 'CP857', widthChars: 42, statusPollS: 0.05, statusTimeoutMs: 100, ...over };
}

async function rig(opts: { sim?: PrinterSimOptions; config?: Partial<PrinterConfig>; start?: boolean } = {}) {
  const sim = new PrinterSim(opts.sim);
  const reg = new SimRegistry();
  reg.register('printer', sim);
  const jobs = new MemoryPrintJobStore();
  const statuses: PrinterStatus[] = [];
  const driver = new PrinterDriver(config(opts.config), { log: silent, jobs, sims: reg, backoff: { minMs: 20, maxMs: 60 }, onStatus: (s) => statuses.push(s) });
  if (opts.start !== false) await driver.start();
  live.push(driver);
  return { sim, jobs, driver, statuses };
}

describe('printer driver: jobs', () => {
  it('prints a receipt: saved first, done after the write, decoded text and QR as rendered', async () => {
    const { sim, jobs, driver } = await rig();
    await until('ready', () => driver.status().state === 'ready');
    const job = await driver.print(receipt(1), { copies: 2 });
    expect((await jobs.get(job.id))?.doneAt).toBeNull();
    await until('printed', async () => (await jobs.get(job.id))?.doneAt != null && sim.documents.length === 2);
    expect(sim.documents[0]!.lines).toEqual(['İNEGÖL BELEDİYESİ', 'Makbuz no 1' + ' '.repeat(42 - 11 - 7) + '1,00 TL', '']);
    expect(sim.documents[1]!.text).toBe(sim.documents[0]!.text);
    expect(sim.documents[0]!.qr).toEqual(['makbuz=1;ödeyen=Şükrü Işık']);
    expect(driver.health().state).toBe('ok');
  });

  it('a job that cannot be saved is refused and not a byte is sent', async () => {
    const { sim, jobs, driver } = await rig();
    await until('ready', () => driver.status().state === 'ready');
    jobs.failSaves = true;
    await expect(driver.print(receipt(9))).rejects.toThrow(/STORE_FULL/);
    await new Promise((r) => setTimeout(r, 100));
    expect(sim.documents).toHaveLength(0);
  });

  it('jobs for an unplugged printer wait, then print in order when it returns', async () => {
    const { sim, jobs, driver } = await rig();
    await until('ready', () => driver.status().state === 'ready');
    sim.unplug();
    await until('disconnected', () => driver.status().state === 'disconnected');
    expect(driver.health().state).toBe('failed');
    for (let i = 1; i <= 5; i++) await driver.print(receipt(i));
    await new Promise((r) => setTimeout(r, 150));
    expect(sim.documents).toHaveLength(0);
    expect((await jobs.pending('kasa')).length).toBe(5);
    sim.replug();
    await until('all printed', async () => (await jobs.pending('kasa')).length === 0 && sim.documents.length === 5);
    expect(sim.documents.map((d) => makbuzNo(d.text))).toEqual(['1', '2', '3', '4', '5']);
    await until('ok', () => driver.health().state === 'ok');
  });

  it('jobs saved before a restart print after it (the store outlives the driver)', async () => {
    const a = await rig({ config: { port: 'sim://nowhere' } });
    await a.driver.print(receipt(7));
    await a.driver.stop();
    const reg = new SimRegistry();
    reg.register('printer', a.sim);
    const d2 = new PrinterDriver(config(), { log: silent, jobs: a.jobs, sims: reg, backoff: { minMs: 20, maxMs: 60 } });
    await d2.start();
    live.push(d2);
    await until('printed after restart', () => a.sim.documents.length === 1);
    expect(makbuzNo(a.sim.documents[0]!.text)).toBe('7');
  });

  it('reprint by id sends the same receipt again as a new job; unknown ids are an error', async () => {
    const { sim, driver, jobs } = await rig();
    const first = await driver.print(receipt(3));
    await until('printed', () => sim.documents.length === 1);
    const again = await driver.reprint(first.id);
    expect(again.id).not.toBe(first.id);
    expect(again.reprintOf).toBe(first.id);
    await until('reprinted', () => sim.documents.length === 2);
    expect(sim.documents[1]!.items).toEqual(sim.documents[0]!.items);
    expect((await jobs.get(again.id))?.doneAt).not.toBeNull();
    await expect(driver.reprint('no-such-job')).rejects.toBeInstanceOf(UnknownJobError);
  });
});

describe('printer driver: DLE EOT status', () => {
  it('paper near end, paper out, cover open, offline; jobs hold while it cannot print', async () => {
    const { sim, driver, jobs } = await rig();
    await until('ready', () => driver.status().state === 'ready');
    expect(driver.status()).toMatchObject({ answers: 'yes', bits: { offline: false, coverOpen: false, paperEnd: false } });

    await expectPaperCoverOfflineCycle({ sim, driver, jobs, doc: receipt });
  });

  it('a printer that does not answer DLE EOT is `unknown` (not ready) and still prints', async () => {
    const { sim, driver } = await rig({ sim: { answers: 'silent' } });
    await until('unknown', () => driver.status().answers === 'no');
    expect(driver.status().state).toBe('unknown');
    expect(driver.health().state).toBe('degraded');
    await driver.print(receipt(4));
    await until('printed', () => sim.documents.length === 1);
  });

  it('garbage answers are a clear fault; jobs wait; it recovers when the answers are real again', async () => {
    const { sim, driver, jobs } = await rig({ sim: { answers: 'garbage' } });
    await until('garbage', () => driver.status().state === 'garbage');
    expect(driver.health()).toMatchObject({ state: 'failed', detail: expect.stringMatching(/not status bytes \(ff.*wrong device/) });
    await driver.print(receipt(5));
    await new Promise((r) => setTimeout(r, 150));
    expect(sim.documents).toHaveLength(0);
    sim.answers = 'status';
    await until('recovered', async () => driver.status().state === 'ready' && (await jobs.pending('kasa')).length === 0);
    await until('printed', () => sim.documents.length === 1);
  });

  it('bytes nobody asked for mark the printer faulty at once', async () => {
    const { sim, driver } = await rig({ config: { statusPollS: 5 } });
    await until('ready', () => driver.status().state === 'ready');
    sim.babble('HELLO\r\n');
    await until('garbage', () => driver.status().state === 'garbage');
    expect(driver.health().detail).toContain('48 45 4c 4c 4f');
    // The next probe still reports the bytes that came since the last one; a clean probe after that is ready.
    expect((await driver.checkStatus()).state).toBe('garbage');
    expect((await driver.checkStatus()).state).toBe('ready');
  });

  it('a STAR printer without a CP1254 table number is a configuration fault, not a crash', async () => {
    const { driver } = await rig({ config: { type: 'star', codePage: 'CP1254' } });
    expect(driver.health()).toMatchObject({ state: 'failed', detail: expect.stringContaining('codePageTable') });
    await expect(driver.print(receipt(1))).rejects.toThrow(/codePageTable/);
  });
});

describe('printer driver: file:// printer', () => {
  it('writes receipts to the device file; status stays unknown (a file existing says nothing)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vim-lp-'));
    const path = join(dir, 'lp0');
    writeFileSync(path, '');
    const jobs = new MemoryPrintJobStore();
    const driver = new PrinterDriver(config({ port: `file://${path}` }), { log: silent, jobs, backoff: { minMs: 20, maxMs: 60 } });
    await driver.start();
    live.push(driver);
    await until('link open', () => driver.transport.connected);
    await driver.print(receipt(11), { copies: 2 });
    await until('done', async () => (await jobs.pending('kasa')).length === 0);
    const docs = decodeEscPos(readFileSync(path));
    expect(docs).toHaveLength(2);
    expect(makbuzNo(docs[1]!.text)).toBe('11');
    expect(docs[0]!.lines[0]).toBe('İNEGÖL BELEDİYESİ');
    expect(driver.status()).toMatchObject({ state: 'unknown', answers: 'no' });
    expect(driver.health().state).toBe('degraded');
    const s = await driver.checkStatus();
    expect(s.state).toBe('unknown');
    // No DLE EOT went into the file: it holds only the two receipts.
    expect(readFileSync(path).includes(Buffer.from([0x10, 0x04]))).toBe(false);
  });

  it('a file:// printer whose device is missing is disconnected, and its job waits', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vim-lp-'));
    const path = join(dir, 'lp0');
    const jobs = new MemoryPrintJobStore();
    const driver = new PrinterDriver(config({ port: `file://${path}` }), { log: silent, jobs, backoff: { minMs: 20, maxMs: 60 } });
    await driver.start();
    live.push(driver);
    await driver.print(receipt(12));
    await new Promise((r) => setTimeout(r, 100));
    expect(driver.status().state).toBe('disconnected');
    writeFileSync(path, ''); // udev creates the node
    await until('printed', async () => (await jobs.pending('kasa')).length === 0);
    expect(makbuzNo(decodeEscPos(readFileSync(path))[0]!.text)).toBe('12');
  });
});
