// The create command's arguments checked against the catalog and the law, before anything
// is written (DESIGN.md non-negotiable 5). Pure: the clear TC Kimlik No exists here only in
// memory, on its way to the HMAC, the mask and (if configured) the cipher.
//
// Bilgi Edinme (a type whose rule is `bilgi_edinme`) needs what Law 4982 s.6 and the
// Bilgi Edinme Yönetmeliği s.9-10 require of an application, or it "işleme konulmaz"
// (Yönetmelik s.14):
// - the applicant's name AND surname (s.6 "adı ve soyadı");
// - a residence or work address (s.6 "oturma yeri veya iş adresi"), where the answer goes;
//   an e-mail address as well when the answer is to go by e-mail;
// - the TC Kimlik No, which the Yönetmelik s.10 asks of applications not made on signed
//   paper, for identity verification (the van's intake is one);
// - the signature: the citizen confirms the application as read back to them, recorded as
//   `citizenConfirmed: true` (the tablet-era equivalent s.6's second sentence allows when
//   the identity can be established, here by the TC Kimlik No);
// - what is asked, stated clearly (s.6): the subject and description, required for every type.
import { decodePhoto, type Photo } from './attachments.js';
import { resolveAuthority, resolveCategory, resolveType, type Catalog, type CatalogEntry, type RequestType, type ResolvedAuthority } from './catalog.js';
import { RequestError } from './errors.js';
import { checkPhone, type Phone } from './phone.js';
import { checkTckn } from '../identity/tckn.js';

export interface CreateArgs {
  type: string;
  category: string;
  authority: string;
  department?: string;
  subject: string;
  description: string;
  citizen?: { name?: string; phone?: string; tckn?: string; address?: string; email?: string };
  answerTo?: 'address' | 'email';
  citizenConfirmed?: boolean;
  kvkk: { consent: boolean; noticeVersion: string };
  photos?: { data: string; mime?: string }[];
  receipt?: boolean;
  sms?: boolean;
}

export interface Intake {
  type: RequestType;
  category: CatalogEntry;
  authority: ResolvedAuthority;
  subject: string;
  description: string;
  citizen: { name: string | null; phone: Phone | null; tckn: string | null; address: string | null; email: string | null };
  answerTo: 'address' | 'email' | null;
  citizenConfirmed: boolean;
  kvkk: { consent: true; noticeVersion: string };
  photos: Photo[];
  receipt: boolean;
  sms: boolean;
}

const text = (s: string | undefined): string | null => {
  const t = s?.trim();
  return t ? t : null;
};

export function checkIntake(cat: Catalog, args: CreateArgs, photoMaxBytes: number): Intake {
  const type = resolveType(cat, args.type);
  const category = resolveCategory(type, args.category);
  const authority = resolveAuthority(cat, args.authority, text(args.department) ?? undefined);
  const subject = text(args.subject);
  const description = text(args.description);
  const c = args.citizen ?? {};
  let phone: Phone | null = null;
  const rawPhone = text(c.phone);
  if (rawPhone !== null) {
    const p = checkPhone(rawPhone);
    if (!p.ok) throw new RequestError('INVALID_PHONE', `citizen.phone: ${p.message}`, { field: 'citizen.phone' });
    phone = p.phone;
  }
  let tckn: string | null = null;
  const rawTckn = text(c.tckn);
  if (rawTckn !== null) {
    const t = checkTckn(rawTckn);
    if (!t.ok) throw new RequestError('INVALID_TCKN', `citizen.tckn: ${t.message}`, { field: 'citizen.tckn', problem: t.problem });
    tckn = t.tckn;
  }
  if (args.kvkk.consent !== true) throw new RequestError('MISSING_FIELDS', 'kvkk.consent: the citizen must be informed and agree (KVKK 6698 s.10)', { fields: ['kvkk.consent'] });
  const citizen = { name: text(c.name), phone, tckn, address: text(c.address), email: text(c.email) };
  const answerTo = args.answerTo ?? (type.rule === 'bilgi_edinme' ? 'address' : null);

  const missing: string[] = [];
  const why: string[] = [];
  if (subject === null) missing.push('subject');
  if (description === null) missing.push('description');
  if (type.rule === 'bilgi_edinme') {
    if (citizen.name === null || citizen.name.split(/\s+/).length < 2) {
      missing.push('citizen.name');
      why.push('name and surname (4982 s.6)');
    }
    if (citizen.address === null) {
      missing.push('citizen.address');
      why.push('residence or work address (4982 s.6)');
    }
    if (citizen.tckn === null) {
      missing.push('citizen.tckn');
      why.push('TC Kimlik No (Bilgi Edinme Yönetmeliği s.10)');
    }
    if (args.citizenConfirmed !== true) {
      missing.push('citizenConfirmed');
      why.push("the citizen's confirmation in place of a signature (4982 s.6)");
    }
  }
  if (answerTo === 'email' && citizen.email === null) {
    missing.push('citizen.email');
    why.push('an e-mail address for the answer');
  }
  if (args.sms === true && phone === null) {
    missing.push('citizen.phone');
    why.push('a phone number for the SMS');
  }
  if (args.sms === true && phone !== null && phone.kind !== 'mobile') {
    throw new RequestError('INVALID_PHONE', 'citizen.phone: an SMS needs a mobile number (5xx); this is a landline', { field: 'citizen.phone' });
  }
  if (missing.length > 0) {
    const reason = why.length ? ` (${type.id} needs ${why.join(', ')})` : '';
    throw new RequestError('MISSING_FIELDS', `${missing.join(', ')}: ${missing.length === 1 ? 'is' : 'are'} required${reason}`, { fields: missing });
  }
  const photos = (args.photos ?? []).map((p, i) => decodePhoto(p.data, photoMaxBytes, `photos[${i}]`));
  return {
    type,
    category,
    authority,
    subject: subject!,
    description: description!,
    citizen,
    answerTo,
    citizenConfirmed: args.citizenConfirmed === true,
    kvkk: { consent: true, noticeVersion: args.kvkk.noticeVersion },
    photos,
    receipt: args.receipt !== false,
    sms: args.sms === true,
  };
}
