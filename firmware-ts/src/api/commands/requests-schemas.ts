// Payload and result schemas of vim/cmd/requests/* (next to their handlers in requests.ts;
// docs/asyncapi.yaml is generated from them). The text and photo-count limits come from the
// config (`requests.*`), so the payload schema is built per gateway; the document shows the defaults.
import { Type } from '@sinclair/typebox';
import { OneOf, Strict } from '../../schema/types.js';
import { CommandPayload } from '../command.js';

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T, description: string) => Type.Union([t, Type.Null()], { description });

export interface RequestLimits {
  subjectMaxChars: number;
  descriptionMaxChars: number;
  photoMaxCount: number;
}

export function requestsCreatePayload(l: RequestLimits) {
  return CommandPayload(
    {
      type: Type.String({ minLength: 1, maxLength: 32, description: 'Request type id: bilgi_edinme, sikayet, istek, gorus_oneri, tesekkur, ihbar, istihdam_kayit (requests.catalog)' }),
      category: Type.String({ minLength: 1, maxLength: 32, description: "A category of the type, e.g. roads, water, cleaning, lighting, parks, social_aid" }),
      authority: Type.String({ minLength: 1, maxLength: 32, description: 'Who must answer: inegol_department, bursa_buyuksehir, buski, other' }),
      department: Type.Optional(Type.String({ minLength: 1, maxLength: 100, description: 'Department id (required for inegol_department, e.g. fen_isleri), or the other body\'s name for `other`' })),
      subject: Type.String({ minLength: 1, maxLength: l.subjectMaxChars, description: 'One line: what it is about' }),
      description: Type.String({ minLength: 1, maxLength: l.descriptionMaxChars, description: 'What the citizen asks, in their words (for Bilgi Edinme: the information or documents asked for, 4982 s.6)' }),
      citizen: Type.Optional(
        Strict(
          {
            name: Type.Optional(Type.String({ minLength: 1, maxLength: 100, description: 'Name and surname; required for Bilgi Edinme' })),
            phone: Type.Optional(Type.String({ minLength: 1, maxLength: 32, description: 'Turkish mobile or landline: 0532 123 45 67, +90 532 ..., 0224 ...; required for an SMS' })),
            tckn: Type.Optional(Type.String({ minLength: 1, maxLength: 20, description: 'TC Kimlik No, 11 digits; required for Bilgi Edinme. Never stored, printed or answered in clear' })),
            address: Type.Optional(Type.String({ minLength: 1, maxLength: 300, description: 'Residence or work address; required for Bilgi Edinme (where the answer goes)' })),
            email: Type.Optional(Type.String({ minLength: 3, maxLength: 254, pattern: '^[^\\s@]+@[^\\s@]+\\.[^\\s@]+$', description: 'E-mail address; required when answerTo is email' })),
          },
          { description: 'The citizen; every field optional except what the type needs' },
        ),
      ),
      answerTo: Type.Optional(OneOf(['address', 'email'] as const, { description: 'How the answer is sent (Bilgi Edinme default: address)' })),
      citizenConfirmed: Type.Optional(Type.Boolean({ description: 'The citizen confirmed the application as read back to them (in place of a signature); required true for Bilgi Edinme' })),
      kvkk: Strict(
        {
          consent: Type.Literal(true, { description: 'The citizen was given the KVKK privacy notice and agreed' }),
          noticeVersion: Type.String({ minLength: 1, maxLength: 32, description: 'Version of the privacy notice shown, printed on the receipt' }),
        },
        { description: 'KVKK (Law 6698) notice and consent' },
      ),
      photos: Type.Optional(
        Type.Array(
          Strict({
            // No minLength: Ajv counts a string's characters one by one for it, a megabyte
            // of base64 per photo; decodePhoto refuses an empty one, naming it.
            data: Type.String({ description: 'The image, base64 (a data: URL is accepted); JPEG, PNG, WebP or HEIC, by its bytes' }),
            mime: Type.Optional(Type.String({ maxLength: 64, description: 'What the tablet says it is; not trusted, the bytes decide' })),
          }),
          { maxItems: l.photoMaxCount, description: 'Photos, each up to requests.photos.maxBytes; stored as files beside the journal, their SHA-256 in the record' },
        ),
      ),
      receipt: Type.Optional(Type.Boolean({ description: 'Print a receipt (default true)' })),
      sms: Type.Optional(Type.Boolean({ description: 'Send the tracking number by SMS to citizen.phone (a mobile), queued durably with the request (default false)' })),
    },
    'Take a request, complaint or other application from a citizen',
  );
}

