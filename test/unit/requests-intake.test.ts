// The pure intake checks (issue 6 "Bad input"): catalog (type, category, authority and
// department), tracking numbers, photos by their magic bytes and size, and the fields Law
// 4982 needs for Bilgi Edinme, each refusal naming its field. Plus a fuzz run of the photo
// decoder (it parses input): any text is answered with a RequestError or a checked image.
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../devices/shared/random.js';
import { base64Bytes, decodePhoto, sniffImage } from '../../firmware-ts/src/services/requests/attachments.js';
import { resolveAuthority } from '../../firmware-ts/src/services/requests/catalog.js';
import { DEFAULT_CATALOG } from '../../firmware-ts/src/services/requests/catalog-defaults.js';
import { RequestError } from '../../firmware-ts/src/services/requests/errors.js';
import { checkIntake, type CreateArgs } from '../../firmware-ts/src/services/requests/intake.js';
import { formatTrackingNumber, parseTrackingNumber, sequenceName } from '../../firmware-ts/src/services/requests/tracking.js';

const PNG = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(100, 1)]);
const JPEG = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(100, 2)]);
const WEBP = Buffer.concat([Buffer.from('RIFF'), Buffer.alloc(4), Buffer.from('WEBPVP8 '), Buffer.alloc(20)]);
const HEIC = Buffer.concat([Buffer.from([0, 0, 0, 0x18]), Buffer.from('ftypheic'), Buffer.alloc(20)]);

const base: CreateArgs = {
  type: 'sikayet',
  category: 'lighting',
  authority: 'inegol_department',
  department: 'fen_isleri',
  subject: 'Lamba yanmıyor',
  description: 'Cami önündeki lamba yanmıyor.',
  kvkk: { consent: true, noticeVersion: '2026-01' },
};
const bilgi: CreateArgs = {
  ...base,
  type: 'bilgi_edinme',
  category: 'zoning',
  citizen: { name: 'Mehmet Demir', tckn: '10000000146', address: 'Cuma Mah. 1. Sok. No 1, İnegöl' },
  citizenConfirmed: true,
};

function refusal(fn: () => unknown): { code: string; message: string; details: Record<string, unknown> } {
  try {
    fn();
  } catch (e) {
    if (e instanceof RequestError) return { code: e.code, message: e.message, details: e.details };
    throw e;
  }
  throw new Error('not refused');
}

const intake = (a: Partial<CreateArgs>) => checkIntake(DEFAULT_CATALOG, { ...base, ...a }, 2 * 1024 * 1024);

describe('catalog', () => {
  it('resolves type, category, authority and department', () => {
    const i = intake({});
    expect(i.type).toMatchObject({ id: 'sikayet', label: 'Şikâyet', rule: 'petition' });
    expect(i.category).toEqual({ id: 'lighting', label: 'Sokak aydınlatması' });
    expect(i.authority).toEqual({ id: 'inegol_department', label: 'İnegöl Belediyesi', department: 'fen_isleri', departmentLabel: 'Fen İşleri Müdürlüğü' });
    expect(intake({ authority: 'buski', department: undefined }).authority).toMatchObject({ id: 'buski', department: null });
    expect(intake({ authority: 'other', department: 'Karayolları 14. Bölge' }).authority).toMatchObject({ department: 'Karayolları 14. Bölge' });
  });

  it.each([
    [{ type: 'sikayetler' }, 'UNKNOWN_TYPE', 'type'],
    [{ category: 'istihdam' }, 'UNKNOWN_CATEGORY', 'category'],
    [{ type: 'istihdam_kayit', category: 'roads' }, 'UNKNOWN_CATEGORY', 'category'],
    [{ authority: 'ankara' }, 'UNKNOWN_AUTHORITY', 'authority'],
    [{ department: 'itfaiye' }, 'UNKNOWN_AUTHORITY', 'department'],
    [{ authority: 'buski', department: 'fen_isleri' }, 'UNKNOWN_AUTHORITY', 'department'],
  ])('%j -> %s naming %s', (args, code, field) => {
    const r = refusal(() => intake(args));
    expect(r.code).toBe(code);
    expect(r.message.startsWith(`${field}: `)).toBe(true);
  });

  it('a department is required for İnegöl', () => {
    expect(refusal(() => resolveAuthority(DEFAULT_CATALOG, 'inegol_department', undefined))).toMatchObject({ code: 'MISSING_FIELDS', details: { fields: ['department'] } });
  });
});

