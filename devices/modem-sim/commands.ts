// The modem simulator's command interpreter: one AT command line in, the exact
// response lines a Quectel EC25 (firmware EC25EFAR06A06M4G) gives out, or with
// `family: 'simcom'` a SIMCom SIM7600 ("SIM7500_SIM7600 Series AT Command Manual"
// V3.00: +CICCID, +CPSI?, no Quectel +Q commands). Pure apart
// from the state object it reads and changes; the framing (echo, CR LF, the "> "
// prompt, URCs) is index.ts's job. Deliberately independent of the driver's code,
// so a bug on one side cannot cancel a bug on the other.

export interface SimModemState {
  /** Whose vendor commands and boot URCs the module speaks. */
  family: 'quectel' | 'simcom';
  sim: 'ready' | 'absent' | 'pin';
  /** 27.007 §7.2 <stat> reported while the radio is on and the SIM ready. */
  regStat: number;
  /** 27.007 §7.3 <AcT>: 7 = E-UTRAN. */
  act: number;
  lac: string;
  ci: string;
  /** 27.007 §8.5 <rssi> 0..31 or 99, and <ber>. */
  csq: number;
  ber: number;
  lte: { rssi: number; rsrp: number; rsrq: number; sinr: number };
  operator: string;
  operatorNumeric: string;
  imei: string;
  iccid: string;
  manufacturer: string;
  model: string;
  revision: string;
}

/** A registered EC25 on Turkcell LTE (MCC 286, MNC 01); the IMEI passes the Luhn check. */
export const DEFAULT_STATE: SimModemState = {
  family: 'quectel', sim: 'ready', regStat: 1, act: 7, lac: '2F1A', ci: '01A2B3C4', csq: 20, ber: 99,
  lte: { rssi: -65, rsrp: -92, rsrq: -10, sinr: 13 },
  operator: 'TR TURKCELL', operatorNumeric: '28601',
  imei: '867698041234561', iccid: '89900112345678901234',
  manufacturer: 'Quectel', model: 'EC25', revision: 'EC25EFAR06A06M4G',
};

/** The same network seen by a SIMCom SIM7600E-H (what ATI and +CGMI/+CGMM/+CGMR say); the IMEI passes the Luhn check. */
export const SIM7600_STATE: SimModemState = {
  ...DEFAULT_STATE,
  family: 'simcom', imei: '862499041234569', manufacturer: 'SIMCOM INCORPORATED', model: 'SIMCOM_SIM7600E-H', revision: 'SIM7600M22_V2.0',
};

/** Settings a reboot returns to the EC25's factory defaults. */
export interface SimSettings {
  echo: boolean;
  cmee: 0 | 1 | 2;
  cregN: number;
  ceregN: number;
  copsFormat: number;
  cscs: 'GSM' | 'IRA' | 'UCS2';
  cmgf: 0 | 1;
  dcs: number;
  cfun: number;
  /** The radio just came on and is still looking for the network (reported as <stat> 2). */
  searching: boolean;
}

export const defaultSettings = (): SimSettings => ({
  echo: true, cmee: 1, cregN: 0, ceregN: 0, copsFormat: 0, cscs: 'GSM', cmgf: 0, dcs: 0, cfun: 1, searching: true,
});

export type Outcome =
  | { kind: 'reply'; lines: string[]; final: string }
  /** AT+CMGS accepted: send "> " and collect the text. */
  | { kind: 'prompt'; number: string }
  /** The command was answered and then the modem resets (AT+CFUN=1,1). */
  | { kind: 'reboot'; lines: string[]; final: string };

/** 27.007 §9.2 texts for the errors we produce. */
const CME_TEXT: Record<number, string> = {
  3: 'operation not allowed',
  4: 'operation not supported',
  10: 'SIM not inserted',
  11: 'SIM PIN required',
  13: 'SIM failure',
  30: 'no network service',
  50: 'Incorrect parameters',
};

export function cmeError(s: SimSettings, code: number): string {
  if (s.cmee === 0) return 'ERROR';
  return s.cmee === 1 ? `+CME ERROR: ${code}` : `+CME ERROR: ${CME_TEXT[code] ?? 'unknown'}`;
}

const ok = (lines: string[] = []): Outcome => ({ kind: 'reply', lines, final: 'OK' });
const fail = (final = 'ERROR'): Outcome => ({ kind: 'reply', lines: [], final });

/** The <stat> the modem reports now: nothing while the radio is off or the SIM is not ready, 2 while searching. */
export function effectiveStat(st: SimModemState, s: SimSettings): number {
  if (s.cfun !== 1 || st.sim !== 'ready') return 0;
  return s.searching && st.regStat !== 0 ? 2 : st.regStat;
}

