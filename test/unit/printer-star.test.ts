// A Star printer in Star Line Mode: what the renderer sends with `type: 'star'` (the
// library's STAR commands plus our ESC GS t, ESC GS y and ESC b) decoded by the
// simulator's Star tokenizer: Turkish text on table 12 (PC857), styles, alignment,
// QR, CODE128 and the cut, with no command left unknown; the simulator answering
// ESC ACK SOH with its ASB (and DLE EOT with nothing, as a Star in Star mode does);
// and the driver printing to a Star printer, reading its status from the ASB: paper
// near end, out, cover open, offline, jobs held meanwhile; silent or garbage answers.
import { EventEmitter } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryPrintJobStore } from '../../firmware-ts/src/drivers/printer/jobs.js';
import { PrinterDriver, type PrinterConfig } from '../../firmware-ts/src/drivers/printer/printer-driver.js';
import { decodeStarStatus } from '../../firmware-ts/src/drivers/printer/star-status.js';
import { DocumentBuilder, renderDocument, type PrinterProfile } from '../../firmware-ts/src/drivers/printer/render.js';
import { testPage } from '../../firmware-ts/src/drivers/printer/test-page.js';
import { SimRegistry, type SimPort } from '../../firmware-ts/src/transport/sim-link.js';
import { decodeEscPos, PrinterSim, type PrinterSimOptions } from '../../devices/printer-sim/printer-sim.js';
import type { Cmd } from '../../devices/printer-sim/escpos-parse.js';
import { StarLineTokenizer } from '../../devices/printer-sim/star-parse.js';
import { seededRandom } from '../../devices/shared/random.js';
import { expectPaperCoverOfflineCycle, until } from '../helpers/printer-status-cycle.js';
import { silent } from '../helpers/store.js';

const STAR: PrinterProfile = { type: 'star', codePage: 'CP857', widthChars: 48 };
const live: { stop(): Promise<void> }[] = [];
afterEach(async () => {
  for (const x of live.splice(0).reverse()) await x.stop();
});

const receipt = new DocumentBuilder('makbuz')
  .text('İnegöl Belediyesi', { bold: true, align: 'center', upper: true })
  .text('TAHSİLAT MAKBUZU', { size: 'double', align: 'center' })
  .pair('Çevre temizlik vergisi', '312,40 ₺')
  .text('Ödeyen: Gülşen Çağlayan Öztürk', { underline: true })
  .text('İPTAL', { invert: true, align: 'right' })
  .qr('https://e.inegol.bel.tr/m/MT-000142?ad=Işık')
  .barcode('MT-000142')
  .build();

