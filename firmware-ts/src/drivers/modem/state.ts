// The modem's published state (retained on vim/state/modem and
// vim/state/device/modem by whoever wires onState) and the health it implies.
// Every reading carries the time it was read: after an unplug the last values
// stay, visibly old, instead of passing as current (DESIGN.md "Contracts": a
// silent modem is a fault).
import type { HealthState } from '../../lifecycle.js';
import type { RecoveryRecord, RecoveryStep } from './recovery.js';
import { isRegistered, type LteSignal, type Operator, type Registration, type RegState, type Signal, type SimState } from './status.js';
import type { VendorId } from './vendors/index.js';

export interface Reading<T> {
  value: T;
  /** ISO time it was read (or heard, for a URC). */
  at: string;
}

export interface ModemIdentity {
  manufacturer: string | null;
  model: string | null;
  revision: string | null;
}

/** Values read from the module; each one replaced whole when read again. */
export interface ModemReadings {
  identity: Reading<ModemIdentity> | null;
  imei: Reading<string> | null;
  iccid: Reading<string> | null;
  sim: Reading<SimState> | null;
  signal: Reading<Signal> | null;
  /** LTE RSRP/RSRQ/SINR (CESQ, or the vendor's QCSQ/CPSI); null value: not on LTE. */
  lte: Reading<LteSignal | null> | null;
  /** Circuit-switched registration, +CREG (27.007 §7.2). */
  cs: Reading<Registration> | null;
  /** EPS (LTE) registration, +CEREG (27.007 §10.1.22). */
  eps: Reading<Registration> | null;
  operator: Reading<Operator> | null;
}

export const emptyReadings = (): ModemReadings => ({
  identity: null, imei: null, iccid: null, sim: null, signal: null, lte: null, cs: null, eps: null, operator: null,
});

export interface ModemState extends ModemReadings {
  port: string;
  /** The port is open. */
  connected: boolean;
  /** The module answered its last command. */
  responsive: boolean;
  /** Connected, responsive, and a full poll finished within two poll intervals. */
  fresh: boolean;
  vendor: VendorId | null;
  /** The better of cs and eps: a module on LTE alone is registered through EPS only. */
  registration: RegState | null;
  /** ISO time of the last complete poll. */
  lastPollAt: string | null;
  recovery: {
    running: RecoveryStep | null;
    exhausted: boolean;
    last: RecoveryRecord | null;
    counts: Record<RecoveryStep, number>;
  };
}

const REG_RANK: Record<RegState, number> = {
  home: 6, roaming: 5, searching: 4, denied: 3, 'emergency-only': 2, 'not-registered': 1, unknown: 0,
};

export function bestRegistration(cs: Registration | undefined, eps: Registration | undefined): RegState | null {
  if (!cs && !eps) return null;
  if (!cs) return eps!.state;
  if (!eps) return cs.state;
  return REG_RANK[eps.state] >= REG_RANK[cs.state] ? eps.state : cs.state;
}

export interface HealthContext {
  started: boolean;
  transportDetail: string;
  notRegisteredForMs: number | null;
}

/** The health a state implies, worst cause first. */
export function judge(s: ModemState, ctx: HealthContext): { state: HealthState; detail: string } {
  const base = ((): { state: HealthState; detail: string } => {
    if (!ctx.started) return { state: 'absent', detail: 'not started' };
    if (!s.connected) return { state: 'failed', detail: `port not open (${ctx.transportDetail})` };
    if (s.recovery.running) return { state: 'degraded', detail: `recovering: ${s.recovery.running} (${s.recovery.last?.reason ?? ''})` };
    if (!s.responsive) return { state: 'failed', detail: 'modem not answering AT commands' };
    const sim = s.sim?.value;
    if (sim && sim !== 'ready') return { state: 'failed', detail: `SIM ${sim}` };
    if (!sim) return { state: 'degraded', detail: 'initializing' };
    if (!isRegistered(s.registration)) {
      const mins = ctx.notRegisteredForMs === null ? '' : ` for ${(ctx.notRegisteredForMs / 60_000).toFixed(1)} min`;
      return { state: 'degraded', detail: `not registered (${s.registration ?? 'unknown'})${mins}` };
    }
    const op = s.operator?.value.name ?? 'unknown operator';
    const act = s.operator?.value.act?.name ?? s.eps?.value.act?.name ?? s.cs?.value.act?.name ?? '';
    const dbm = s.signal?.value.rssiDbm;
    return { state: 'ok', detail: `registered (${s.registration}) on ${op}${act ? `, ${act}` : ''}${dbm == null ? '' : `, ${dbm} dBm`}` };
  })();
  const last = s.recovery.last;
  if (!last || base.state === 'absent') return base;
  const tail = s.recovery.exhausted ? '; recovery ladder exhausted, resting' : '';
  return { state: base.state, detail: `${base.detail}; last recovery: ${last.step} at ${last.at} (${last.reason})${tail}` };
}
