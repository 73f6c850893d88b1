// The requests service's configuration (`requests` once config/schema.ts composes it). The
// schema checks shapes; `requestsConfigErrors` checks what it cannot express (unique ids,
// real dates, keys, an SMS text that fits one message), reported by config/load.ts as
// path-prefixed config errors (exit 78). The catalog and the holiday table default to the
// built-in data files (catalog-defaults.ts, holidays-data.ts) when the config leaves them out.
import { Type, type Static } from '@sinclair/typebox';
import { chooseEncoding, MAX_GSM7, MAX_UCS2 } from '../../drivers/modem/sms.js';
import { OneOf, Strict } from '../../schema/types.js';
import { compile } from '../../schema/validator.js';
import { dayNumber, type DeadlineRule } from './calendar.js';
import { catalogErrors, type Catalog } from './catalog.js';
import { DEFAULT_CATALOG } from './catalog-defaults.js';
import { DEFAULT_BAYRAMS, DEFAULT_FIXED_HOLIDAYS, type HolidayTable } from './holidays-data.js';
import { parseAesKey } from './kvkk-crypto.js';
import { renderSmsText } from './sms-text.js';

const Id = Type.String({ pattern: '^[a-z][a-z0-9_]{0,31}$', description: 'Stable id sent by tablets and to HQ' });
const Label = Type.String({ minLength: 1, maxLength: 80, description: 'Turkish label for receipts and tablets' });
const Entry = Strict({ id: Id, label: Label });

const CatalogSchema = Strict(
  {
    types: Type.Array(
      Strict({
        id: Id,
        label: Label,
        rule: OneOf(['bilgi_edinme', 'petition', 'none'] as const, {
          description: 'bilgi_edinme: Law 4982 fields and 15 working days; petition: 30 days (Law 3071 s.7); none: no legal answer time',
        }),
        categories: Type.Array(Entry, { minItems: 1, description: 'Categories of this type' }),
      }),
      { minItems: 1, description: 'Request types' },
    ),
    authorities: Type.Array(
      Strict({
        id: Id,
        label: Label,
        departments: Type.Optional(Type.Array(Entry, { description: 'When given, a request must name one of them' })),
        freeText: Type.Optional(Type.Boolean({ description: 'The department is free text (the name of the other body)' })),
      }),
      { minItems: 1, description: 'Who must answer: İnegöl departments, Bursa Büyükşehir, BUSKİ, other' },
    ),
  },
  { description: 'Request types, their categories and the authorities; default: the built-in catalog (services/requests/catalog-defaults.ts), replaced whole when given' },
);

const DateText = Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$', description: 'YYYY-MM-DD' });

const HolidaysSchema = Strict(
  {
    fixed: Type.Optional(
      Type.Array(
        Strict({
          monthDay: Type.String({ pattern: '^(0[1-9]|1[0-2])-(0[1-9]|[12]\\d|3[01])$', description: 'MM-DD, every year' }),
          name: Label,
          half: Type.Optional(Type.Boolean({ description: 'Holiday from 13:00 only (Law 2429); a working morning' })),
        }),
        { description: 'Holidays on the same date every year; default: Law 2429 s.1-2 (holidays-data.ts)' },
      ),
    ),
    bayrams: Type.Optional(
      Type.Array(
        Strict({
          name: Label,
          firstDay: DateText,
          days: Type.Integer({ minimum: 1, maximum: 5, description: 'Full days: 3 Ramazan, 4 Kurban' }),
        }),
        { description: "Movable bayrams (the arife before each is a half day); default: Diyanet's dates 2025-2030 (holidays-data.ts)" },
      ),
    ),
    extra: Type.Optional(
      Type.Array(Strict({ date: DateText, name: Label, half: Type.Optional(Type.Boolean({ description: 'From 13:00 only' })) }), {
        description: 'One-off holidays; default none',
      }),
    ),
  },
  { description: 'The holiday table of the working-day calendar; each list left out keeps its built-in default' },
);

