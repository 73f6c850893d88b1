// Quectel EC25/EG25 (Quectel "EC2x&EG9x&EM05 Series AT Commands Manual" V2.0):
// AT+QCCID for the ICCID, AT+QCSQ for LTE RSRP/SINR/RSRQ, and the +QIND URCs.
import type { Urc } from '../at-engine.js';
import { csqToDbm, fields, int, parseIccid, type LteSignal } from '../status.js';
import type { RunAt } from '../sms.js';
import type { Vendor, VendorUrcEffect } from './types.js';

/** Signed decimal within bounds, or null. */
function num(s: string | undefined, lo: number, hi: number): number | null {
  if (s === undefined || !/^-?\d{1,4}$/.test(s)) return null;
  const n = Number(s);
  return n >= lo && n <= hi ? n : null;
}

/**
 * +QCSQ: "LTE",<lte_rssi>,<lte_rsrp>,<lte_sinr>,<lte_rsrq>. RSRP in dBm, RSRQ in dB,
 * SINR in 1/5 dB from 0 (-20 dB) to 250 (+30 dB). Other system modes ("NOSERVICE",
 * "GSM", "WCDMA") carry no LTE values.
 */
export function parseQcsq(line: string): LteSignal | null {
  if (!line.startsWith('+QCSQ:')) return null;
  const f = fields(line.slice(6));
  if (f[0] !== 'LTE') return null;
  const sinr = num(f[3], 0, 250);
  return {
    rsrpDbm: num(f[2], -140, -44),
    rsrqDb: num(f[4], -20, -3),
    sinrDb: sinr === null ? null : sinr / 5 - 20,
    source: 'qcsq',
  };
}

export const quectel: Vendor = {
  id: 'quectel',
  async readIccid(run: RunAt): Promise<string | null> {
    const r = await run('AT+QCCID', { prefix: '+QCCID:' });
    return parseIccid(r.lines);
  },
  async readLteSignal(run: RunAt): Promise<LteSignal | null> {
    const r = await run('AT+QCSQ');
    return r.lines.map(parseQcsq).find((x) => x !== null) ?? null;
  },
  onUrc(urc: Urc): VendorUrcEffect | null {
    if (urc.name !== '+QIND') return null;
    const f = fields(urc.line.slice(6));
    if (f[0] === 'SMS DONE') return { smsReady: true };
    // +QIND: "csq",<rssi>,<ber> after AT+QINDCFG="csq",1: the same scale as +CSQ (27.007 §8.5).
    if (f[0] === 'csq') {
      const rssi = int(f[1], 99);
      const ber = int(f[2], 99);
      if (rssi === null || (rssi > 31 && rssi !== 99)) return null;
      return { signal: { csq: rssi, rssiDbm: csqToDbm(rssi), ber: ber === null || ber > 7 ? null : ber } };
    }
    return null;
  },
};
