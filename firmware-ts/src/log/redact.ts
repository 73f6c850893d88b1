// KVKK (DESIGN.md non-negotiable 6): personal data never reaches the logs in clear.
// Structured fields are censored by key (pino redact paths); free text is scrubbed
// for the shapes of a TC Kimlik No, a Turkish phone number and a card number.

/** Keys whose values are personal or card data wherever they appear (up to two levels deep). */
const SENSITIVE_KEYS = [
  'tc', 'tckn', 'tcKimlik', 'tcKimlikNo', 'nationalId', 'vkn',
  'phone', 'msisdn', 'gsm', 'telefon',
  'pan', 'cardNumber', 'track2', 'cvv', 'expiry',
  'password', 'passwordHash', 'token', 'authorization',
];

export const REDACT_PATHS: string[] = SENSITIVE_KEYS.flatMap((k) => [k, `*.${k}`, `*.*.${k}`]);

// 11 digits not starting with 0 (TC Kimlik), 13-19 digit card numbers (optionally
// grouped by spaces or dashes), and Turkish mobile numbers (+90 / 0 followed by 5xx).
const PAN = /\b(?:\d[ -]?){12,18}\d\b/g;
const TCKN = /\b[1-9]\d{10}\b/g;
const PHONE = /(?:\+?90|0)?[ (]*5\d{2}[) ]*\d{3}[ -]?\d{2}[ -]?\d{2}\b/g;

export function scrubText(s: string): string {
  return s.replace(PAN, '[REDACTED-PAN]').replace(TCKN, '[REDACTED-TCKN]').replace(PHONE, '[REDACTED-PHONE]');
}
