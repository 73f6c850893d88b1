// KVKK (DESIGN.md non-negotiable 6): personal data never reaches the logs in clear.
// Structured fields are censored by key (pino redact paths); free text is scrubbed
// for the shapes of a TC Kimlik No, a Turkish phone number and a card number.

/** Keys whose values are personal or card data wherever they appear (up to two levels deep). */
const SENSITIVE_KEYS = [
  'tc', 'tckn', 'tcKimlik', 'tcKimlikNo', 'nationalId', 'vkn',
  'phone', 'msisdn', 'gsm', 'telefon', 'e164',
  // A request's citizen block (name, phone, TC Kimlik No, address, e-mail) as a whole, and its parts.
  'citizen', 'email', 'eposta', 'tcknHmac',
  // Keys of the TC Kimlik No HMAC and cipher (requests.kvkk).
  'hmacKey', 'encryptionKey',
  'pan', 'cardNumber', 'track2', 'cvv', 'expiry',
  'password', 'passwordHash', 'token', 'authorization',
];

export const REDACT_PATHS: string[] = SENSITIVE_KEYS.flatMap((k) => [k, `*.${k}`, `*.*.${k}`]);

// 11 digits not starting with 0 (TC Kimlik), 13-19 digit card numbers (optionally
// grouped by spaces or dashes), and Turkish mobile numbers (+90 / 0 followed by 5xx).
const PAN = /\b(?:\d[ -]?){12,18}\d\b/g;
// Digit boundaries, not \b: "x38416745222" (a V8 JSON error quoting input) has no word boundary before the 3.
const TCKN = /(?<!\d)[1-9]\d{10}(?!\d)/g;
const PHONE = /(?:\+?90|0)?[ (]*5\d{2}[) ]*\d{3}[ -]?\d{2}[ -]?\d{2}\b/g;

/**
 * Scrubs the string values at the top level of a log object (`{ reason: '...' }`, `{ err: '...' }`):
 * error messages can quote input (a JSON parse error quotes the payload, an AT error its command).
 */
export function scrubFields(o: object): object {
  let out: Record<string, unknown> | null = null;
  for (const [k, v] of Object.entries(o)) {
    if (typeof v !== 'string') continue;
    const clean = scrubText(v);
    if (clean === v) continue;
    out ??= { ...(o as Record<string, unknown>) };
    out[k] = clean;
  }
  return out ?? o;
}

export function scrubText(s: string): string {
  return s.replace(PAN, '[REDACTED-PAN]').replace(TCKN, '[REDACTED-TCKN]').replace(PHONE, '[REDACTED-PHONE]');
}
