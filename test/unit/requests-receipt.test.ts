// The receipt printed for the citizen, through the real renderer and the printer
// simulator's decoder (CP857, 48 columns): municipality, "BAŞVURU ALINDI BELGESİ" in
// Turkish capitals, tracking number, type, subject, date, due date with its law, the
// masked TC Kimlik No and phone only when given, the QR, the KVKK line with its version;
// never the clear number. Plus the SMS text and the config checks of the requests section.
import { describe, expect, it } from 'vitest';
import { decodeEscPos } from '../../devices/printer-sim/printer-sim.js';
import { renderDocument, type PrinterProfile } from '../../firmware-ts/src/drivers/printer/render.js';
import { parseConfig } from '../../firmware-ts/src/config/load.js';
import { DEFAULT_CATALOG } from '../../firmware-ts/src/services/requests/catalog-defaults.js';
import { checkIntake } from '../../firmware-ts/src/services/requests/intake.js';
import { defaultRequestsOptions, staffPayloadNeeded, toRequestsConfig } from '../../firmware-ts/src/services/requests/options.js';
import { receiptDocument, trackingLink } from '../../firmware-ts/src/services/requests/receipt.js';
import { buildRecord, type RequestRecord } from '../../firmware-ts/src/services/requests/record.js';
import { renderSmsText } from '../../firmware-ts/src/services/requests/sms-text.js';
import { maskTckn } from '../../firmware-ts/src/services/identity/tckn.js';

const PROFILE: PrinterProfile = { type: 'epson', codePage: 'CP857', widthChars: 48 };

function record(citizen: Record<string, string>, type = 'bilgi_edinme'): RequestRecord {
  const i = checkIntake(
    DEFAULT_CATALOG,
    {
      type,
      category: 'zoning',
      authority: 'inegol_department',
      department: 'imar',
      subject: 'İmar planı değişikliği',
      description: 'Meclis kararı örneği',
      citizen,
      citizenConfirmed: true,
      kvkk: { consent: true, noticeVersion: '2026-01' },
    },
    1024,
  );
  return buildRecord(i, {
    trackingNumber: 'VIM-VIM-01-20260504-0001',
    vehicle: 'VIM-01',
    staff: 'ayse',
    visit: null,
    position: { fix: 'none' },
    receivedAt: new Date('2026-05-04T11:05:00Z'),
    clock: 'ntp',
    due: { date: '2026-05-26', rule: 'bilgi_edinme', days: 15, provisional: false },
    tckn: i.citizen.tckn ? { masked: maskTckn(i.citizen.tckn), hmac: 'ab'.repeat(32), hmacKid: '0123456789abcdef' } : null,
  });
}

const CTX = { municipality: 'İnegöl Belediyesi', vehicleName: 'VİM aracı 1', trackingUrl: 'https://inegol.bel.tr/basvuru/{tracking}', noticeLine: 'Kişisel verileriniz KVKK kapsamında işlenir.' };

describe('request receipt', () => {
  it('prints what the citizen needs, in Turkish, with the masks only', () => {
    const r = record({ name: 'Mehmet Demir', tckn: '10000000146', address: 'Cuma Mah.', phone: '0532 123 45 67' });
    const [paper] = decodeEscPos(renderDocument(receiptDocument(r, CTX), PROFILE).bytes);
    const text = paper!.text;
    expect(text).toContain('İNEGÖL BELEDİYESİ');
    expect(text).toContain('BAŞVURU ALINDI BELGESİ');
    expect(text).toContain('VIM-VIM-01-20260504-0001');
    expect(text).toMatch(/Başvuru türü +Bilgi Edinme/);
    expect(text).toContain('Konu: İmar planı değişikliği');
    expect(text).toMatch(/Tarih +04\.05\.2026 14:05/);
    expect(text).toMatch(/Son cevap tarihi +26\.05\.2026\n *Yasal süre: 15 iş günü \(4982 sayılı Kanun md\.11\)/);
    expect(text).toMatch(/T\.C\. Kimlik No +10\*{7}46/);
    expect(text).toMatch(/Telefon +\+90 532 \*\*\* \*\* 67/);
    expect(text).toContain('Aydınlatma metni sürümü: 2026-01.');
    expect(text).not.toContain('10000000146');
    expect(text).not.toMatch(/123 ?45/);
    expect(paper!.qr).toEqual(['https://inegol.bel.tr/basvuru/VIM-VIM-01-20260504-0001']);
    expect(paper!.cut).toBe('full');
  });

  it('leaves out what was not given; the QR holds the number without a tracking URL', () => {
    const r = record({ name: 'Ayşe Yılmaz' }, 'sikayet');
    const [paper] = decodeEscPos(renderDocument(receiptDocument(r, { ...CTX, trackingUrl: null }), PROFILE).bytes);
    expect(paper!.text).not.toContain('Kimlik');
    expect(paper!.text).not.toContain('Telefon');
    expect(paper!.qr).toEqual(['VIM-VIM-01-20260504-0001']);
    expect(trackingLink('https://x.tr/t/', 'VIM-A-1')).toBe('https://x.tr/t/VIM-A-1');
  });
});