const registered = (stat: number): boolean => stat === 1 || stat === 5;

/** "+CREG: ..." / "+CEREG: ..." in answer form (with <n>) or URC form (without). */
export function regLine(name: '+CREG' | '+CEREG', n: number, stat: number, st: SimModemState, urc: boolean): string {
  const loc = n >= 2 && registered(stat) ? `,"${st.lac}","${st.ci}",${st.act}` : '';
  return urc ? `${name}: ${stat}${loc}` : `${name}: ${n},${stat}${loc}`;
}

function setting(arg: string, allowed: readonly number[]): number | null {
  const n = /^\d{1,3}$/.test(arg) ? Number(arg) : NaN;
  return allowed.includes(n) ? n : null;
}

function decodeUcs2(hex: string): string | null {
  if (!/^([0-9A-Fa-f]{4})*$/.test(hex)) return null;
  return Buffer.from(hex, 'hex').swap16().toString('utf16le');
}

/** Reads a string argument in the current character set (27.007 §5.5). */
export function decodeCharset(s: SimSettings, value: string): string | null {
  return s.cscs === 'UCS2' ? decodeUcs2(value) : value;
}

export function execute(line: string, st: SimModemState, s: SimSettings): Outcome {
  const cmd = line.slice(2);
  const upper = cmd.toUpperCase();
  const simErr = st.sim === 'absent' ? 10 : st.sim === 'pin' ? 11 : 0;
  const stat = effectiveStat(st, s);
  let m: RegExpExecArray | null;

  if (upper === '') return ok();
  if ((m = /^E([01]?)$/.exec(upper))) {
    s.echo = m[1] === '1';
    return ok();
  }
  if (upper === 'I') return ok([st.manufacturer, st.model, `Revision: ${st.revision}`]);
  if (upper === '+CGMI' || upper === '+GMI') return ok([st.manufacturer]);
  if (upper === '+CGMM' || upper === '+GMM') return ok([st.model]);
  if (upper === '+CGMR' || upper === '+GMR') return ok([st.revision]);
  if (upper === '+CGSN' || upper === '+GSN') return ok([st.imei]);
  if ((m = /^\+CMEE=(\d+)$/.exec(upper))) {
    const n = setting(m[1]!, [0, 1, 2]);
    if (n === null) return fail(cmeError(s, 50));
    s.cmee = n as 0 | 1 | 2;
    return ok();
  }
  if (upper === '+CMEE?') return ok([`+CMEE: ${s.cmee}`]);
  if (upper === '+CPIN?') {
    if (simErr === 10) return fail(cmeError(s, 10));
    return ok([`+CPIN: ${st.sim === 'pin' ? 'SIM PIN' : 'READY'}`]);
  }
  if (st.family === 'simcom') {
    const v = simcomCommand(upper, st, s, simErr, stat);
    if (v) return v;
    // A SIM7600 knows none of Quectel's +Q commands.
    if (upper.startsWith('+Q')) return fail();
  }
  if (upper === '+QCCID') return simErr === 10 ? fail(cmeError(s, 10)) : ok([`+QCCID: ${st.iccid}`]);
  if (upper === '+CRSM=176,12258,0,0,10') {
    if (simErr === 10) return fail(cmeError(s, 10));
    // EF_ICCID as stored on the card: nibble-swapped BCD, padded with F (ETSI TS 102 221 §13.2).
    const padded = st.iccid.padEnd(20, 'F');
    let swapped = '';
    for (let i = 0; i < 20; i += 2) swapped += padded[i + 1]! + padded[i]!;
    return ok([`+CRSM: 144,0,"${swapped}"`]);
  }
  if (upper === '+CSQ') return ok([s.cfun !== 1 ? '+CSQ: 99,99' : `+CSQ: ${st.csq},${st.ber}`]);
  if (upper === '+QCSQ') {
    if (!registered(stat) || st.act !== 7) return ok(['+QCSQ: "NOSERVICE"']);
    const l = st.lte;
    return ok([`+QCSQ: "LTE",${l.rssi},${l.rsrp},${Math.round((l.sinr + 20) * 5)},${l.rsrq}`]);
  }
  if (upper === '+CESQ') {
    if (!registered(stat) || st.act !== 7) return ok(['+CESQ: 99,99,255,255,255,255']);
    const rsrq = Math.max(0, Math.min(34, Math.round((st.lte.rsrq + 20) * 2)));
    const rsrp = Math.max(0, Math.min(97, st.lte.rsrp + 141));
    return ok([`+CESQ: 99,99,255,255,${rsrq},${rsrp}`]);
  }
  if ((m = /^\+(CREG|CEREG)=(\d+)$/.exec(upper))) {
    const n = setting(m[2]!, m[1] === 'CREG' ? [0, 1, 2] : [0, 1, 2, 3, 4, 5]);
    if (n === null) return fail(cmeError(s, 50));
    if (m[1] === 'CREG') s.cregN = n;
    else s.ceregN = n;
    return ok();
  }
  if (upper === '+CREG?') return ok([regLine('+CREG', s.cregN, stat, st, false)]);
  if (upper === '+CEREG?') return ok([regLine('+CEREG', s.ceregN, stat, st, false)]);
  if ((m = /^\+COPS=3,(\d)$/.exec(upper))) {
    const f = setting(m[1]!, [0, 1, 2]);
    if (f === null) return fail(cmeError(s, 50));
    s.copsFormat = f;
    return ok();
  }
  if (upper === '+COPS?') {
    if (!registered(stat)) return ok(['+COPS: 0']);
    const name = s.copsFormat === 2 ? st.operatorNumeric : st.operator;
    return ok([`+COPS: 0,${s.copsFormat},"${name}",${st.act}`]);
  }
  if (upper === '+CFUN?') return ok([`+CFUN: ${s.cfun}`]);
  if ((m = /^\+CFUN=(\d)(?:,([01]))?$/.exec(upper))) {
    const fun = setting(m[1]!, [0, 1, 4]);
    if (fun === null) return fail(cmeError(s, 50));
    if (m[2] === '1') return fun === 1 ? { kind: 'reboot', lines: [], final: 'OK' } : fail(cmeError(s, 50));
    s.cfun = fun;
    return ok();
  }
  if ((m = /^\+CMGF=(\d)$/.exec(upper))) {
    const f = setting(m[1]!, [0, 1]);
    if (f === null) return fail(cmeError(s, 50));
    s.cmgf = f as 0 | 1;
    return ok();
  }
  if ((m = /^\+CSCS="(GSM|IRA|UCS2)"$/.exec(upper))) {
    s.cscs = m[1] as SimSettings['cscs'];
    return ok();
  }
  if (upper === '+CSCS?') return ok([`+CSCS: "${s.cscs}"`]);
  if ((m = /^\+CSMP=(\d{1,3}),(\d{1,3}),(\d{1,3}),(\d{1,3})$/.exec(upper))) {
    s.dcs = Number(m[4]);
    return ok();
  }
  if (/^\+CNMI=[\d,]+$/.test(upper) || /^\+QINDCFG=/.test(upper) || /^\+QURCCFG=/.test(upper)) return ok();
  if ((m = /^\+CMGS="([^"]{1,80})"(?:,(\d{3}))?$/i.exec(cmd))) {
    // 27.005 §3.5.1; PDU mode (CMGF=0) is outside the simulated subset.
    if (s.cmgf !== 1) return fail('+CMS ERROR: 304');
    if (st.sim !== 'ready') return fail('+CMS ERROR: 310');
    const number = decodeCharset(s, m[1]!);
    if (number === null || !/^\+?\d{3,20}$/.test(number)) return fail('+CMS ERROR: 305');
    return { kind: 'prompt', number };
  }
  return fail();
}