describe('printer sim: Star Line Mode', () => {
  it('decodes a Star receipt: Turkish text on PC857, styles, alignment, QR, CODE128 and a full cut', () => {
    const docs = decodeEscPos(renderDocument(receipt, STAR, 2).bytes, { commandSet: 'star' });
    expect(docs).toHaveLength(2);
    const d = docs[0]!;
    expect(d.cut).toBe('full');
    expect(d.tables).toEqual([12]);
    const lines = d.items.filter((i) => i.kind === 'line');
    expect(lines[0]).toMatchObject({ text: 'İNEGÖL BELEDİYESİ', align: 'center', spans: [{ bold: true }] });
    expect(lines[1]).toMatchObject({ text: 'TAHSİLAT MAKBUZU', align: 'center', spans: [{ width: 2, height: 2 }] });
    expect(lines[2]!.text).toMatch(/^Çevre temizlik vergisi +312,40 TL$/);
    expect(lines[3]).toMatchObject({ text: 'Ödeyen: Gülşen Çağlayan Öztürk', spans: [{ underline: true, bold: false }] });
    expect(lines[4]).toMatchObject({ text: 'İPTAL', align: 'right', spans: [{ invert: true }] });
    expect(d.qr).toEqual(['https://e.inegol.bel.tr/m/MT-000142?ad=Işık']);
    expect(d.barcodes).toEqual([{ symbology: 'CODE128', data: 'MT-000142' }]);
    expect(docs[1]!.text).toBe(d.text);
  });

  it('leaves nothing of the test page unknown, and the same bytes read as ESC/POS are wrong', () => {
    const bytes = renderDocument(testPage('kasa', STAR), STAR).bytes;
    const cmds = new StarLineTokenizer().push(bytes);
    expect(cmds.filter((c) => c.k === 'unknown')).toEqual([]);
    const [d] = decodeEscPos(bytes, { commandSet: 'star' });
    expect(d!.text).toContain('BÜYÜK HARF: İSTANBUL IĞDIR');
    expect(d!.qr).toEqual(['https://www.inegol.bel.tr/ — Şikâyet ve öneri: ĞÜŞİÖÇ ğüşıöç']);
    expect(d!.barcodes).toEqual([{ symbology: 'CODE128', data: 'VIM-TEST-0001' }]);
    // ESC d n feeds in ESC/POS and cuts in Star mode: read with the wrong set, no document is cut.
    expect(decodeEscPos(bytes)).toHaveLength(0);
  });

  it('a command split across chunks waits for its rest', () => {
    const bytes = renderDocument(receipt, STAR).bytes;
    const tok = new StarLineTokenizer();
    const cmds = [...bytes].flatMap((b) => tok.push(Buffer.from([b])));
    expect(tok.pending).toBe(0);
    // Byte by byte, text arrives a byte per command: compare with runs of text joined.
    const joined = (cs: Cmd[]): Cmd[] =>
      cs.reduce<Cmd[]>((out, c) => {
        const last = out.at(-1);
        if (c.k === 'text' && last?.k === 'text') out[out.length - 1] = { k: 'text', bytes: Buffer.concat([last.bytes, c.bytes]) };
        else out.push(c);
        return out;
      }, []);
    expect(joined(cmds)).toEqual(joined(new StarLineTokenizer().push(bytes)));
    expect(cmds.filter((c) => c.k === 'cut')).toHaveLength(1);
  });

  it('random bytes and mutated receipts never throw, and no command waits for good', () => {
    const rnd = seededRandom(7);
    const good = renderDocument(receipt, STAR).bytes;
    for (let n = 0; n < 100; n++) {
      const b = Buffer.from(good);
      for (let k = 0; k < 1 + Math.floor(rnd() * 8); k++) b[Math.floor(rnd() * b.length)] = Math.floor(rnd() * 256);
      const junk = Buffer.from(Array.from({ length: Math.floor(rnd() * 64) }, () => Math.floor(rnd() * 256)));
      const tok = new StarLineTokenizer();
      expect(() => decodeEscPos(Buffer.concat([b, junk]), { commandSet: 'star' })).not.toThrow();
      tok.push(Buffer.concat([b, junk]));
      // Whatever waits (a QR's declared length is at most 65,535 bytes, a barcode gives up after 300) ends: nothing stalls for good.
      tok.push(Buffer.alloc(70_000));
      expect(tok.pending).toBe(0);
    }
  });
});

describe('printer sim: a Star answers ESC ACK SOH', () => {
  class Port extends EventEmitter implements SimPort {
    open = true;
    readonly out: Buffer[] = [];
    write(d: Buffer | string): void {
      this.out.push(Buffer.from(d));
    }
    unplug(): void {
      this.open = false;
    }
  }
  function attach(opts: PrinterSimOptions = {}) {
    const sim = new PrinterSim({ commandSet: 'star', ...opts });
    const port = new Port();
    sim.attach(port, {});
    const ask = (b: number[]): Buffer => {
      port.out.length = 0;
      port.emit('data', Buffer.from(b));
      return Buffer.concat(port.out);
    };
    return { sim, ask };
  }

  it('tokenizes ESC ACK SOH as a status request, whole or split, between print data', () => {
    expect(new StarLineTokenizer().push(Buffer.from([0x41, 0x1b, 0x06, 0x01, 0x42]))).toEqual([
      { k: 'text', bytes: Buffer.from('A') },
      { k: 'asb' },
      { k: 'text', bytes: Buffer.from('B') },
    ]);
    const tok = new StarLineTokenizer();
    expect([tok.push(Buffer.from([0x1b])), tok.push(Buffer.from([0x06])), tok.push(Buffer.from([0x01]))]).toEqual([[], [], [{ k: 'asb' }]]);
  });

  it('answers the 9-byte ASB of its state at once, even while it cannot print; DLE EOT gets nothing', () => {
    const { sim, ask } = attach();
    const state = (): string => {
      const d = decodeStarStatus(ask([0x1b, 0x06, 0x01]));
      return d.ok ? JSON.stringify(d.bits) : d.why;
    };
    expect(ask([0x1b, 0x06, 0x01])).toEqual(Buffer.from('230600000000000000', 'hex'));
    sim.setPaper('near-end');
    expect(ask([0x1b, 0x06, 0x01])).toEqual(Buffer.from('230600000002000000', 'hex'));
    sim.setPaper('out');
    expect(ask([0x1b, 0x06, 0x01])).toEqual(Buffer.from('23060800000a000000', 'hex'));
    sim.setPaper('ok');
    sim.setCover(true);
    expect(state()).toMatch(/"offline":true,"coverOpen":true/);
    sim.setCover(false);
    sim.setOffline(true);
    expect(state()).toMatch(/"offline":true,"coverOpen":false/);
    expect(ask([0x10, 0x04, 0x01])).toEqual(Buffer.alloc(0));
    expect(ask([0x05, 0x04])).toEqual(Buffer.alloc(0)); // ENQ, EOT: not simulated
    expect(sim.counters.statusQueries).toBe(5);
    expect(sim.unknownCommands).toEqual([]);
  });

  it('on a LAN interface adds the Length field; silent says nothing; garbage is no ASB', () => {
    expect(attach({ starInterface: 'lan' }).ask([0x1b, 0x06, 0x01])).toEqual(Buffer.from('2386000000000000000000', 'hex'));
    expect(attach({ answers: 'silent' }).ask([0x1b, 0x06, 0x01])).toEqual(Buffer.alloc(0));
    expect(decodeStarStatus(attach({ answers: 'garbage' }).ask([0x1b, 0x06, 0x01])).ok).toBe(false);
  });
});

