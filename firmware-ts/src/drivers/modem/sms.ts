// Sending one SMS in text mode (3GPP TS 27.005 §3): plain ASCII goes as GSM 7-bit
// through the IRA character set; anything else (Turkish ğüşıöçİĞÜŞÖÇ, line breaks)
// goes as UCS2, which in text mode means hex-encoded UTF-16BE for both the text and
// the destination number (27.007 §5.5 +CSCS="UCS2"), with <dcs>=8 set by +CSMP.
// Used to send citizens their tracking numbers; one message, no concatenation
// (that needs PDU mode and a user data header, 3GPP 23.040 §9.2.3.24.1).
import type { AtCommandOptions, AtResponse } from './at-engine.js';
import { int } from './status.js';

export type RunAt = (command: string, opts?: AtCommandOptions) => Promise<AtResponse>;

export class SmsInputError extends Error {
  constructor(
    readonly field: 'number' | 'text',
    message: string,
  ) {
    super(`${field}: ${message}`);
    this.name = 'SmsInputError';
  }
}

export type SmsEncoding = 'gsm7' | 'ucs2';

/** 3GPP 23.040 §9.2.3.24 / 23.038: one SMS holds 160 GSM 7-bit characters or 70 UCS2 characters. */
export const MAX_GSM7 = 160;
export const MAX_UCS2 = 70;

/** 27.005 §3.5.1: the network may take this long to accept a message. */
export const CMGS_TIMEOUT_MS = 120_000;

/**
 * The destination as E.164 with "+": "+905321234567" as given, or a Turkish mobile
 * number written nationally, "05321234567" (ITU-T E.164 country code 90). Spaces
 * between digit groups are allowed; anything else is refused.
 */
export function normalizeNumber(input: string): string {
  const s = input.replace(/ /g, '');
  if (/^\+[1-9]\d{6,14}$/.test(s)) return s;
  if (/^05\d{9}$/.test(s)) return `+90${s.slice(1)}`;
  throw new SmsInputError('number', `${JSON.stringify(input.slice(0, 32))} is neither E.164 (+905321234567) nor a Turkish mobile number (05321234567)`);
}

/**
 * Printable ASCII characters that are also in the GSM 7-bit default alphabet
 * (3GPP 23.038 §6.2.1), so IRA → GSM conversion in the module is exact. [ ] { } \ ^ ~ |
 * are only in the extension table (two septets, support varies) and ` in none: UCS2.
 */
const GSM7_SAFE = /^[A-Za-z0-9 !"#$%&'()*+,\-./:;<=>?@_]*$/;

export function chooseEncoding(text: string): SmsEncoding {
  return GSM7_SAFE.test(text) ? 'gsm7' : 'ucs2';
}

/** UCS2 as 27.007 §5.5 writes it: four hex digits per UTF-16 code unit, big-endian. */
export function ucs2Hex(text: string): string {
  let out = '';
  for (let i = 0; i < text.length; i++) out += text.charCodeAt(i).toString(16).toUpperCase().padStart(4, '0');
  return out;
}

/** C0 controls and DEL, except line feed: Ctrl-Z or ESC would end or cancel the message early. */
function hasControl(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if ((c < 0x20 && c !== 0x0a) || c === 0x7f) return true;
  }
  return false;
}

export interface SmsPlan {
  number: string;
  encoding: SmsEncoding;
  /** The text exactly as typed after the prompt (IRA or UCS2 hex). */
  body: string;
}

export function planSms(number: string, text: string): SmsPlan {
  const to = normalizeNumber(number);
  if (typeof text !== 'string' || text.length === 0) throw new SmsInputError('text', 'is empty');
  if (hasControl(text)) throw new SmsInputError('text', 'has a control character (only line breaks are allowed)');
  const encoding = chooseEncoding(text);
  if (encoding === 'gsm7' && text.length > MAX_GSM7) throw new SmsInputError('text', `is ${text.length} characters; one SMS holds ${MAX_GSM7}`);
  if (encoding === 'ucs2' && text.length > MAX_UCS2) {
    throw new SmsInputError('text', `is ${text.length} characters with non-GSM letters (UCS2); one SMS holds ${MAX_UCS2}`);
  }
  return { number: to, encoding, body: encoding === 'gsm7' ? text : ucs2Hex(text) };
}

/**
 * Runs the 27.005 text-mode sequence. The caller holds the modem's lock, so no poll
 * runs while the character set is UCS2 (its answers would come hex-encoded).
 */
export async function sendPlannedSms(run: RunAt, plan: SmsPlan, timeoutMs = CMGS_TIMEOUT_MS): Promise<{ ref: number }> {
  await run('AT+CMGF=1'); // 27.005 §3.2.3: text mode
  const ucs2 = plan.encoding === 'ucs2';
  await run(ucs2 ? 'AT+CSCS="UCS2"' : 'AT+CSCS="IRA"'); // 27.007 §5.5
  try {
    // 27.005 §3.3.2 +CSMP=<fo>,<vp>,<pid>,<dcs>: 17 = SMS-SUBMIT with relative validity,
    // 167 = 24 hours, pid 0, dcs 0 = GSM 7-bit / 8 = UCS2 (3GPP 23.038 §4).
    await run(`AT+CSMP=17,167,0,${ucs2 ? 8 : 0}`);
    const da = ucs2 ? ucs2Hex(plan.number) : plan.number;
    // 27.005 §3.5.1 +CMGS=<da>[,<toda>]: 145 = international number; "> " prompt, text, Ctrl-Z.
    const res = await run(`AT+CMGS="${da}",145`, { body: plan.body, timeoutMs, prefix: '+CMGS:' });
    const mr = int(res.lines[0]?.slice(6).trim(), 255);
    if (mr === null) throw new Error(`AT+CMGS: OK without a readable message reference (${JSON.stringify(res.lines[0] ?? '')})`);
    return { ref: mr };
  } finally {
    // Back to IRA so status answers (operator names) are plain text again.
    if (ucs2) await run('AT+CSCS="IRA"').catch(() => undefined);
  }
}
