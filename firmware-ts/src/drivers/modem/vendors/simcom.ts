// SIMCom SIM7600 series ("SIM7500_SIM7600 Series AT Command Manual" V3.00): AT+CICCID
// for the ICCID, AT+CPSI? for the serving cell's LTE values, bare "SMS DONE" URC.
import type { Urc } from '../at-engine.js';
import { fields, parseIccid, type LteSignal } from '../status.js';
import type { RunAt } from '../sms.js';
import type { Vendor, VendorUrcEffect } from './types.js';

function tenths(s: string | undefined, lo: number, hi: number): number | null {
  if (s === undefined || !/^-?\d{1,5}$/.test(s)) return null;
  const n = Number(s) / 10;
  return n >= lo && n <= hi ? n : null;
}

/**
 * +CPSI: LTE,<op mode>,<MCC>-<MNC>,<TAC>,<SCellID>,<PCellID>,<band>,<earfcn>,<dlbw>,
 * <ulbw>,<RSRQ>,<RSRP>,<RSSI>,<RSSNR>. RSRQ/RSRP/RSSI come in tenths (the manual's
 * example: -94,-850,-545 for -9.4 dB, -85 dBm, -54.5 dBm); SINR = 2 * RSSNR - 20 dB.
 */
export function parseCpsiLte(line: string): LteSignal | null {
  if (!line.startsWith('+CPSI:')) return null;
  const f = fields(line.slice(6));
  if (f[0] !== 'LTE' || f.length < 14) return null;
  const rssnr = f[13] !== undefined && /^-?\d{1,3}$/.test(f[13]) ? Number(f[13]) : null;
  const sinr = rssnr === null ? null : 2 * rssnr - 20;
  return {
    rsrqDb: tenths(f[10], -20, -3),
    rsrpDbm: tenths(f[11], -140, -44),
    sinrDb: sinr !== null && sinr >= -20 && sinr <= 30 ? sinr : null,
    source: 'cpsi',
  };
}

export const simcom: Vendor = {
  id: 'simcom',
  async readIccid(run: RunAt): Promise<string | null> {
    const r = await run('AT+CICCID', { prefix: '+ICCID:' });
    return parseIccid(r.lines);
  },
  async readLteSignal(run: RunAt): Promise<LteSignal | null> {
    const r = await run('AT+CPSI?');
    return r.lines.map(parseCpsiLte).find((x) => x !== null) ?? null;
  },
  onUrc(urc: Urc): VendorUrcEffect | null {
    return urc.name === 'SMS DONE' ? { smsReady: true } : null;
  },
};
