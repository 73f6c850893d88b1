// Parsers for the status answers of 3GPP TS 27.007 (generic; vendor extras live in
// vendors/). Each returns null for a line it cannot read; the driver counts those
// instead of guessing (DESIGN.md "Bad input gets a clear error and changes nothing").

export type RegState = 'not-registered' | 'home' | 'searching' | 'denied' | 'unknown' | 'roaming' | 'emergency-only';

export type SimState = 'ready' | 'pin-required' | 'puk-required' | 'absent' | 'error' | 'busy' | 'other';

export interface Registration {
  state: RegState;
  /** The raw <stat>. */
  stat: number;
  /** Location area / tracking area code (hex, as the module sent it). */
  area: string | null;
  /** Cell id (hex). */
  cell: string | null;
  act: AccessTech | null;
}

export interface AccessTech {
  /** 27.007 §7.3 <AcT>. */
  code: number;
  name: string;
  generation: '2G' | '3G' | '4G' | '5G';
}

/** 27.007 §7.2 <stat> (the same values serve +CGREG and +CEREG). */
export function regStateName(stat: number): RegState {
  switch (stat) {
    case 0:
      return 'not-registered';
    case 1:
    case 6: // registered for "SMS only", home network
    case 9: // registered for "CSFB not preferred", home
      return 'home';
    case 2:
      return 'searching';
    case 3:
      return 'denied';
    case 5:
    case 7: // "SMS only", roaming
    case 10: // "CSFB not preferred", roaming
      return 'roaming';
    case 8:
      return 'emergency-only';
    default:
      return 'unknown';
  }
}

export const isRegistered = (r: RegState | null | undefined): boolean => r === 'home' || r === 'roaming';

const ACT: Readonly<Record<number, [string, AccessTech['generation']]>> = {
  0: ['GSM', '2G'],
  1: ['GSM Compact', '2G'],
  2: ['UTRAN', '3G'],
  3: ['GSM w/EGPRS', '2G'],
  4: ['UTRAN w/HSDPA', '3G'],
  5: ['UTRAN w/HSUPA', '3G'],
  6: ['UTRAN w/HSDPA and HSUPA', '3G'],
  7: ['E-UTRAN', '4G'],
  8: ['EC-GSM-IoT', '2G'],
  9: ['E-UTRAN (NB-S1)', '4G'],
  10: ['E-UTRA connected to 5GCN', '4G'],
  11: ['NR connected to 5GCN', '5G'],
  12: ['NG-RAN', '5G'],
  13: ['E-UTRA-NR dual connectivity', '5G'],
};

/** 27.007 §7.3 <AcT>. */
export function accessTech(code: number): AccessTech | null {
  const a = ACT[code];
  return a ? { code, name: a[0], generation: a[1] } : null;
}

/** Splits "a,"b,c",d" into fields, keeping quoted commas; quotes are removed. */
export function fields(s: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (const ch of s) {
    if (ch === '"') quoted = !quoted;
    else if (ch === ',' && !quoted) {
      out.push(cur.trim());
      cur = '';
    } else cur += ch;
  }
  out.push(cur.trim());
  return out;
}

/** A small non-negative integer field, or null ("", "x", 1e30 are not one). */
export function int(s: string | undefined, max = 65535): number | null {
  if (s === undefined || !/^\d{1,6}$/.test(s)) return null;
  const n = Number(s);
  return n <= max ? n : null;
}

function after(line: string, prefix: string): string | null {
  return line.startsWith(prefix) ? line.slice(prefix.length).trim() : null;
}

/**
 * "+CREG: <n>,<stat>,..." (the answer to AT+CREG?) versus "+CREG: <stat>,"<lac>",..."
 * (the URC, 27.007 §7.2): in the answer the second field is an unquoted number.
 */
export function isRegAnswer(line: string): boolean {
  const body = line.slice(line.indexOf(':') + 1).trim();
  return /^\d+\s*,\s*\d+(\s*,|$)/.test(body);
}

function regFrom(f: string[]): Registration | null {
  const stat = int(f[0], 255);
  if (stat === null) return null;
  const hex = (s: string | undefined): string | null => (s && /^[0-9A-Fa-f]{1,16}$/.test(s) ? s.toUpperCase() : null);
  const actCode = int(f[3], 255);
  return { state: regStateName(stat), stat, area: hex(f[1]), cell: hex(f[2]), act: actCode === null ? null : accessTech(actCode) };
}

/** 27.007 §7.2 / §10.1.22: the answer form "+CREG: <n>,<stat>[,<lac>,<ci>[,<AcT>]]". */
export function parseRegAnswer(line: string, name: '+CREG' | '+CEREG' | '+CGREG'): Registration | null {
  const body = after(line, `${name}:`);
  if (body === null || !isRegAnswer(line)) return null;
  return regFrom(fields(body).slice(1));
}

/** The URC form "+CREG: <stat>[,<lac>,<ci>[,<AcT>]]". */
export function parseRegUrc(line: string, name: '+CREG' | '+CEREG' | '+CGREG'): Registration | null {
  const body = after(line, `${name}:`);
  if (body === null || isRegAnswer(line)) return null;
  return regFrom(fields(body));
}

export interface Signal {
  /** 27.007 §8.5 <rssi>: 0..31, 99 = unknown. */
  csq: number;
  rssiDbm: number | null;
  /** <ber> 0..7, 99 = unknown. */
  ber: number | null;
}