/** SIM7600 manual V3.00 §4.2.x: +CICCID (the ICCID) and +CPSI? (the serving cell, LTE values in tenths). */
function simcomCommand(upper: string, st: SimModemState, s: SimSettings, simErr: number, stat: number): Outcome | null {
  if (upper === '+CICCID') return simErr === 10 ? fail(cmeError(s, 10)) : ok([`+ICCID: ${st.iccid}`]);
  if (upper === '+CPSI?') {
    if (!registered(stat)) return ok(['+CPSI: NO SERVICE,Online']);
    if (st.act !== 7) return ok([`+CPSI: GSM,Online,${st.operatorNumeric.slice(0, 3)}-${st.operatorNumeric.slice(3)},0x${st.lac},${parseInt(st.ci, 16)},EGSM 900,${st.csq},0,0`]);
    const l = st.lte;
    // <RSRQ>,<RSRP>,<RSSI> in tenths of dB/dBm; <RSSNR> such that SINR = 2 * RSSNR - 20 (manual's example and note).
    const tenth = (v: number) => String(Math.round(v * 10));
    const rssnr = Math.round((l.sinr + 20) / 2);
    return ok([`+CPSI: LTE,Online,${st.operatorNumeric.slice(0, 3)}-${st.operatorNumeric.slice(3)},0x${st.lac},${parseInt(st.ci, 16)},123,EUTRAN-BAND3,1300,5,5,${tenth(l.rsrq)},${tenth(l.rsrp)},${tenth(l.rssi)},${rssnr}`]);
  }
  return null;
}