export const RequestsGet = CommandPayload({ trackingNumber: Type.String({ minLength: 1, maxLength: 48, description: 'e.g. VIM-VIM-01-20260528-0007' }) }, 'A tracking number');

export const RequestsReprint = CommandPayload(
  { trackingNumber: Type.String({ minLength: 1, maxLength: 48, description: 'The request whose receipt is printed again, e.g. VIM-VIM-01-20260528-0007' }) },
  'A tracking number',
);

const PrinterReport = Nullable(
  Type.Object({
    printer: Type.String(),
    ready: Type.Boolean({ description: 'false: the receipt waits in the printer queue and prints when it can' }),
    state: Type.String(),
    pendingJobs: Type.Integer({ minimum: 0 }),
  }),
  'The receipt printer when the request was committed; null without one',
);

export const RequestsCreateResult = Type.Object({
  trackingNumber: Type.String({ description: 'VIM-<vehicle>-<yyyymmdd>-<seq>, unique across the fleet' }),
  recordId: Type.String({ description: 'Journal record id' }),
  receivedAt: Type.String({ description: 'ISO time the request was taken' }),
  clock: OneOf(['ntp', 'gnss', 'unsynced'] as const, { description: 'How far receivedAt (and the due date) can be trusted' }),
  dueDate: Nullable(Type.String({ description: 'YYYY-MM-DD' }), 'Legal answer date, Istanbul; null for types without one'),
  deadline: Type.Object({
    rule: OneOf(['bilgi_edinme', 'petition', 'none'] as const),
    days: Type.Integer({ description: 'Working days (bilgi_edinme) or days (petition)' }),
    provisional: Type.Boolean({ description: 'The holiday table did not cover the whole count' }),
  }),
  position: OneOf(['none', '2d', '3d'] as const, { description: 'GNSS fix the request was stamped with ("none": no current fix)' }),
  visitId: Nullable(Type.String(), 'The stop visit in progress, if any'),
  photos: Type.Integer({ minimum: 0 }),
  receipt: Type.Object({
    status: OneOf(['printing', 'no-printer', 'not-requested'] as const, { description: 'printing: handed to the printer\'s durable queue after the commit' }),
    printer: PrinterReport,
  }),
  sms: OneOf(['queued', 'not-requested'] as const, { description: 'queued: in the durable SMS outbox, sent when the modem is registered' }),
});

export const RequestsReprintResult = Type.Object({
  trackingNumber: Type.String(),
  printer: Type.Object({
    printer: Type.String(),
    ready: Type.Boolean({ description: 'false: the copy waits in the printer queue and prints when it can' }),
    state: Type.String(),
    pendingJobs: Type.Integer({ minimum: 0 }),
  }),
});

export const RequestsGetResult = Type.Object(
  {
    trackingNumber: Type.String(),
    recordId: Type.String(),
    type: Type.Object({ id: Type.String(), label: Type.String(), rule: Type.String() }),
    category: Type.Object({ id: Type.String(), label: Type.String() }),
    authority: Type.Object({ id: Type.String(), label: Type.String(), department: Nullable(Type.String(), ''), departmentLabel: Nullable(Type.String(), '') }),
    subject: Type.String(),
    description: Type.String(),
    citizen: Type.Object({
      name: Nullable(Type.String(), ''),
      phone: Nullable(Type.String(), 'Masked, e.g. "+90 532 *** ** 67"'),
      tckn: Nullable(Type.Object({ masked: Type.String() }), 'Masked only'),
      address: Nullable(Type.String(), ''),
      email: Nullable(Type.String(), ''),
    }),
    receivedAt: Type.String(),
    due: Type.Object({ date: Nullable(Type.String(), ''), rule: Type.String(), days: Type.Integer(), provisional: Type.Boolean() }),
    photos: Type.Array(Type.Object({ sha256: Type.String(), bytes: Type.Integer(), mime: Type.String() })),
    staff: Type.String(),
    visit: Nullable(Type.Object({ visitId: Type.String(), stopId: Nullable(Type.String(), ''), name: Type.String() }), ''),
    position: Type.Object({ fix: Type.String() }, { description: 'fix none, or 2d/3d with lat, lon, hdop, satellites, at' }),
  },
  { description: 'The stored request; the TC Kimlik No and the phone masked' },
);