describe('SMS text', () => {
  it('fills the template in GSM 7-bit letters', () => {
    const o = defaultRequestsOptions();
    expect(renderSmsText(o.sms.text, { municipality: 'İnegöl Belediyesi', tracking: 'VIM-A-20260504-0001', due: '26.05.2026' })).toBe(
      'Inegol Belediyesi: Basvurunuz alindi. Takip no: VIM-A-20260504-0001. Son cevap tarihi: 26.05.2026.',
    );
  });
});

describe('requests config', () => {
  const errors = (requests: Record<string, unknown>, extra: Record<string, unknown> = {}) => {
    const r = parseConfig(JSON.stringify({ broker: { tcp: {} }, requests, ...extra }), null, {});
    return r.ok ? [] : r.errors.map((e) => `${e.path}: ${e.message}`);
  };

  it('validates with the defaults; the staff payload limit fits four 2 MB photos', () => {
    const r = parseConfig(JSON.stringify({ broker: { tcp: {} } }), null, {});
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.config.requests).toMatchObject({ descriptionMaxChars: 4000, photos: { maxBytes: 2 * 1024 * 1024, maxCount: 4 }, kvkk: { storeClearTckn: false } });
    expect(r.config.broker.limits.staff.maxPayloadBytes).toBeGreaterThanOrEqual(staffPayloadNeeded(toRequestsConfig(r.config.requests)));
    expect(r.config.broker.limits.kiosk.maxPayloadBytes).toBe(1024);
  });

  it('refuses what the schema cannot see, naming the field', () => {
    expect(errors({ kvkk: { storeClearTckn: true } })).toEqual(['requests.kvkk.storeClearTckn: needs requests.kvkk.encryptionKey: the clear number is only ever stored encrypted']);
    expect(errors({ kvkk: { encryptionKey: 'kısa' } })[0]).toMatch(/^requests\.kvkk\.encryptionKey: must be 32 bytes as base64/);
    expect(errors({ receiptPrinter: 'yok' })).toEqual(['requests.receiptPrinter: "yok" is not one of devices.printers[].name']);
    expect(errors({ sms: { text: 'Başvurunuz alındı, takip numaranız: {tracking}. Teşekkür ederiz.' } })[0]).toMatch(/^requests\.sms\.text: is \d+ characters with the longest tracking number; one UCS2/);
    expect(errors({ holidays: { bayrams: [{ name: 'Ramazan Bayramı', firstDay: '2031-02-30', days: 3 }] } })).toEqual(['requests.holidays.bayrams[0].firstDay: "2031-02-30" is not a date']);
    const dup = { types: [DEFAULT_CATALOG.types[0], DEFAULT_CATALOG.types[0]], authorities: DEFAULT_CATALOG.authorities };
    expect(errors({ catalog: dup })).toEqual(['requests.catalog.types[1].id: "bilgi_edinme" is used twice']);
    expect(errors({ photos: { maxCount: 11 } })[0]).toMatch(/^requests\.photos\.maxCount: must be <= 10/);
  });
});
