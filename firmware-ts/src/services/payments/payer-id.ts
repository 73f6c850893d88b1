// The payer's identity number on a payment (KVKK, DESIGN.md non-negotiable 6): a TC
// Kimlik No (11 digits, people) or a Vergi Kimlik No (10 digits, companies). A number
// sent in clear is checksum-validated here and masked at once; only the mask is ever
// journaled, logged or printed. A tablet may also send it already masked. The TC Kimlik
// No checksum is the one services/identity/tckn.ts keeps for every service.
import { isValidTckn, maskTckn } from '../identity/tckn.js';

export type PayerIdKind = 'tckn' | 'vkn';

export interface MaskedPayerId {
  kind: PayerIdKind;
  /** First two and last two digits, the rest '*': "10*******46", "12******90". */
  masked: string;
}

export type PayerIdCheck = { ok: true; id: MaskedPayerId } | { ok: false; message: string };

const digits = (s: string): number[] => [...s].map((c) => c.charCodeAt(0) - 48);

/**
 * Vergi Kimlik No: 10 digits; for i = 1..9, v = (d_i + 10 - i) mod 10, p = v * 2^(10-i) mod 9
 * (9 when v != 0 and p == 0); the last digit is (10 - sum(p) mod 10) mod 10 (Gelir İdaresi).
 */
export function isValidVkn(s: string): boolean {
  if (!/^\d{10}$/.test(s)) return false;
  const d = digits(s);
  let sum = 0;
  for (let i = 0; i < 9; i++) {
    const v = (d[i]! + 9 - i) % 10;
    let p = (v * 2 ** (9 - i)) % 9;
    if (v !== 0 && p === 0) p = 9;
    sum += p;
  }
  return (10 - (sum % 10)) % 10 === d[9];
}

/** The same two-and-two mask for either number, so a receipt shows one form (services/identity/tckn.ts). */
export function maskId(s: string): string {
  return maskTckn(s);
}

/** A clear number (validated, then masked) or a masked one (e.g. "10*******46"); never returns the clear digits. */
export function checkPayerId(raw: string): PayerIdCheck {
  const s = raw.trim();
  if (/^\d{11}$/.test(s)) return isValidTckn(s) ? { ok: true, id: { kind: 'tckn', masked: maskId(s) } } : { ok: false, message: 'is not a valid TC Kimlik No (checksum)' };
  if (/^\d{10}$/.test(s)) return isValidVkn(s) ? { ok: true, id: { kind: 'vkn', masked: maskId(s) } } : { ok: false, message: 'is not a valid Vergi Kimlik No (checksum)' };
  // Already masked: at most four digits visible, so no more than a mask ever arrives here.
  if (/^[\d*]{10,11}$/.test(s) && (s.match(/\d/g) ?? []).length <= 4 && s.includes('*')) {
    return { ok: true, id: { kind: s.length === 11 ? 'tckn' : 'vkn', masked: s } };
  }
  return { ok: false, message: 'must be an 11-digit TC Kimlik No, a 10-digit Vergi Kimlik No, or one of them masked with * (at most 4 digits shown)' };
}
