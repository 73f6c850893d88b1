// What a response line is: a final result code (V.250 §5.7.1; 27.007 §9.2 +CME
// ERROR; 27.005 §3.2.5 +CMS ERROR), an unsolicited result code, or information.
// Errors carry both the number and the text, whichever the module sent: AT+CMEE=2
// (27.007 §9.1) makes it send text, CMEE=1 numbers, CMEE=0 a bare ERROR.

export type AtErrorKind = 'error' | 'cme' | 'cms';

export type FinalResult = { ok: true } | { ok: false; kind: AtErrorKind; code: number | null; text: string | null };

/** 27.007 §9.2.1 (general and SIM errors); the texts are the standard's verbose forms. */
export const CME_ERRORS: Readonly<Record<number, string>> = {
  0: 'phone failure',
  3: 'operation not allowed',
  4: 'operation not supported',
  10: 'SIM not inserted',
  11: 'SIM PIN required',
  12: 'SIM PUK required',
  13: 'SIM failure',
  14: 'SIM busy',
  15: 'SIM wrong',
  16: 'incorrect password',
  20: 'memory full',
  21: 'invalid index',
  22: 'not found',
  23: 'memory failure',
  24: 'text string too long',
  25: 'invalid characters in text string',
  30: 'no network service',
  31: 'network timeout',
  32: 'network not allowed - emergency calls only',
  100: 'unknown',
};

/** 27.005 §3.2.5 <err> values the ME itself reports (below 256 come from the network, 3GPP 24.011). */
export const CMS_ERRORS: Readonly<Record<number, string>> = {
  300: 'ME failure',
  301: 'SMS service of ME reserved',
  302: 'operation not allowed',
  303: 'operation not supported',
  304: 'invalid PDU mode parameter',
  305: 'invalid text mode parameter',
  310: 'SIM not inserted',
  311: 'SIM PIN required',
  313: 'SIM failure',
  314: 'SIM busy',
  320: 'memory failure',
  321: 'invalid memory index',
  322: 'memory full',
  330: 'SMSC address unknown',
  331: 'no network service',
  332: 'network timeout',
  340: 'no +CNMA acknowledgement expected',
  500: 'unknown error',
};

const byText = (table: Readonly<Record<number, string>>): Map<string, number> =>
  new Map(Object.entries(table).map(([k, v]) => [v.toLowerCase(), Number(k)]));
const CME_BY_TEXT = byText(CME_ERRORS);
const CMS_BY_TEXT = byText(CMS_ERRORS);

function errorDetail(rest: string, table: Readonly<Record<number, string>>, texts: Map<string, number>): { code: number | null; text: string | null } {
  const s = rest.trim();
  if (/^\d{1,5}$/.test(s)) {
    const code = Number(s);
    return { code, text: table[code] ?? null };
  }
  if (s === '') return { code: null, text: null };
  return { code: texts.get(s.toLowerCase()) ?? null, text: s.slice(0, 120) };
}

/** A final result code, or null when the line is not one. */
export function finalResult(line: string): FinalResult | null {
  if (line === 'OK') return { ok: true };
  if (line === 'ERROR') return { ok: false, kind: 'error', code: null, text: null };
  if (line.startsWith('+CME ERROR:')) return { ok: false, kind: 'cme', ...errorDetail(line.slice(11), CME_ERRORS, CME_BY_TEXT) };
  if (line.startsWith('+CMS ERROR:')) return { ok: false, kind: 'cms', ...errorDetail(line.slice(11), CMS_ERRORS, CMS_BY_TEXT) };
  return null;
}

/**
 * Unsolicited result codes we know by name. "+NAME:" lines that belong to no
 * running command are URCs whatever their name; this list matters for lines that
 * would otherwise pass as a bare information line (AT+CGSN's IMEI, ATI's text).
 */
const URC_WORDS = new Set([
  'RDY', // Quectel: the module has booted and its AT port is ready
  'RING', // V.250: incoming call
  'NO CARRIER', // V.250: a call ended (also a URC when no ATD is running)
  'POWERED DOWN', // Quectel: after AT+QPOWD, the module is off
  'NORMAL POWER DOWN', // SIMCom: the same
  'UNDER-VOLTAGE POWER DOWN',
  'UNDER-VOLTAGE WARNNING', // sic, SIMCom
  'OVER-VOLTAGE POWER DOWN',
  'SMS DONE', // SIMCom: SMS storage ready
  'PB DONE', // SIMCom: phonebook ready
  'SMS Ready',
  'Call Ready',
]);

const URC_PREFIXES = [
  '+CREG:', // 27.007 §7.2
  '+CGREG:', // 27.007 §10.1.20
  '+CEREG:', // 27.007 §10.1.22
  '+C5GREG:',
  '+CPIN:', // 27.007 §8.3 (Quectel/SIMCom also send it unsolicited on SIM change)
  '+CFUN:', // Quectel after boot
  '+CMTI:', // 27.005 §3.4.1: SMS stored
  '+CMT:', // 27.005 §3.4.1: SMS routed to TE (two lines)
  '+CDS:', // 27.005 §3.4.1: status report (two lines)
  '+CDSI:',
  '+CBM:', // 27.005 §3.4.1: cell broadcast (two lines)
  '+CRING:',
  '+CLIP:',
  '+CUSD:',
  '+CGEV:',
  '+CTZV:',
  '+CTZE:',
  '+QIND:', // Quectel
  '+QUSIM:',
  '+QIURC:',
  '+QGPSURC:',
  '+CPSI:', // SIMCom periodic system info (AT+CPSI=<n>)
  '+CNSMOD:',
  '*ATREADY:',
];

/** The URC's name: "+CREG", "RDY", ... or null when the line is not a known URC. */
export function urcName(line: string): string | null {
  if (URC_WORDS.has(line)) return line;
  for (const p of URC_PREFIXES) if (line.startsWith(p)) return p.slice(0, -1);
  return null;
}

/** The name of any "+NAME:" line, known or not. */
export function plusName(line: string): string | null {
  const m = /^([+*^$#%][A-Z0-9]{1,16}):/i.exec(line);
  return m ? m[1]!.toUpperCase() : null;
}

/** 27.005 §3.4.1: these URCs are a header line followed by a data line. */
export const TWO_LINE_URCS = new Set(['+CMT', '+CDS', '+CBM']);

export function describeFinal(r: FinalResult & { ok: false }): string {
  const label = r.kind === 'error' ? 'ERROR' : r.kind === 'cme' ? '+CME ERROR' : '+CMS ERROR';
  if (r.code !== null && r.text !== null) return `${label}: ${r.code} (${r.text})`;
  return r.code !== null ? `${label}: ${r.code}` : r.text !== null ? `${label}: ${r.text}` : label;
}
