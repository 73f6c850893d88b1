// Turkish phone numbers: validation, normalisation to E.164 and the masked form for
// receipts. ITU-T E.164 country code 90; national significant numbers are 10 digits:
// mobile 5xx (BTK numbering plan), landline <area code><7 digits> with the geographic
// area codes 2xx/3xx/4xx listed below. Non-geographic numbers (0800, 0850, 0444 ...) are
// not a citizen's phone and are refused. Accepted spellings: 0532 123 45 67, 532 123 45 67,
// +90 532 123 45 67, 0090 532 ..., 90 532 ..., with spaces, dashes, dots or parentheses.

export type PhoneKind = 'mobile' | 'landline';

export interface Phone {
  /** "+905321234567" */
  e164: string;
  kind: PhoneKind;
}

export type PhoneCheck = { ok: true; phone: Phone } | { ok: false; message: string };

/** Geographic area codes (BTK, "Alan kodları"): 81 provinces, Istanbul has 212 and 216. */
export const AREA_CODES: ReadonlySet<string> = new Set(
  (
    '212 216 222 224 226 228 232 236 242 246 248 252 256 258 262 264 266 272 274 276 282 284 286 288 ' +
    '312 318 322 324 326 328 332 338 342 344 346 348 352 354 356 358 362 364 366 368 370 372 374 376 378 380 382 384 386 388 ' +
    '412 414 416 422 424 426 428 432 434 436 438 442 446 462 464 466 472 474 476 478 482 484 486 488'
  ).split(' '),
);

/** The national significant number (10 digits), or null when the spelling is not a Turkish number. */
function nationalNumber(input: string): string | null {
  const s = input.trim().replace(/[\s\-.()]/g, '');
  let m = /^(?:\+90|0090|90)(\d{10})$/.exec(s);
  if (m) return m[1]!;
  m = /^0?(\d{10})$/.exec(s);
  return m ? m[1]! : null;
}

/** Never echoes the number: a refusal reaches replies and logs. */
export function checkPhone(input: string): PhoneCheck {
  const n = nationalNumber(input);
  if (n === null) return { ok: false, message: 'is not a Turkish phone number (10 digits after 0 or +90, e.g. 0532 123 45 67)' };
  if (/^5\d{9}$/.test(n)) return { ok: true, phone: { e164: `+90${n}`, kind: 'mobile' } };
  if (AREA_CODES.has(n.slice(0, 3)) && /^[1-9]$/.test(n[3]!)) return { ok: true, phone: { e164: `+90${n}`, kind: 'landline' } };
  return { ok: false, message: 'is neither a Turkish mobile number (5xx) nor a landline with a geographic area code (2xx, 3xx, 4xx)' };
}

/** "+90 532 *** ** 67": the area or operator code and the last two digits, for receipts. */
export function maskPhone(e164: string): string {
  const n = e164.startsWith('+90') ? e164.slice(3) : e164;
  if (n.length !== 10) return '*'.repeat(Math.max(0, n.length - 2)) + n.slice(-2);
  return `+90 ${n.slice(0, 3)} *** ** ${n.slice(8)}`;
}
