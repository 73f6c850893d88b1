// What a module vendor adds to the generic 27.007 path: its own ICCID and LTE
// signal commands and its own URCs. Every hook is optional in spirit: the generic
// vendor implements them with standard commands only.
import type { RunAt } from '../sms.js';
import type { Urc } from '../at-engine.js';
import type { LteSignal, Signal } from '../status.js';

export type VendorId = 'quectel' | 'simcom' | 'generic';

/** What a vendor URC tells the driver. */
export interface VendorUrcEffect {
  signal?: Signal;
  /** SMS storage ready after boot (Quectel "+QIND: SMS DONE", SIMCom "SMS DONE"). */
  smsReady?: boolean;
}

export interface Vendor {
  readonly id: VendorId;
  /** The SIM's ICCID, or null when the module cannot tell (no SIM). */
  readIccid(run: RunAt): Promise<string | null>;
  /** RSRP/RSRQ/SINR of the serving LTE cell; null when not on LTE or not reported. */
  readLteSignal(run: RunAt): Promise<LteSignal | null>;
  onUrc(urc: Urc): VendorUrcEffect | null;
}