async function starRig(opts: PrinterSimOptions = {}) {
  const sim = new PrinterSim({ commandSet: 'star', ...opts });
  const reg = new SimRegistry();
  reg.register('printer', sim);
  const jobs = new MemoryPrintJobStore();
  const config: PrinterConfig = { name: 'kasa', enabled: true, port: 'sim://printer', type: 'star', codePage: 'CP857', widthChars: 48, statusPollS: 0.05, statusTimeoutMs: 100 };
  const driver = new PrinterDriver(config, { log: silent, jobs, sims: reg, backoff: { minMs: 20, maxMs: 60 } });
  await driver.start();
  live.push(driver);
  return { sim, jobs, driver };
}

const numbered = (no: number) => new DocumentBuilder(`makbuz ${no}`).text('İNEGÖL BELEDİYESİ').text(`Makbuz no ${no}`).build();

describe('printer driver: a Star printer', () => {
  it('reads the ASB through sim://: ready, near end, paper out, cover open, offline; jobs hold while it cannot print', async () => {
    const { sim, driver, jobs } = await starRig();
    await until('ready', () => driver.status().state === 'ready');
    expect(driver.status()).toMatchObject({ answers: 'yes', bits: { offline: false, coverOpen: false, paperEnd: false } });
    expect(driver.statusRequest).toMatch(/ESC ACK SOH/);
    // Star mode: no DLE EOT went out, and nothing the printer did not understand.
    expect(Buffer.concat(sim.received).includes(Buffer.from([0x10, 0x04]))).toBe(false);

    await expectPaperCoverOfflineCycle({ sim, driver, jobs, doc: numbered });
    expect(sim.unknownCommands).toEqual([]);
  });

  it('a Star that does not answer ESC ACK SOH is `unknown` and still prints the receipt', async () => {
    const { sim, driver } = await starRig({ answers: 'silent' });
    await until('no answer', () => driver.status().answers === 'no');
    expect(driver.status()).toMatchObject({ state: 'unknown', detail: expect.stringContaining('does not answer ESC ACK SOH') });
    await driver.print(receipt);
    await until('printed', () => sim.documents.length === 1);
    expect(sim.documents[0]!.lines[0]).toBe('İNEGÖL BELEDİYESİ');
    expect(sim.unknownCommands).toEqual([]);
  });

  it('garbage instead of an ASB is a fault; the job waits; real answers bring it back', async () => {
    const { sim, driver, jobs } = await starRig({ answers: 'garbage' });
    await until('garbage', () => driver.status().state === 'garbage');
    expect(driver.health()).toMatchObject({ state: 'failed', detail: expect.stringMatching(/ESC ACK SOH .*not status bytes \(ff 3f 41: header 1 0xff lacks the fixed bits.*wrong device/) });
    await driver.print(numbered(5));
    await new Promise((r) => setTimeout(r, 150));
    expect(sim.documents).toHaveLength(0);
    sim.answers = 'status';
    await until('recovered', async () => driver.status().state === 'ready' && (await jobs.pending('kasa')).length === 0);
    await until('printed', () => sim.documents.length === 1);
  });
});
