// Rendering primitives, asserted on what the simulator decodes from the bytes:
// layout at 42 and 48 columns, styles and alignment, QR with Turkish text (UTF-8),
// CODE128, cuts, and copies that decode exactly like the first.
import { describe, expect, it } from 'vitest';
import { qrCode } from '../../firmware-ts/src/drivers/printer/escpos.js';
import { twoColumns, wrap } from '../../firmware-ts/src/drivers/printer/layout.js';
import { DocumentBuilder, renderDocument, type PrinterProfile } from '../../firmware-ts/src/drivers/printer/render.js';
import { testPage } from '../../firmware-ts/src/drivers/printer/test-page.js';
import { decodeEscPos } from '../../devices/printer-sim/printer-sim.js';
import { EscPosTokenizer } from '../../devices/printer-sim/escpos-parse.js';

const P = (widthChars: 42 | 48): PrinterProfile => ({ type: 'epson', codePage: 'CP857', widthChars });
const QR_TEXT = 'https://e.inegol.bel.tr/m/2026-000142?ad=Gülşen Çağlayan&tutar=1250,00₺';

describe('printer render: layout', () => {
  for (const w of [42, 48] as const) {
    it(`${w} columns: rules, two-column lines and wrapping fit the paper`, () => {
      const doc = new DocumentBuilder('t')
        .rule()
        .pair('Emlak vergisi 2026/1. taksit', '1.250,00 ₺')
        .pair('Çevre temizlik vergisi (ilk yarı, 2026 yılı tahakkuku)', '312,40 ₺')
        .text('Bu makbuz 5018 sayılı Kanun gereğince düzenlenmiştir; ödemeniz için teşekkür ederiz.')
        .text('TOPLAM', { size: 'double', bold: true, align: 'center' })
        .build();
      const [d] = decodeEscPos(renderDocument(doc, P(w)).bytes);
      const lines = d!.lines;
      expect(lines[0]).toBe('-'.repeat(w));
      expect(lines[1]).toHaveLength(w);
      expect(lines[1]).toMatch(/^Emlak vergisi 2026\/1\. taksit +1\.250,00 TL$/);
      for (const l of lines) expect([...l].length).toBeLessThanOrEqual(w);
      // The long left column wrapped; its amount sits at the right edge of the last line.
      const cevre = lines.findIndex((l) => l.startsWith('Çevre'));
      expect(lines.slice(cevre, cevre + 3).some((l) => l.endsWith('312,40 TL') && [...l].length === w)).toBe(true);
      const big = d!.items.find((i) => i.kind === 'line' && i.text === 'TOPLAM');
      expect(big).toMatchObject({ align: 'center', spans: [{ bold: true, width: 2, height: 2 }] });
    });
  }

  it('styles: bold, underline, invert, double height, alignment', () => {
    const doc = new DocumentBuilder('t')
      .text('Kalın', { bold: true })
      .text('Çizgili', { underline: true })
      .text('Ters', { invert: true, align: 'right' })
      .text('Uzun', { size: 'double-height' })
      .text('Düz')
      .build();
    const [d] = decodeEscPos(renderDocument(doc, P(48)).bytes);
    const lines = d!.items.filter((i) => i.kind === 'line');
    expect(lines.map((l) => [l.text, l.align, l.spans[0]!.bold, l.spans[0]!.underline, l.spans[0]!.invert, l.spans[0]!.height])).toEqual([
      ['Kalın', 'left', true, false, false, 1],
      ['Çizgili', 'left', false, true, false, 1],
      ['Ters', 'right', false, false, true, 1],
      ['Uzun', 'left', false, false, false, 2],
      ['Düz', 'left', false, false, false, 1],
    ]);
  });

  it('wrap and twoColumns', () => {
    expect(wrap('aaa bbb ccc', 7)).toEqual(['aaa bbb', 'ccc']);
    expect(wrap('abcdefghij', 4)).toEqual(['abcd', 'efgh', 'ij']);
    expect(twoColumns('Toplam', '10,00 TL', 20)).toEqual(['Toplam      10,00 TL']);
    expect(twoColumns('x', 'y'.repeat(25), 20)).toEqual(['x', 'y'.repeat(25)]);
  });
});

