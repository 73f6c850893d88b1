// The printed queue ticket through the real renderer (CP857, 48 columns): the bytes carry
// the Turkish text in the printer's code page, the QR (only with a status URL) opens the
// ticket's status page, and the helpers format time and wait the way the ticket says them.
import { describe, expect, it } from 'vitest';
import { decodeEscPos } from '../../devices/printer-sim/printer-sim.js';
import { encodeText } from '../../firmware-ts/src/drivers/printer/encoding.js';
import { renderDocument, type PrinterProfile } from '../../firmware-ts/src/drivers/printer/render.js';
import { istanbulDateTime, statusLink, ticketDocument, waitText, type TicketPrintContext } from '../../firmware-ts/src/services/queue/ticket-print.js';
import type { TicketStatus } from '../../firmware-ts/src/services/queue/view.js';

const PROFILE: PrinterProfile = { type: 'epson', codePage: 'CP857', widthChars: 48 };
const TAKEN = Date.UTC(2026, 10, 28, 11, 5); // 14:05 Istanbul

function status(over: Partial<TicketStatus> = {}): TicketStatus {
  return {
    id: '2026-11-28/C007',
    number: 'C007',
    service: 'C',
    serviceName: 'İstihdam',
    state: 'waiting',
    priority: null,
    ahead: 3,
    estimatedWaitMs: 15 * 60_000,
    counter: null,
    takenAt: TAKEN,
    transferredFrom: null,
    transferredTo: null,
    ...over,
  };
}
const CTX: TicketPrintContext = { vehicleName: 'VİM aracı 1', priorityLabel: null };

function render(t: TicketStatus, ctx: TicketPrintContext = CTX) {
  const { bytes, unmapped } = renderDocument(ticketDocument(t, ctx), PROFILE);
  const docs = decodeEscPos(bytes);
  expect(docs).toHaveLength(1);
  return { bytes, unmapped, paper: docs[0]! };
}
const cp857 = (s: string) => encodeText(s, 'CP857').bytes;

