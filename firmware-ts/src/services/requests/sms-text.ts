// The SMS that tells a citizen the tracking number (queued in the request's transaction,
// sent later through the modem). Plain ASCII by default so it goes as one GSM 7-bit SMS of
// up to 160 characters (3GPP 23.038); a text with Turkish letters goes as UCS2, 70 at most.

export interface SmsFields {
  municipality: string;
  tracking: string;
  /** "DD.MM.YYYY" or null for a type without a legal answer time. */
  due: string | null;
}

/** Fills {municipality}, {tracking} and {due}; unknown placeholders stay as written. */
export function renderSmsText(template: string, f: { municipality: string; tracking: string; due: string | null }): string {
  return template.replace(/\{(municipality|tracking|due)\}/g, (_, k: string) => (k === 'municipality' ? asciiTurkish(f.municipality) : k === 'tracking' ? f.tracking : (f.due ?? '-')));
}

/** "İnegöl Belediyesi" -> "Inegol Belediyesi": keeps a default text within GSM 7-bit. */
export function asciiTurkish(s: string): string {
  const map: Record<string, string> = { ç: 'c', Ç: 'C', ğ: 'g', Ğ: 'G', ı: 'i', İ: 'I', ö: 'o', Ö: 'O', ş: 's', Ş: 'S', ü: 'u', Ü: 'U', â: 'a', Â: 'A', î: 'i', û: 'u' };
  return s.replace(/[çÇğĞıİöÖşŞüÜâÂîû]/g, (c) => map[c] ?? c);
}

/** "2026-06-18" -> "18.06.2026" */
export function trDate(iso: string): string {
  return `${iso.slice(8, 10)}.${iso.slice(5, 7)}.${iso.slice(0, 4)}`;
}
