// Turkish text to printer bytes and back: every Turkish letter maps to its byte in
// CP857 (ESC t 13) and CP1254, decodes back through the simulator's decoder, and
// upper-casing is Turkish-aware (i -> İ, ı -> I). ₺ prints as "TL".
import { describe, expect, it } from 'vitest';
import { decodeText, encodeText, trLower, trUpper } from '../../firmware-ts/src/drivers/printer/encoding.js';
import { renderDocument, DocumentBuilder, type PrinterProfile } from '../../firmware-ts/src/drivers/printer/render.js';
import { decodeEscPos } from '../../devices/printer-sim/printer-sim.js';

const LETTERS = 'ÇçĞğİıÖöŞşÜü';
// IBM 857 and Windows-1254 code charts.
const CP857: Record<string, number> = { Ç: 0x80, ç: 0x87, Ğ: 0xa6, ğ: 0xa7, İ: 0x98, ı: 0x8d, Ö: 0x99, ö: 0x94, Ş: 0x9e, ş: 0x9f, Ü: 0x9a, ü: 0x81 };
const CP1254: Record<string, number> = { Ç: 0xc7, ç: 0xe7, Ğ: 0xd0, ğ: 0xf0, İ: 0xdd, ı: 0xfd, Ö: 0xd6, ö: 0xf6, Ş: 0xde, ş: 0xfe, Ü: 0xdc, ü: 0xfc };

describe('printer encoding', () => {
  for (const [cp, chart] of [['CP857', CP857], ['CP1254', CP1254]] as const) {
    it(`${cp}: every Turkish letter encodes to its byte and decodes back`, () => {
      for (const ch of LETTERS) {
        const enc = encodeText(ch, cp);
        expect(enc.unmapped).toEqual([]);
        expect([...enc.bytes], ch).toEqual([chart[ch]]);
        expect(decodeText(enc.bytes, cp)).toBe(ch);
      }
      const all = encodeText(`Şişli'de ığdırlı Çağrı: ${LETTERS}`, cp);
      expect(decodeText(all.bytes, cp)).toBe(`Şişli'de ığdırlı Çağrı: ${LETTERS}`);
    });
  }

  it('the two pages differ, so a printer on the wrong table would misprint', () => {
    expect(decodeText(encodeText('ş', 'CP857').bytes, 'CP1254')).not.toBe('ş');
  });

  it('decomposed input (I + combining dot) is normalised to the single letter İ', () => {
    expect([...encodeText('I\u0307', 'CP857').bytes]).toEqual([0x98]);
  });

  it('₺ prints as TL; other stand-ins; unmappable characters become ? and are reported', () => {
    expect(encodeText('12,50 ₺', 'CP857').bytes.toString('latin1')).toBe('12,50 TL');
    // CP857 has no curly quotes, dashes or ellipsis: ASCII stand-ins. CP1254 has them (0x93 0x94 0x96 0x85).
    expect(encodeText('“a” – b…', 'CP857').bytes.toString('latin1')).toBe('"a" - b...');
    expect(decodeText(encodeText('“a” – b…', 'CP1254').bytes, 'CP1254')).toBe('“a” – b…');
    const r = encodeText('a✓b', 'CP857');
    expect(r.bytes.toString('latin1')).toBe('a?b');
    expect(r.unmapped).toEqual(['✓']);
    // Control characters never reach the printer as commands.
    expect([...encodeText('a\x1b@\x10\x04b', 'CP857').bytes]).toEqual([0x61, 0x40, 0x62]);
  });

  it('upper and lower case are Turkish: i/İ and ı/I', () => {
    expect(trUpper('istanbul ığdır şişli çiğdem')).toBe('İSTANBUL IĞDIR ŞİŞLİ ÇİĞDEM');
    expect(trLower('İNEGÖL IRMAK')).toBe('inegöl ırmak');
    expect('i'.toUpperCase()).toBe('I'); // what a plain toUpperCase would have printed
  });

  it('a rendered receipt decodes to the same Turkish text on CP857 (ESC t 13) and CP1254 (ESC t 48)', () => {
    const doc = new DocumentBuilder('t').text('Sayın vatandaşımız: ÇçĞğİıÖöŞşÜü').text('tahsilat makbuzu', { upper: true }).pair('Toplam', '1.250,00 ₺').build();
    for (const [codePage, table] of [['CP857', 13], ['CP1254', 48]] as const) {
      const profile: PrinterProfile = { type: 'epson', codePage, widthChars: 42 };
      const [d] = decodeEscPos(renderDocument(doc, profile).bytes);
      expect(d!.tables).toEqual([table]);
      expect(d!.lines).toEqual(['Sayın vatandaşımız: ÇçĞğİıÖöŞşÜü', 'TAHSİLAT MAKBUZU', 'Toplam' + ' '.repeat(42 - 6 - 11) + '1.250,00 TL']);
    }
  });

  it('the table number is configurable per printer (a clone with CP1254 at ESC t 45)', () => {
    const doc = new DocumentBuilder('t').text('Ğğ').build();
    const bytes = renderDocument(doc, { type: 'epson', codePage: 'CP1254', codePageTable: 45, widthChars: 48 }).bytes;
    expect([...bytes.subarray(0, 5)]).toEqual([0x1b, 0x40, 0x1b, 0x74, 45]);
    expect(decodeEscPos(bytes, { codeTables: { 45: 'CP1254' } })[0]!.lines).toEqual(['Ğğ']);
    // Decoded on a printer whose table 45 is something else, the letters are visibly wrong.
    expect(decodeEscPos(bytes)[0]!.lines[0]).not.toBe('Ğğ');
  });
});
