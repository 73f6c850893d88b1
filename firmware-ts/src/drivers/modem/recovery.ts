// The recovery ladder (DESIGN.md "Devices", Modem): when the modem's LOCAL health
// fails (no answer to AT, SIM lost, not registered for N minutes; never HQ
// reachability, DESIGN.md non-negotiable 3), take the next step up:
//   probe       AT, a few times (V.250 §6.3: a bare AT must answer OK)
//   cfun-cycle  AT+CFUN=0 then AT+CFUN=1 (27.007 §8.2: minimum, then full functionality)
//   reboot      AT+CFUN=1,1 (27.007 §8.2 <rst>=1: reset the MT first); the USB
//               device re-enumerates, so the transport is reopened
//   power-cycle through a GPIO line, when one is configured
// Each step taken is counted; the driver waits out the fault's own threshold again
// before the next step, and a fully healthy poll resets the ladder to the bottom.
import { AtError } from './at-engine.js';
import type { RunAt } from './sms.js';

export type Fault = 'no-response' | 'sim' | 'not-registered' | 'port-gone';
export type RecoveryStep = 'probe' | 'cfun-cycle' | 'reboot' | 'power-cycle';

export const RECOVERY_STEPS: readonly RecoveryStep[] = ['probe', 'cfun-cycle', 'reboot', 'power-cycle'];

/** Which steps can help with which fault: a modem that answers needs no probe; a vanished port only power. */
const LADDERS: Readonly<Record<Fault, readonly RecoveryStep[]>> = {
  'no-response': RECOVERY_STEPS,
  sim: ['cfun-cycle', 'reboot', 'power-cycle'],
  'not-registered': ['cfun-cycle', 'reboot', 'power-cycle'],
  'port-gone': ['power-cycle'],
};

export interface RecoveryRecord {
  step: RecoveryStep;
  fault: Fault;
  reason: string;
  /** ISO time the step started. */
  at: string;
  /** Whether the modem answered the step's commands (a power cycle: whether the callback succeeded). */
  answered: boolean | null;
}

export class RecoveryLadder {
  readonly counts: Record<RecoveryStep, number> = { probe: 0, 'cfun-cycle': 0, reboot: 0, 'power-cycle': 0 };
  last: RecoveryRecord | null = null;
  private readonly taken = new Set<RecoveryStep>();
  private exhaustedAt: number | null = null;

  constructor(
    private readonly canPowerCycle: boolean,
    /** After the top step failed too, wait this long before climbing again. */
    private readonly restMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** The next step for this fault, or null when every useful step was taken and the ladder rests. */
  next(fault: Fault): RecoveryStep | null {
    if (this.exhaustedAt !== null) {
      if (this.now() - this.exhaustedAt < this.restMs) return null;
      this.reset();
    }
    for (const step of LADDERS[fault]) {
      if (step === 'power-cycle' && !this.canPowerCycle) continue;
      if (!this.taken.has(step)) return step;
    }
    this.exhaustedAt = this.now();
    return null;
  }

  record(step: RecoveryStep, fault: Fault, reason: string): RecoveryRecord {
    this.taken.add(step);
    this.counts[step]++;
    this.last = { step, fault, reason, at: new Date(this.now()).toISOString(), answered: null };
    return this.last;
  }

  /** The modem is healthy again: the next fault starts at the bottom. */
  reset(): void {
    this.taken.clear();
    this.exhaustedAt = null;
  }

  get exhausted(): boolean {
    return this.exhaustedAt !== null;
  }
}

export interface StepContext {
  run: RunAt;
  /** Closes and reopens the port (the module re-enumerates after a reset). */
  reopen(): Promise<void>;
  powerCycle?: () => Promise<void>;
  probeTimeoutMs: number;
  cfunTimeoutMs: number;
}

async function answered(p: Promise<unknown>): Promise<boolean> {
  try {
    await p;
    return true;
  } catch (e) {
    // An ERROR is still an answer: the module's command interpreter is alive.
    return e instanceof AtError;
  }
}

/** Takes one step; resolves with whether the modem (or the power switch) answered. */
export async function runStep(step: RecoveryStep, ctx: StepContext): Promise<boolean> {
  switch (step) {
    case 'probe':
      for (let i = 0; i < 3; i++) if (await answered(ctx.run('AT', { timeoutMs: ctx.probeTimeoutMs }))) return true;
      return false;
    case 'cfun-cycle': {
      // Quectel documents up to 15 s for AT+CFUN; the SIM and RF restart and the module registers anew.
      const off = await answered(ctx.run('AT+CFUN=0', { timeoutMs: ctx.cfunTimeoutMs }));
      const on = await answered(ctx.run('AT+CFUN=1', { timeoutMs: ctx.cfunTimeoutMs }));
      return off && on;
    }
    case 'reboot': {
      const ok = await answered(ctx.run('AT+CFUN=1,1', { timeoutMs: ctx.cfunTimeoutMs }));
      await ctx.reopen();
      return ok;
    }
    case 'power-cycle': {
      if (!ctx.powerCycle) return false;
      let ok = true;
      try {
        await ctx.powerCycle();
      } catch {
        ok = false;
      }
      await ctx.reopen();
      return ok;
    }
  }
}