describe('citizen data', () => {
  it('normalises the phone; refuses a bad one naming the field, without the number', () => {
    expect(intake({ citizen: { phone: '0532 123 45 67' } }).citizen.phone).toEqual({ e164: '+905321234567', kind: 'mobile' });
    const r = refusal(() => intake({ citizen: { phone: '0850 222 00 00' } }));
    expect(r).toMatchObject({ code: 'INVALID_PHONE', details: { field: 'citizen.phone' } });
    expect(r.message).not.toMatch(/850/);
  });

  it.each([
    ['1000000014', 'not-11-digits'],
    ['01000000146', 'leading-zero'],
    ['10000000156', 'check-digit-10'],
    ['10000000147', 'check-digit-11'],
  ])('refuses TC Kimlik No %s (%s) naming the field, without the number', (tckn, problem) => {
    const r = refusal(() => intake({ citizen: { tckn } }));
    expect(r).toMatchObject({ code: 'INVALID_TCKN', details: { field: 'citizen.tckn', problem } });
    expect(r.message).not.toContain(tckn);
  });

  it('an SMS needs a phone, and a mobile one', () => {
    expect(refusal(() => intake({ sms: true }))).toMatchObject({ code: 'MISSING_FIELDS', details: { fields: ['citizen.phone'] } });
    expect(refusal(() => intake({ sms: true, citizen: { phone: '0224 713 10 50' } }))).toMatchObject({ code: 'INVALID_PHONE' });
    expect(intake({ sms: true, citizen: { phone: '0532 123 45 67' } }).sms).toBe(true);
  });
});