describe('ticket document', () => {
  it('encodes the Turkish text in CP857, upper-cased the Turkish way where styled so', () => {
    const { bytes, unmapped } = render(status());
    expect(unmapped).toEqual([]);
    // İ is 0x98 in CP857; plain toUpperCase would have printed "ISTIHDAM" (or "İSTIHDAM").
    expect(cp857('İSTİHDAM')).toEqual(Buffer.from([0x98, 0x53, 0x54, 0x98, 0x48, 0x44, 0x41, 0x4d]));
    for (const text of ['İSTİHDAM', 'İNEGÖL BELEDİYESİ', 'VİM aracı 1', 'C007', 'Önünüzde bekleyen', '3 kişi', 'yaklaşık 15 dk', '28.11.2026 14:05']) {
      expect(bytes.includes(cp857(text)), text).toBe(true);
    }
    expect(bytes.includes(Buffer.from('ISTIHDAM'))).toBe(false);
  });

  it('lays the ticket out as the citizen reads it', () => {
    const { paper } = render(status());
    const lines = paper.lines;
    for (const l of lines) expect([...l].length).toBeLessThanOrEqual(48);
    const order = ['İNEGÖL BELEDİYESİ', 'VİM aracı 1', 'İSTİHDAM', 'C007'].map((s) => lines.indexOf(s));
    expect(order.every((i) => i >= 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    expect(lines).toContainEqual(expect.stringMatching(/^Tarih +28\.11\.2026 14:05$/));
    expect(lines).toContainEqual(expect.stringMatching(/^Önünüzde bekleyen +3 kişi$/));
    expect(lines).toContainEqual(expect.stringMatching(/^Tahmini bekleme +yaklaşık 15 dk$/));
    const number = paper.items.find((i) => i.kind === 'line' && i.text === 'C007');
    expect(number).toMatchObject({ align: 'center', spans: [{ bold: true, width: 2, height: 2 }] });
    expect(paper.cut).not.toBeNull();
  });

  it('prints 0 ahead once a ticket is no longer waiting', () => {
    const { paper } = render(status({ ahead: null, estimatedWaitMs: null }));
    expect(paper.lines).toContainEqual(expect.stringMatching(/^Önünüzde bekleyen +0 kişi$/));
    expect(paper.lines).toContainEqual(expect.stringMatching(/^Tahmini bekleme +hesaplanamadı \(açık gişe yok\)$/));
  });

  it('has a QR code to the status page only with a status URL', () => {
    const without = render(status());
    expect(without.paper.qr).toEqual([]);
    expect(without.paper.lines.join('\n')).not.toContain('telefonunuzdan');
    for (const base of ['https://vim.inegol.bel.tr', 'https://vim.inegol.bel.tr/', 'https://vim.inegol.bel.tr//']) {
      const { paper } = render(status(), { ...CTX, statusUrl: base });
      expect(paper.qr, base).toEqual(['https://vim.inegol.bel.tr/t/2026-11-28/C007']);
      expect(paper.lines).toContain('Sıranızı telefonunuzdan izleyebilirsiniz');
    }
    const sub = render(status(), { ...CTX, statusUrl: 'http://192.168.4.1:8081/sira/' });
    expect(sub.paper.qr).toEqual(['http://192.168.4.1:8081/sira/t/2026-11-28/C007']);
  });

  it('statusLink escapes what a URL path cannot carry', () => {
    expect(statusLink('http://h/', '2026-11-28/Ç001')).toBe('http://h/t/2026-11-28/%C3%87001');
  });

  it('prints the priority class label, never the class key or a reason', () => {
    const { paper } = render(status({ priority: 'disabled' }), { ...CTX, priorityLabel: 'Engelli' });
    expect(paper.lines).toContain('Öncelikli: Engelli');
    expect(paper.lines.join('\n')).not.toMatch(/disabled/i);
    const normal = render(status());
    expect(normal.paper.lines.join('\n')).not.toContain('Öncelikli');
  });

  it('says which ticket a transferred one came from', () => {
    const { paper } = render(status({ transferredFrom: '2026-11-28/A012' }));
    expect(paper.lines).toContain('A012 numarasından aktarıldı');
    expect(render(status()).paper.lines.join('\n')).not.toContain('aktarıldı');
  });

  it('a double-height number and wrapped long lines still fit 42 columns', () => {
    const doc = ticketDocument(status({ serviceName: 'Çözüm Merkezi / 153' }), { ...CTX, statusUrl: 'https://vim.inegol.bel.tr' });
    const [paper] = decodeEscPos(renderDocument(doc, { ...PROFILE, widthChars: 42 }).bytes);
    for (const l of paper!.lines) expect([...l].length).toBeLessThanOrEqual(42);
    expect(paper!.lines).toContain('ÇÖZÜM MERKEZİ / 153');
  });
});

describe('istanbulDateTime', () => {
  it('is UTC+3 all year, zero-padded, rolling over the date', () => {
    expect(istanbulDateTime(TAKEN)).toBe('28.11.2026 14:05');
    expect(istanbulDateTime(Date.UTC(2026, 10, 28, 21, 0))).toBe('29.11.2026 00:00');
    expect(istanbulDateTime(Date.UTC(2026, 11, 31, 20, 59))).toBe('31.12.2026 23:59');
    expect(istanbulDateTime(Date.UTC(2026, 11, 31, 21, 0))).toBe('01.01.2027 00:00');
    // Summer: no daylight saving since 2016, still +3.
    expect(istanbulDateTime(Date.UTC(2026, 6, 1, 6, 7))).toBe('01.07.2026 09:07');
  });
});

describe('waitText', () => {
  it.each([
    [null, 'hesaplanamadı (açık gişe yok)'],
    [0, '1 dakikadan az'],
    [29_999, '1 dakikadan az'],
    [30_000, 'yaklaşık 1 dk'],
    [60_000, 'yaklaşık 1 dk'],
    [15 * 60_000, 'yaklaşık 15 dk'],
    [59 * 60_000, 'yaklaşık 59 dk'],
    [59 * 60_000 + 40_000, 'yaklaşık 1 sa 0 dk'],
    [60 * 60_000, 'yaklaşık 1 sa 0 dk'],
    [95 * 60_000, 'yaklaşık 1 sa 35 dk'],
    [185 * 60_000, 'yaklaşık 3 sa 5 dk'],
  ] as const)('%s ms -> %s', (ms, text) => {
    expect(waitText(ms)).toBe(text);
  });
});