/** 27.007 §8.5 +CSQ: 0 is -113 dBm or less, 1 is -111, 2..30 are -109..-53 in 2 dB steps, 31 is -51 or more, 99 unknown. */
export function csqToDbm(rssi: number): number | null {
  return Number.isInteger(rssi) && rssi >= 0 && rssi <= 31 ? -113 + 2 * rssi : null;
}

export function parseCsq(line: string): Signal | null {
  const body = after(line, '+CSQ:');
  if (body === null) return null;
  const [a, b] = fields(body);
  const rssi = int(a, 99);
  if (rssi === null || (rssi > 31 && rssi !== 99)) return null;
  const ber = int(b, 99);
  return { csq: rssi, rssiDbm: csqToDbm(rssi), ber: ber === null || ber === 99 || ber > 7 ? null : ber };
}

export interface LteSignal {
  rsrpDbm: number | null;
  rsrqDb: number | null;
  sinrDb: number | null;
  source: 'cesq' | 'qcsq' | 'cpsi';
}

/**
 * 27.007 §8.69 +CESQ: <rxlev>,<ber>,<rscp>,<ecno>,<rsrq>,<rsrp>. RSRQ 0..34 stands
 * for -20 dB (below -19.5) .. -3 dB in 0.5 dB steps, RSRP 0..97 for -141 (below
 * -140) .. -44 dBm; 255 is "not known or not detectable" (no LTE cell).
 */
export function parseCesq(line: string): LteSignal | null {
  const body = after(line, '+CESQ:');
  if (body === null) return null;
  const f = fields(body);
  if (f.length < 6) return null;
  const rsrq = int(f[4], 255);
  const rsrp = int(f[5], 255);
  if (rsrq === null || rsrp === null) return null;
  return {
    rsrqDb: rsrq <= 34 ? -20 + rsrq / 2 : null,
    rsrpDbm: rsrp <= 97 ? -141 + rsrp : null,
    sinrDb: null,
    source: 'cesq',
  };
}

export interface Operator {
  /** 27.007 §7.3 <mode>: 0 automatic, 1 manual, 2 deregistered, 3 set format, 4 manual/automatic. */
  mode: number;
  /** Long alphanumeric (format 0), short (1) or numeric MCC+MNC (2). */
  name: string | null;
  act: AccessTech | null;
}

/** 27.007 §7.3 "+COPS: <mode>[,<format>,<oper>[,<AcT>]]". */
export function parseCops(line: string): Operator | null {
  const body = after(line, '+COPS:');
  if (body === null) return null;
  const f = fields(body);
  const mode = int(f[0], 4);
  if (mode === null) return null;
  const oper = f[2] && f[2].length <= 64 ? f[2] : null;
  const actCode = int(f[3], 255);
  return { mode, name: oper, act: actCode === null ? null : accessTech(actCode) };
}

/** 27.007 §8.3 +CPIN: <code>. Quectel/SIMCom add NOT READY / NOT INSERTED / SIM REMOVED when the SIM goes. */
export function parseCpin(line: string): SimState | null {
  const body = after(line, '+CPIN:');
  if (body === null) return null;
  const code = body.toUpperCase();
  if (code === 'READY') return 'ready';
  if (code === 'SIM PIN' || code === 'PH-SIM PIN') return 'pin-required';
  if (code === 'SIM PUK') return 'puk-required';
  if (code === 'NOT READY' || code === 'NOT INSERTED' || code === 'SIM REMOVED') return 'absent';
  return code === '' ? null : 'other';
}

/** The SIM state a +CME ERROR to AT+CPIN? stands for (27.007 §9.2.1). */
export function simStateFromCme(code: number | null): SimState {
  switch (code) {
    case 10:
      return 'absent';
    case 11:
      return 'pin-required';
    case 12:
      return 'puk-required';
    case 14:
      return 'busy';
    default:
      return 'error';
  }
}

/** 3GPP 23.003 §6.2.1: 14 digits and a Luhn check digit. */
export function parseImei(lines: readonly string[]): string | null {
  for (const l of lines) {
    const m = /^(?:\+CGSN:\s*)?"?(\d{15})"?$/.exec(l);
    if (m && luhnOk(m[1]!)) return m[1]!;
  }
  return null;
}

function luhnOk(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = digits.charCodeAt(digits.length - 1 - i) - 48;
    if (i % 2 === 1) d = d * 2 > 9 ? d * 2 - 9 : d * 2;
    sum += d;
  }
  return sum % 10 === 0;
}

/** ITU-T E.118 ICCID: 18-20 digits (19-20 in practice), "F" padding dropped. Prefixes +CCID/+QCCID/+ICCID or none. */
export function parseIccid(lines: readonly string[]): string | null {
  for (const l of lines) {
    const m = /^(?:\+(?:Q|I)?CCID:\s*)?"?(89\d{16,18})F?"?$/i.exec(l);
    if (m) return m[1]!;
  }
  return null;
}

/**
 * 27.007 §8.18 +CRSM READ BINARY of EF_ICCID (fileid 2FE2, ETSI TS 102 221 §13.2):
 * the digits come nibble-swapped ("98" for "89"), padded with F.
 */
export function parseCrsmIccid(line: string): string | null {
  const body = after(line, '+CRSM:');
  if (body === null) return null;
  const [sw1, , data] = fields(body);
  if (sw1 !== '144' || !data || !/^[0-9A-Fa-f]{18,20}$/.test(data)) return null;
  let out = '';
  for (let i = 0; i + 1 < data.length; i += 2) out += data[i + 1]! + data[i]!;
  return parseIccid([out.replace(/F+$/i, '')]);
}