describe('Bilgi Edinme (Law 4982 s.6, Yönetmelik s.9-10)', () => {
  it('is taken with name and surname, address, TC Kimlik No and the confirmation', () => {
    const i = checkIntake(DEFAULT_CATALOG, bilgi, 1024);
    expect(i.type.rule).toBe('bilgi_edinme');
    expect(i.answerTo).toBe('address');
    expect(i.citizen.tckn).toBe('10000000146');
  });

  it('names every missing field at once', () => {
    const r = refusal(() => checkIntake(DEFAULT_CATALOG, { ...bilgi, citizen: {}, citizenConfirmed: undefined }, 1024));
    expect(r.code).toBe('MISSING_FIELDS');
    expect(r.details.fields).toEqual(['citizen.name', 'citizen.address', 'citizen.tckn', 'citizenConfirmed']);
    expect(r.message).toMatch(/^citizen\.name, citizen\.address, citizen\.tckn, citizenConfirmed: are required \(bilgi_edinme needs name and surname \(4982 s\.6\)/);
  });

  it('a name without a surname is not enough; e-mail answers need an address', () => {
    expect(refusal(() => checkIntake(DEFAULT_CATALOG, { ...bilgi, citizen: { ...bilgi.citizen, name: 'Mehmet' } }, 1024)).details.fields).toEqual(['citizen.name']);
    expect(refusal(() => checkIntake(DEFAULT_CATALOG, { ...bilgi, answerTo: 'email' }, 1024)).details.fields).toEqual(['citizen.email']);
  });

  it('the other types need none of it', () => {
    expect(intake({ citizen: undefined }).citizen).toEqual({ name: null, phone: null, tckn: null, address: null, email: null });
  });
});

describe('photos', () => {
  it('are typed by their magic bytes', () => {
    expect(sniffImage(PNG)).toBe('image/png');
    expect(sniffImage(JPEG)).toBe('image/jpeg');
    expect(sniffImage(WEBP)).toBe('image/webp');
    expect(sniffImage(HEIC)).toBe('image/heic');
    expect(sniffImage(Buffer.from('%PDF-1.7 ...'))).toBeNull();
    expect(sniffImage(Buffer.alloc(0))).toBeNull();
  });

  it('decode base64 (or a data: URL), hash and keep the sniffed type, whatever the tablet declares', () => {
    const p = decodePhoto(`data:image/jpeg;base64,${PNG.toString('base64')}`, 1000, 'photos[0]');
    expect(p).toMatchObject({ mime: 'image/png', ext: 'png', bytes: PNG.length });
    expect(p.sha256).toMatch(/^[0-9a-f]{64}$/);
    const wrapped = PNG.toString('base64').replace(/(.{76})/g, '$1\r\n');
    expect(decodePhoto(wrapped, 1000, 'photos[0]').sha256).toBe(p.sha256);
    expect(intake({ photos: [{ data: JPEG.toString('base64'), mime: 'image/png' }] }).photos[0]!.mime).toBe('image/jpeg');
  });

  it('refuse what is too large, not base64 or not an image, naming the photo', () => {
    expect(refusal(() => decodePhoto(PNG.toString('base64'), 50, 'photos[1]'))).toMatchObject({ code: 'ATTACHMENT_TOO_LARGE', details: { field: 'photos[1]', bytes: PNG.length, max: 50 } });
    expect(refusal(() => decodePhoto(Buffer.from('%PDF-1.7').toString('base64'), 50, 'photos[0]'))).toMatchObject({ code: 'ATTACHMENT_NOT_IMAGE', message: 'photos[0]: is not a JPEG, PNG, WebP or HEIC image' });
    expect(refusal(() => decodePhoto('iVBO*w0K', 50, 'photos[0]'))).toMatchObject({ code: 'ATTACHMENT_NOT_IMAGE', message: 'photos[0].data: is not base64' });
    // The schema leaves the length to decodePhoto (a minLength would have Ajv count a megabyte of characters).
    expect(refusal(() => decodePhoto('', 50, 'photos[2]'))).toMatchObject({ code: 'ATTACHMENT_NOT_IMAGE', message: 'photos[2].data: is empty', details: { field: 'photos[2].data' } });
    expect(refusal(() => decodePhoto('data:image/png;base64,', 50, 'photos[0]'))).toMatchObject({ code: 'ATTACHMENT_NOT_IMAGE', message: 'photos[0].data: is empty' });
    expect(base64Bytes(PNG.toString('base64'))).toBe(PNG.length);
  });

  it('fuzz: any text gives a RequestError or a photo whose bytes are an image within the limit', () => {
    const rnd = seededRandom(64);
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=\n -_*:;,';
    const seeds = [PNG.toString('base64'), JPEG.toString('base64'), WEBP.toString('base64'), HEIC.toString('base64')];
    for (let i = 0; i < 20_000; i++) {
      let s: string;
      if (rnd() < 0.5) {
        const src = seeds[Math.floor(rnd() * seeds.length)]!;
        const pos = Math.floor(rnd() * src.length);
        s = src.slice(0, pos) + alphabet[Math.floor(rnd() * alphabet.length)] + src.slice(pos + (rnd() < 0.5 ? 1 : 0));
      } else s = Array.from({ length: Math.floor(rnd() * 60) }, () => alphabet[Math.floor(rnd() * alphabet.length)]).join('');
      try {
        const p = decodePhoto(s, 120, 'photos[0]');
        expect(p.bytes).toBeLessThanOrEqual(120);
        expect(sniffImage(p.data)).toBe(p.mime);
      } catch (e) {
        expect(e).toBeInstanceOf(RequestError);
      }
    }
  });
});

describe('tracking numbers', () => {
  it('VIM-<vehicle>-<yyyymmdd>-<seq>, four digits and growing past 9999', () => {
    expect(formatTrackingNumber('VIM-01', '2026-05-28', 7)).toBe('VIM-VIM-01-20260528-0007');
    expect(formatTrackingNumber('VIM-01', '2026-05-28', 12345)).toBe('VIM-VIM-01-20260528-12345');
    expect(sequenceName('2026-05-28')).toBe('requests:20260528');
  });

  it('parse back, vehicle ids with dashes included; refuse what is not one', () => {
    expect(parseTrackingNumber('VIM-VIM-01-20260528-0007')).toEqual({ vehicle: 'VIM-01', day: '20260528', seq: 7 });
    expect(parseTrackingNumber(' vim-a1-20260528-0001 ')).toEqual({ vehicle: 'A1', day: '20260528', seq: 1 });
    for (const bad of ['VIM-VIM-01-20260230-0001', 'VIM-VIM-01-20260528-0000', 'VIM-VIM-01-2026052-0001', 'A001', '']) expect(parseTrackingNumber(bad)).toBeNull();
  });
});
