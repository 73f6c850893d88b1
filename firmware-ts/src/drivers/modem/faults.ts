// The clocks behind the recovery ladder's faults, all LOCAL health (DESIGN.md
// non-negotiable 3: never HQ reachability): poll cycles without an answer, how long
// the SIM has been gone, how long the module has been off the network with a good
// SIM, and how long the port itself has been gone.
import type { Fault } from './recovery.js';
import type { ModemReadings } from './state.js';
import { bestRegistration } from './state.js';
import { isRegistered } from './status.js';

export interface FaultLimits {
  noResponseCycles: number;
  simGraceMs: number;
  notRegisteredMs: number;
  /** null: no power switch, so a vanished port is left to the transport. */
  portGoneMs: number | null;
}

export class FaultClocks {
  failedCycles = 0;
  simBadSince: number | null = null;
  notRegSince: number | null = null;
  portGoneSince: number | null = null;

  constructor(private readonly limits: FaultLimits) {}

  /** Starts or stops the SIM and registration clocks from the latest readings. */
  track(r: ModemReadings, now: number): void {
    const sim = r.sim?.value;
    const simBad = sim === 'absent' || sim === 'error' || sim === 'busy';
    this.simBadSince = simBad ? (this.simBadSince ?? now) : null;
    const registered = isRegistered(bestRegistration(r.cs?.value, r.eps?.value));
    this.notRegSince = sim === 'ready' && !registered ? (this.notRegSince ?? now) : null;
  }

  /** The fault that is due now, with a reason for health and logs; null when none is. */
  due(now: number, connected: boolean, r: ModemReadings): { fault: Fault; reason: string } | null {
    const secs = (since: number): number => Math.round((now - since) / 1000);
    if (!connected) {
      const limit = this.limits.portGoneMs;
      if (limit !== null && this.portGoneSince !== null && now - this.portGoneSince >= limit) {
        return { fault: 'port-gone', reason: `port gone for ${secs(this.portGoneSince)} s` };
      }
      return null;
    }
    if (this.failedCycles >= this.limits.noResponseCycles) return { fault: 'no-response', reason: `no answer in ${this.failedCycles} poll cycles` };
    if (this.simBadSince !== null && now - this.simBadSince >= this.limits.simGraceMs) {
      return { fault: 'sim', reason: `SIM ${r.sim?.value ?? 'lost'} for ${secs(this.simBadSince)} s` };
    }
    if (this.notRegSince !== null && now - this.notRegSince >= this.limits.notRegisteredMs) {
      return { fault: 'not-registered', reason: `not registered for ${((now - this.notRegSince) / 60_000).toFixed(1)} min` };
    }
    return null;
  }

  /** After a recovery step each running clock starts again: the step gets the fault's full threshold. */
  restart(now: number): void {
    this.failedCycles = 0;
    if (this.simBadSince !== null) this.simBadSince = now;
    if (this.notRegSince !== null) this.notRegSince = now;
    if (this.portGoneSince !== null) this.portGoneSince = now;
  }
}
