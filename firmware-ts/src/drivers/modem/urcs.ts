// What an unsolicited result code changes in the modem's readings (27.007 §7.2
// +CREG, §10.1.22 +CEREG, §8.3 +CPIN; 27.005 §3.4.1 +CMTI; Quectel RDY/POWERED
// DOWN; vendor URCs through the vendor file). Pure: the driver acts on the result.
import type { Urc } from './at-types.js';
import { bestRegistration, type ModemReadings } from './state.js';
import { isRegistered, parseCpin, parseRegUrc } from './status.js';
import type { Vendor } from './vendors/index.js';

export type UrcEffect =
  | { kind: 'none' }
  /** Readings changed; `registeredChanged` when the module went on or off the network. */
  | { kind: 'readings'; registeredChanged: boolean }
  /** The module (re)booted: its settings are back to defaults, initialise again. */
  | { kind: 'booted' }
  | { kind: 'powered-down' }
  | { kind: 'sms-received' };

export function applyUrc(u: Urc, r: ModemReadings, vendor: Vendor | null): UrcEffect {
  const at = new Date(u.at).toISOString();
  switch (u.name) {
    case '+CREG':
    case '+CEREG': {
      const reg = parseRegUrc(u.line, u.name);
      if (!reg) return { kind: 'none' };
      const was = isRegistered(bestRegistration(r.cs?.value, r.eps?.value));
      if (u.name === '+CREG') r.cs = { value: reg, at };
      else r.eps = { value: reg, at };
      return { kind: 'readings', registeredChanged: was !== isRegistered(bestRegistration(r.cs?.value, r.eps?.value)) };
    }
    case '+CPIN': {
      const sim = parseCpin(u.line);
      if (!sim) return { kind: 'none' };
      if (sim === 'ready' && r.sim?.value !== 'ready') r.iccid = null; // perhaps another card: read it again
      r.sim = { value: sim, at };
      return { kind: 'readings', registeredChanged: false };
    }
    case 'RDY':
      return { kind: 'booted' };
    case 'POWERED DOWN':
    case 'NORMAL POWER DOWN':
      return { kind: 'powered-down' };
    case '+CMTI':
      return { kind: 'sms-received' };
    default: {
      const effect = vendor?.onUrc(u);
      if (!effect?.signal) return { kind: 'none' };
      r.signal = { value: effect.signal, at };
      return { kind: 'readings', registeredChanged: false };
    }
  }
}
