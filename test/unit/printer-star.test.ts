// A Star printer in Star Line Mode: what the renderer sends with `type: 'star'` (the
// library's STAR commands plus our ESC GS t, ESC GS y and ESC b) decoded by the
// simulator's Star tokenizer: Turkish text on table 12 (PC857), styles, alignment,
// QR, CODE128 and the cut, with no command left unknown; and the driver printing to
// a Star printer, which answers no ESC/POS status query.
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryPrintJobStore } from '../../firmware-ts/src/drivers/printer/jobs.js';
import { PrinterDriver, type PrinterConfig } from '../../firmware-ts/src/drivers/printer/printer-driver.js';
import { DocumentBuilder, renderDocument, type PrinterProfile } from '../../firmware-ts/src/drivers/printer/render.js';
import { testPage } from '../../firmware-ts/src/drivers/printer/test-page.js';
import { SimRegistry } from '../../firmware-ts/src/transport/sim-link.js';
import { decodeEscPos, PrinterSim } from '../../devices/printer-sim/printer-sim.js';
import type { Cmd } from '../../devices/printer-sim/escpos-parse.js';
import { StarLineTokenizer } from '../../devices/printer-sim/star-parse.js';
import { seededRandom } from '../../devices/shared/random.js';
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

describe('printer driver: a Star printer', () => {
  it('prints through sim:// to a Star printer, which answers no DLE EOT: status unknown, the receipt printed', async () => {
    const sim = new PrinterSim({ commandSet: 'star' });
    const reg = new SimRegistry();
    reg.register('printer', sim);
    const config: PrinterConfig = { name: 'kasa', enabled: true, port: 'sim://printer', type: 'star', codePage: 'CP857', widthChars: 48, statusPollS: 0.05, statusTimeoutMs: 100 };
    const driver = new PrinterDriver(config, { log: silent, jobs: new MemoryPrintJobStore(), sims: reg, backoff: { minMs: 20, maxMs: 60 } });
    await driver.start();
    live.push(driver);
    await expect.poll(() => driver.status().answers, { timeout: 3000 }).toBe('no');
    expect(driver.status().state).toBe('unknown');
    await driver.print(receipt);
    await expect.poll(() => sim.documents.length, { timeout: 3000 }).toBe(1);
    expect(sim.documents[0]!.lines[0]).toBe('İNEGÖL BELEDİYESİ');
    expect(sim.unknownCommands).toEqual([]);
  });
});