export const RequestsOptionsSchema = Strict(
  {
    municipality: Type.String({ minLength: 1, maxLength: 60, default: 'İnegöl Belediyesi', description: 'Printed at the top of receipts and in the SMS' }),
    subjectMaxChars: Type.Integer({ minimum: 10, maximum: 1000, default: 200, description: 'Longest subject accepted' }),
    descriptionMaxChars: Type.Integer({ minimum: 100, maximum: 20000, default: 4000, description: 'Longest description accepted' }),
    photos: Strict(
      {
        maxBytes: Type.Integer({ minimum: 1024, maximum: 16 * 1024 * 1024, default: 2 * 1024 * 1024, description: 'Largest photo accepted, in bytes (decoded)' }),
        maxCount: Type.Integer({ minimum: 0, maximum: 10, default: 4, description: 'Most photos per request' }),
      },
      { default: {}, description: 'Photo attachments; broker.limits.staff.maxPayloadBytes must fit maxCount photos as base64 (4/3 of the bytes)' },
    ),
    attachmentsDir: Type.String({ minLength: 1, default: 'attachments', description: 'Directory of the photo files (<sha256>.<ext>), relative to dataDir' }),
    receiptPrinter: Type.Optional(Type.String({ minLength: 1, description: 'Printer name for request receipts; default: the first printer' })),
    trackingUrl: Type.Optional(
      Type.String({
        pattern: '^https?://\\S+$',
        description: 'Where citizens look a request up: the receipt QR opens it with {tracking} replaced (or /<tracking> appended). Without it the QR holds the tracking number',
      }),
    ),
    deadlines: Strict(
      {
        bilgiEdinmeWorkingDays: Type.Integer({ minimum: 1, maximum: 60, default: 15, description: 'Law 4982 s.11: 15 working days' }),
        petitionDays: Type.Integer({ minimum: 1, maximum: 120, default: 30, description: 'Law 3071 s.7: 30 days' }),
      },
      { default: {}, description: 'Legal answer times' },
    ),
    kvkk: Strict(
      {
        noticeLine: Type.String({
          minLength: 1,
          maxLength: 300,
          default: 'Kişisel verileriniz 6698 sayılı KVKK kapsamında başvurunuzun yürütülmesi amacıyla işlenir.',
          description: 'The KVKK line printed on receipts, followed by the notice version',
        }),
        hmacKey: Type.Optional(
          Type.String({
            minLength: 32,
            description: 'Secret key of the TC Kimlik No HMAC, the same in every van so HQ can match a person; set it from the environment (VIM_CFG__requests__kvkk__hmacKey). Without it a random key is kept in dataDir (matches within this van only)',
          }),
        ),
        storeClearTckn: Type.Boolean({ default: false, description: 'HQ needs the clear TC Kimlik No: store it encrypted (AES-256-GCM) with encryptionKey' }),
        encryptionKey: Type.Optional(Type.String({ minLength: 1, description: '32 bytes as base64 (openssl rand -base64 32); from the environment' })),
      },
      { default: {}, description: 'Personal data (DESIGN.md non-negotiable 6)' },
    ),
    sms: Strict(
      {
        text: Type.String({
          minLength: 1,
          default: '{municipality}: Basvurunuz alindi. Takip no: {tracking}. Son cevap tarihi: {due}.',
          description: 'SMS with the tracking number; {municipality}, {tracking}, {due}. Plain ASCII goes as one 160-character GSM 7-bit SMS, Turkish letters make it a 70-character UCS2 one',
        }),
        textWithoutDue: Type.String({
          minLength: 1,
          default: '{municipality}: Basvurunuz alindi. Takip no: {tracking}.',
          description: 'The same, for types without a legal answer time',
        }),
        maxAttempts: Type.Integer({ minimum: 1, maximum: 100, default: 8, description: 'Sends tried before an SMS is given up (kept, marked failed)' }),
        retryBaseS: Type.Number({ minimum: 0.01, maximum: 3600, default: 30, description: 'Wait after the first failed send; doubles each time' }),
        retryMaxS: Type.Number({ minimum: 0.01, maximum: 86400, default: 1800, description: 'Longest wait between tries' }),
        pollS: Type.Number({ minimum: 0.01, maximum: 600, default: 5, description: 'How often the queue is looked at while the modem is not registered or messages wait' }),
      },
      { default: {}, description: 'SMS to citizens, queued durably with the request and sent through the modem' },
    ),
    holidays: Type.Optional(HolidaysSchema),
    catalog: Type.Optional(CatalogSchema),
  },
  { default: {}, description: 'Requests and complaints: catalog, deadlines, photos, receipts, SMS, personal data' },
);

export type RequestsOptions = Static<typeof RequestsOptionsSchema>;

export interface RequestsConfig {
  municipality: string;
  subjectMaxChars: number;
  descriptionMaxChars: number;
  photos: { maxBytes: number; maxCount: number };
  attachmentsDir: string;
  receiptPrinter: string | null;
  trackingUrl: string | null;
  deadlines: { bilgiEdinmeWorkingDays: number; petitionDays: number };
  kvkk: { noticeLine: string; hmacKey: string | null; storeClearTckn: boolean; encryptionKey: Buffer | null };
  sms: { text: string; textWithoutDue: string; maxAttempts: number; retryBaseMs: number; retryMaxMs: number; pollMs: number };
  holidays: HolidayTable;
  catalog: Catalog;
}

export type { DeadlineRule };