describe('printer render: codes, cut, copies', () => {
  it('QR payload with Turkish text is UTF-8 and its GS ( k length is the byte length', () => {
    const doc = new DocumentBuilder('t').text('Makbuz').qr(QR_TEXT).build();
    const [d] = decodeEscPos(renderDocument(doc, P(42)).bytes);
    expect(d!.qr).toEqual([QR_TEXT]);
    const bytes = qrCode('epson', QR_TEXT);
    const utf8 = Buffer.from(QR_TEXT, 'utf8');
    expect(utf8.length).toBeGreaterThan(QR_TEXT.length);
    const store = bytes.indexOf(Buffer.from([0x1d, 0x28, 0x6b]), 24);
    expect(bytes[store + 3]! + bytes[store + 4]! * 256).toBe(utf8.length + 3);
    expect(() => qrCode('epson', '')).toThrow(RangeError);
  });

  it('CODE128 data round-trips, "{" included; non-ASCII is refused', () => {
    const doc = new DocumentBuilder('t').barcode('TAH-2026-000142').barcode('A{B}').build();
    const [d] = decodeEscPos(renderDocument(doc, P(48)).bytes);
    expect(d!.barcodes).toEqual([{ symbology: 'CODE128', data: 'TAH-2026-000142' }, { symbology: 'CODE128', data: 'A{B}' }]);
    expect(() => renderDocument(new DocumentBuilder('t').barcode('ŞİŞ').build(), P(48))).toThrow(/printable ASCII/);
  });

  it('several copies in one job: one document per cut, every copy decoding exactly like the first', () => {
    const doc = testPage('kasa-1', P(42), new Date('2026-11-28T09:00:00Z'));
    const r = renderDocument(doc, P(42), 3);
    const docs = decodeEscPos(r.bytes);
    expect(docs).toHaveLength(3);
    for (const d of docs) {
      expect(d.cut).toBe('full');
      expect(d.text).toBe(docs[0]!.text);
      expect(d.items).toEqual(docs[0]!.items);
      expect(d.tables).toEqual([13]);
    }
    expect(docs[0]!.text).toContain('Türkçe: ÇçĞğİıÖöŞşÜü');
    expect(docs[0]!.text).toContain('BÜYÜK HARF: İSTANBUL IĞDIR');
    expect(docs[0]!.qr[0]).toContain('ĞÜŞİÖÇ ğüşıöç');
    expect(r.unmapped).toEqual([]);
  });

  it('copies on CP1254 (ESC t 48) decode alike too, styles, Turkish in both cases and a Turkish QR included', () => {
    const profile: PrinterProfile = { type: 'epson', codePage: 'CP1254', widthChars: 48 };
    // The last block leaves nothing for the next copy to inherit: every copy starts with ESC @ ESC t 48.
    const doc = new DocumentBuilder('t')
      .text('ığdır şişli çiğdem güneş öykü', { upper: true, align: 'center' })
      .text('İNEGÖL IRMAK ÇAĞLAYAN ŞÜKRÜ ÖZGÜR')
      .pair('Tutar', '75,00 ₺', { bold: true })
      .qr('https://e.inegol.bel.tr/m?ad=Işıl Öğüt&not=çğıöşü ÇĞİÖŞÜ')
      .text('Teşekkürler', { invert: true, size: 'double', align: 'right' })
      .build();
    const r = renderDocument(doc, profile, 2);
    expect(r.unmapped).toEqual([]);
    const docs = decodeEscPos(r.bytes);
    expect(docs).toHaveLength(2);
    expect(docs[1]!.items).toEqual(docs[0]!.items);
    expect(docs.map((d) => d.tables)).toEqual([[48], [48]]);
    const [d] = docs;
    expect(d!.lines.slice(0, 3)).toEqual(['IĞDIR ŞİŞLİ ÇİĞDEM GÜNEŞ ÖYKÜ', 'İNEGÖL IRMAK ÇAĞLAYAN ŞÜKRÜ ÖZGÜR', 'Tutar' + ' '.repeat(48 - 5 - 8) + '75,00 TL']);
    expect(d!.qr).toEqual(['https://e.inegol.bel.tr/m?ad=Işıl Öğüt&not=çğıöşü ÇĞİÖŞÜ']);
    expect(d!.items.at(-1)).toMatchObject({ kind: 'line', text: 'Teşekkürler', align: 'right', spans: [{ invert: true, width: 2, height: 2 }] });
    // Decoded on the wrong table (CP857 at 48), the Turkish letters would not survive.
    expect(decodeEscPos(r.bytes, { codeTables: { 48: 'CP857' } })[0]!.lines[0]).not.toBe(d!.lines[0]);
  });

  it('the decoder takes the job in any chunking', () => {
    const r = renderDocument(testPage('kasa-1', P(48), new Date(0)), P(48), 2);
    const whole = decodeEscPos(r.bytes);
    const tok = new EscPosTokenizer();
    const cmds = [];
    for (let i = 0; i < r.bytes.length; i += 7) cmds.push(...tok.push(r.bytes.subarray(i, i + 7)));
    expect(tok.pending).toBe(0);
    const again = decodeEscPos(Buffer.concat([r.bytes.subarray(0, 5), r.bytes.subarray(5)]));
    expect(again.map((d) => d.text)).toEqual(whole.map((d) => d.text));
    expect(cmds.filter((c) => c.k === 'cut')).toHaveLength(2);
  });

  it('copies outside 1..9 are refused', () => {
    expect(() => renderDocument(new DocumentBuilder('t').text('x').build(), P(48), 0)).toThrow(RangeError);
  });
});
