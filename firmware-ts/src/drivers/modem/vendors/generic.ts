// The plain 3GPP TS 27.007 module: no vendor command is assumed.
import { parseCesq, parseCrsmIccid, parseIccid, type LteSignal } from '../status.js';
import type { RunAt } from '../sms.js';
import type { Vendor, VendorUrcEffect } from './types.js';

/** ICCID through AT+CCID (widespread though not in 27.007), else the SIM file itself through +CRSM. */
export async function readIccidGeneric(run: RunAt): Promise<string | null> {
  try {
    const r = await run('AT+CCID', { prefix: ['+CCID:', ''] });
    const iccid = parseIccid(r.lines);
    if (iccid) return iccid;
  } catch {
    /* not supported: fall through to +CRSM */
  }
  // 27.007 §8.18 +CRSM=<command>,<fileid>,<P1>,<P2>,<P3>: 176 = READ BINARY, 12258 = EF_ICCID (2FE2), 10 bytes.
  const r = await run('AT+CRSM=176,12258,0,0,10');
  return r.lines.map(parseCrsmIccid).find((x) => x !== null) ?? null;
}

/** 27.007 §8.69 +CESQ: RSRP and RSRQ; 255 in both means no LTE cell. */
export async function readCesq(run: RunAt): Promise<LteSignal | null> {
  const r = await run('AT+CESQ');
  const s = r.lines.map(parseCesq).find((x) => x !== null) ?? null;
  return s && (s.rsrpDbm !== null || s.rsrqDb !== null) ? s : null;
}

export const generic: Vendor = {
  id: 'generic',
  readIccid: readIccidGeneric,
  readLteSignal: readCesq,
  onUrc: (): VendorUrcEffect | null => null,
};