export function toRequestsConfig(o: RequestsOptions = defaultRequestsOptions()): RequestsConfig {
  return {
    municipality: o.municipality,
    subjectMaxChars: o.subjectMaxChars,
    descriptionMaxChars: o.descriptionMaxChars,
    photos: { ...o.photos },
    attachmentsDir: o.attachmentsDir,
    receiptPrinter: o.receiptPrinter ?? null,
    trackingUrl: o.trackingUrl ?? null,
    deadlines: { ...o.deadlines },
    kvkk: {
      noticeLine: o.kvkk.noticeLine,
      hmacKey: o.kvkk.hmacKey ?? null,
      storeClearTckn: o.kvkk.storeClearTckn,
      encryptionKey: o.kvkk.encryptionKey === undefined ? null : parseAesKey(o.kvkk.encryptionKey),
    },
    sms: {
      text: o.sms.text,
      textWithoutDue: o.sms.textWithoutDue,
      maxAttempts: o.sms.maxAttempts,
      retryBaseMs: Math.round(o.sms.retryBaseS * 1000),
      retryMaxMs: Math.round(o.sms.retryMaxS * 1000),
      pollMs: Math.round(o.sms.pollS * 1000),
    },
    holidays: {
      fixed: o.holidays?.fixed ?? [...DEFAULT_FIXED_HOLIDAYS],
      bayrams: o.holidays?.bayrams ?? [...DEFAULT_BAYRAMS],
      extra: o.holidays?.extra ?? [],
    },
    catalog: o.catalog ?? DEFAULT_CATALOG,
  };
}

/** The schema defaults, for callers without a config (tests, the AsyncAPI generator). */
export function defaultRequestsOptions(): RequestsOptions {
  const r = compile(RequestsOptionsSchema, { defaults: true }).check({});
  if (!r.ok) throw new Error(`requests defaults do not validate: ${JSON.stringify(r.errors)}`);
  return r.value;
}

/**
 * The smallest staff payload limit that carries a create command with every photo at its
 * largest: base64 is 4 bytes per 3, plus the text fields (up to 4 UTF-8 bytes per
 * character, 6 when a client escapes them as \uXXXX) and a margin for JSON and names.
 */
export function staffPayloadNeeded(o: Pick<RequestsConfig, 'photos' | 'descriptionMaxChars' | 'subjectMaxChars'>): number {
  const photo = Math.ceil(o.photos.maxBytes / 3) * 4 + 256;
  return o.photos.maxCount * photo + 6 * (o.descriptionMaxChars + o.subjectMaxChars) + 16 * 1024;
}

/** Cross-field checks the schema cannot express, as config errors (`requests.kvkk.encryptionKey: ...`). */
export function requestsConfigErrors(o: RequestsOptions): { path: string; message: string }[] {
  const errors: { path: string; message: string }[] = [];
  if (o.kvkk.encryptionKey !== undefined && parseAesKey(o.kvkk.encryptionKey) === null) {
    errors.push({ path: 'requests.kvkk.encryptionKey', message: 'must be 32 bytes as base64 (44 characters ending in "="; openssl rand -base64 32)' });
  }
  if (o.kvkk.storeClearTckn && o.kvkk.encryptionKey === undefined) {
    errors.push({ path: 'requests.kvkk.storeClearTckn', message: 'needs requests.kvkk.encryptionKey: the clear number is only ever stored encrypted' });
  }
  if (o.catalog) errors.push(...catalogErrors(o.catalog, 'requests.catalog'));
  o.holidays?.bayrams?.forEach((b, i) => {
    if (Number.isNaN(dayNumber(b.firstDay))) errors.push({ path: `requests.holidays.bayrams[${i}].firstDay`, message: `"${b.firstDay}" is not a date` });
  });
  o.holidays?.extra?.forEach((e, i) => {
    if (Number.isNaN(dayNumber(e.date))) errors.push({ path: `requests.holidays.extra[${i}].date`, message: `"${e.date}" is not a date` });
  });
  o.holidays?.fixed?.forEach((f, i) => {
    if (Number.isNaN(dayNumber(`2024-${f.monthDay}`))) errors.push({ path: `requests.holidays.fixed[${i}].monthDay`, message: `"${f.monthDay}" is not a day of the year` });
  });
  // The longest tracking number a fleet-unique vehicle id (16 characters) and a 5-digit sequence can give.
  const worst = { municipality: o.municipality, tracking: `VIM-${'W'.repeat(16)}-20261231-99999`, due: '31.12.2026' };
  for (const key of ['text', 'textWithoutDue'] as const) {
    const text = renderSmsText(o.sms[key], worst);
    const max = chooseEncoding(text) === 'gsm7' ? MAX_GSM7 : MAX_UCS2;
    if (text.length > max) {
      errors.push({ path: `requests.sms.${key}`, message: `is ${text.length} characters with the longest tracking number; one ${max === MAX_GSM7 ? 'GSM 7-bit' : 'UCS2 (Turkish letters)'} SMS holds ${max}` });
    }
  }
  return errors;
}
