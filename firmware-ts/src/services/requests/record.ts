// The journal record of a request (type `requests.created`, class `requests`, DESIGN.md
// "Store": never evicted before HQ has it) and the views of it that leave the journal.
// Personal data (DESIGN.md non-negotiable 6):
// - the TC Kimlik No is never here in clear: only its mask, its HMAC and, when config asks,
//   its AES-GCM ciphertext (kvkk-crypto.ts);
// - the phone is here in E.164 (HQ needs it to answer) and in the SMS outbox; every view
//   that leaves the journal (replies, receipts) carries its mask only.
import type { ClockQuality } from '../../platform/clock.js';
import type { PhotoRef } from './attachments.js';
import type { DueDate } from './calendar.js';
import type { ResolvedAuthority } from './catalog.js';
import type { Intake } from './intake.js';
import type { ProtectedTckn } from './kvkk-crypto.js';
import { maskPhone, type PhoneKind } from './phone.js';
import type { RequestPosition } from './ports.js';

export const REQUEST_RECORD_TYPE = 'requests.created';

export interface RequestRecord {
  v: 1;
  trackingNumber: string;
  vehicle: string;
  type: { id: string; label: string; rule: DueDate['rule'] };
  category: { id: string; label: string };
  authority: ResolvedAuthority;
  subject: string;
  description: string;
  citizen: {
    name: string | null;
    /** E.164; personal data, purged with the record. */
    phone: string | null;
    phoneKind: PhoneKind | null;
    tckn: ProtectedTckn | null;
    address: string | null;
    email: string | null;
  };
  answerTo: 'address' | 'email' | null;
  citizenConfirmed: boolean;
  kvkk: { consent: true; noticeVersion: string };
  photos: PhotoRef[];
  /** The staff user who took it (the broker login). */
  staff: string;
  visit: { visitId: string; stopId: string | null; name: string } | null;
  position: RequestPosition;
  receivedAt: string;
  clock: ClockQuality;
  due: DueDate;
  receipt: boolean;
  sms: boolean;
}

export interface RecordStamps {
  trackingNumber: string;
  vehicle: string;
  staff: string;
  visit: RequestRecord['visit'];
  position: RequestPosition;
  receivedAt: Date;
  clock: ClockQuality;
  due: DueDate;
  tckn: ProtectedTckn | null;
}

export function buildRecord(i: Intake, s: RecordStamps): RequestRecord {
  return {
    v: 1,
    trackingNumber: s.trackingNumber,
    vehicle: s.vehicle,
    type: { id: i.type.id, label: i.type.label, rule: i.type.rule },
    category: { id: i.category.id, label: i.category.label },
    authority: i.authority,
    subject: i.subject,
    description: i.description,
    citizen: {
      name: i.citizen.name,
      phone: i.citizen.phone?.e164 ?? null,
      phoneKind: i.citizen.phone?.kind ?? null,
      tckn: s.tckn,
      address: i.citizen.address,
      email: i.citizen.email,
    },
    answerTo: i.answerTo,
    citizenConfirmed: i.citizenConfirmed,
    kvkk: i.kvkk,
    photos: i.photos.map((p) => ({ sha256: p.sha256, bytes: p.bytes, mime: p.mime })),
    staff: s.staff,
    visit: s.visit,
    position: s.position,
    receivedAt: s.receivedAt.toISOString(),
    clock: s.clock,
    due: s.due,
    receipt: i.receipt,
    sms: i.sms,
  };
}

/**
 * The request as `requests/get` answers it: the TC Kimlik No as its mask only, the phone as
 * its mask. An answer is kept in the command table for the idempotency window and travels
 * over the van's Wi-Fi; the clear phone stays in the journal record (for HQ) and the SMS outbox.
 */
export function requestView(r: RequestRecord, recordId: string) {
  const { tckn, phone, ...citizen } = r.citizen;
  return {
    ...r,
    recordId,
    citizen: { ...citizen, tckn: tckn ? { masked: tckn.masked } : null, phone: phone === null ? null : maskPhone(phone) },
  };
}
