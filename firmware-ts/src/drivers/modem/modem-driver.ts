// The cellular modem as a Part (DESIGN.md "Contracts", "Devices"): owns the port
// (a Transport, which reconnects by itself), initialises the module after every
// open, polls its status, sends SMS, and climbs the recovery ladder when the
// module's own health fails. Publishing is a callback: the caller maps it to
// vim/state/modem and vim/state/device/modem.
import type { Logger } from 'pino';
import { HealthTracker, type Health, type Part } from '../../lifecycle.js';
import { Transport } from '../../transport/transport.js';
import { AtEngine, AtAbortedError, AtError, AtTimeoutError, type AtCommandOptions, type AtResponse, type Urc } from './at-engine.js';
import { FaultClocks } from './faults.js';
import { Mutex } from './mutex.js';
import { DEFAULT_TIMINGS, ModemUnavailableError, type ModemConfig, type ModemDriverDeps, type ModemTimings } from './options.js';
import { initModem, pollStatus, type PollFlags } from './poll.js';
import { RecoveryLadder, runStep, type RecoveryStep } from './recovery.js';
import { planSms, sendPlannedSms, type SmsEncoding } from './sms.js';
import { bestRegistration, emptyReadings, judge, type ModemReadings, type ModemState } from './state.js';
import { applyUrc } from './urcs.js';
import { VENDORS, type Vendor } from './vendors/index.js';
import { monoMs } from '../../platform/mono.js';

export { DEFAULT_TIMINGS, ModemUnavailableError, type ModemConfig, type ModemDriverDeps, type ModemTimings } from './options.js';
export type { ModemState } from './state.js';

export class ModemDriver implements Part {
  readonly name = 'modem';
  readonly transport: Transport;
  private readonly engine: AtEngine;
  private readonly lock = new Mutex();
  private readonly ladder: RecoveryLadder;
  private readonly tracker = new HealthTracker('absent', 'not started');
  private readonly t: ModemTimings;
  private readonly log: Logger;
  private r: ModemReadings = emptyReadings();
  private vendor: Vendor | null = null;
  private flags: PollFlags = { noLte: false, noEps: false };
  private running = false;
  private initialized = false;
  private responsive = false;
  private lastPollAt: number | null = null;
  /** The same instant on the monotonic clock, for freshness (platform/mono.ts). */
  private lastPollMono: number | null = null;
  private timer: NodeJS.Timeout | null = null;
  private ticking: Promise<void> | null = null;
  private tickAgain = false;
  private recovering: RecoveryStep | null = null;
  private readonly clocks: FaultClocks;
  private readonly counters = { polls: 0, noAnswerCycles: 0, inits: 0, boots: 0, unreadable: 0, pollErrors: 0, smsSent: 0, smsFailed: 0, smsReceived: 0 };

  constructor(
    private readonly config: ModemConfig,
    private readonly deps: ModemDriverDeps,
  ) {
    this.t = { ...DEFAULT_TIMINGS, ...deps.timings };
    this.log = deps.log.child({ part: 'modem' });
    this.transport = new Transport('modem', config.port, { log: this.log, sims: deps.sims, baud: config.baud, backoff: deps.backoff });
    this.engine = new AtEngine(this.transport, { timeoutMs: this.t.commandTimeoutMs, settleMs: this.t.settleMs });
    this.ladder = new RecoveryLadder(deps.powerCycle !== undefined, this.t.exhaustedRestMs);
    this.clocks = new FaultClocks({
      noResponseCycles: this.t.noResponseCycles,
      simGraceMs: this.t.simGraceMs,
      notRegisteredMs: config.notRegisteredMinutes * 60_000,
      portGoneMs: deps.powerCycle ? this.t.portGoneMs : null,
    });
  }

  private get pollMs(): number {
    return this.config.pollIntervalS * 1000;
  }

  async start(): Promise<void> {
    this.running = true;
    this.clocks.portGoneSince = monoMs();
    this.engine.attach();
    this.engine.on('urc', this.onUrc);
    this.transport.on('open', this.onOpen);
    this.transport.on('close', this.onClose);
    await this.transport.start();
    this.refresh();
  }

  async stop(): Promise<void> {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.engine.abortAll('stopping');
    await this.ticking;
    this.transport.off('open', this.onOpen);
    this.transport.off('close', this.onClose);
    this.engine.off('urc', this.onUrc);
    this.engine.detach();
    await this.transport.stop();
    this.tracker.set('absent', 'stopped');
  }

  health(): Health {
    const h = this.tracker.get();
    const at = this.engine.stats();
    h.counters = {
      recoveryProbe: this.ladder.counts.probe,
      recoveryCfunCycle: this.ladder.counts['cfun-cycle'],
      recoveryReboot: this.ladder.counts.reboot,
      recoveryPowerCycle: this.ladder.counts['power-cycle'],
      ...this.counters,
      commands: at.commands,
      commandTimeouts: at.timeouts,
      commandErrors: at.errors,
      urcs: at.urcs,
      droppedLines: at.too_long + at.binary + at.unexpected + at.strayFinal + at.lateFinal,
      nulBytes: at.nul,
      portOpens: this.transport.health().counters?.opens ?? 0,
    };
    return h;
  }

  /** The current snapshot (the same object shape onState receives). */
  state(): ModemState {
    const reg = bestRegistration(this.r.cs?.value, this.r.eps?.value);
    const connected = this.transport.connected;
    const fresh = connected && this.responsive && this.lastPollMono !== null && monoMs() - this.lastPollMono <= 2 * this.pollMs + this.t.commandTimeoutMs;
    return {
      ...this.r,
      port: this.config.port,
      connected,
      responsive: this.responsive,
      fresh,
      vendor: this.vendor?.id ?? null,
      registration: reg,
      lastPollAt: this.lastPollAt === null ? null : new Date(this.lastPollAt).toISOString(),
      recovery: {
        running: this.recovering,
        exhausted: this.ladder.exhausted,
        last: this.ladder.last && { ...this.ladder.last },
        counts: { ...this.ladder.counts },
      },
    };
  }

  /** Sends one SMS (text mode; UCS2 for Turkish letters). Bad numbers and texts are refused before any byte is sent. */
  async sendSms(number: string, text: string): Promise<{ ref: number; encoding: SmsEncoding }> {
    const plan = planSms(number, text);
    if (!this.transport.connected) throw new ModemUnavailableError('port not open');
    if (!this.initialized) throw new ModemUnavailableError('modem not initialised yet');
    if (this.recovering) throw new ModemUnavailableError(`recovering (${this.recovering})`);
    return this.lock.run(async () => {
      try {
        const { ref } = await sendPlannedSms(this.runAt, plan, this.t.smsTimeoutMs);
        this.counters.smsSent++;
        this.log.info({ ref, encoding: plan.encoding }, 'SMS sent');
        return { ref, encoding: plan.encoding };
      } catch (e) {
        this.counters.smsFailed++;
        throw e;
      }
    });
  }

  /** One raw command for diagnostics (`vimgw modem at`), queued behind the driver's own. */
  command(command: string, opts: AtCommandOptions = {}): Promise<AtResponse> {
    return this.lock.run(() => this.runAt(command, opts));
  }

  private readonly runAt = (command: string, opts?: AtCommandOptions): Promise<AtResponse> =>
    this.running ? this.engine.run(command, opts) : Promise.reject(new AtAbortedError(command, 'stopping'));

  private readonly onOpen = (): void => {
    this.clocks.portGoneSince = null;
    this.initialized = false;
    this.schedule(0);
  };

  private readonly onClose = (): void => {
    this.clocks.portGoneSince = monoMs();
    this.initialized = false;
    this.responsive = false;
    this.engine.abortAll('port closed');
    this.refresh();
  };

  private readonly onUrc = (u: Urc): void => {
    const effect = applyUrc(u, this.r, this.vendor);
    switch (effect.kind) {
      case 'none':
        return;
      case 'readings':
        // On or off the network: operator and LTE values changed too, read them now.
        if (effect.registeredChanged) this.schedule(0);
        break;
      case 'booted':
        this.counters.boots++;
        this.initialized = false;
        this.schedule(0);
        break;
      case 'powered-down':
        this.responsive = false;
        this.initialized = false;
        break;
      case 'sms-received':
        this.counters.smsReceived++;
        this.log.info({ urc: u.line }, 'SMS received and stored on the module');
        return;
    }
    this.clocks.track(this.r, monoMs());
    this.refresh();
  };

  private schedule(ms: number): void {
    if (!this.running) return;
    if (this.ticking) {
      this.tickAgain = ms === 0 || this.tickAgain;
      return;
    }
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      this.ticking = this.tick().finally(() => {
        this.ticking = null;
        const again = this.tickAgain;
        this.tickAgain = false;
        this.schedule(again ? 0 : this.pollMs);
      });
    }, ms);
    this.timer.unref();
  }

  private async tick(): Promise<void> {
    try {
      await this.lock.run(() => this.cycle());
      await this.evaluate();
    } catch (e) {
      this.log.error({ err: (e as Error).message }, 'modem cycle failed');
    }
    this.refresh();
  }

  /** Initialise when needed, then poll. A timeout anywhere counts as a cycle without an answer. */
  private async cycle(): Promise<void> {
    if (!this.running || !this.transport.connected) return;
    try {
      if (!this.initialized) {
        this.counters.inits++;
        const init = await initModem(this.runAt, this.config.vendor, this.t.commandTimeoutMs);
        if (init.refused.length) this.log.info({ refused: init.refused }, 'modem refused optional commands');
        const now = new Date().toISOString();
        this.vendor = init.vendor;
        this.r.identity = { value: init.identity, at: now };
        if (init.imei) this.r.imei = { value: init.imei, at: now };
        this.flags = { noLte: false, noEps: false };
        this.initialized = true;
        this.log.info({ vendor: init.vendor.id, model: init.identity.model }, 'modem initialised');
      }
      this.counters.unreadable += await pollStatus(this.runAt, this.vendor ?? VENDORS.generic, this.r, this.flags);
      this.counters.polls++;
      this.lastPollAt = Date.now(); // shown in vim/state/modem
      this.lastPollMono = monoMs();
      this.responsive = true;
      this.clocks.failedCycles = 0;
    } catch (e) {
      // The port went away under the cycle: the close handler has said so already.
      if (e instanceof AtAbortedError || !this.transport.connected) return;
      if (e instanceof AtError) {
        // It answered, with an error where none was expected: alive, but this cycle is incomplete.
        this.responsive = true;
        this.clocks.failedCycles = 0;
        this.counters.pollErrors++;
        this.log.warn({ err: e.message }, 'modem poll: unexpected error answer');
      } else if (e instanceof AtTimeoutError) {
        this.responsive = false;
        this.clocks.failedCycles++;
        this.counters.noAnswerCycles++;
      } else throw e;
    }
    this.clocks.track(this.r, monoMs());
  }

  private async evaluate(): Promise<void> {
    if (!this.running) return;
    const f = this.clocks.due(monoMs(), this.transport.connected, this.r);
    if (!f) {
      if (this.responsive && this.r.sim?.value === 'ready' && this.clocks.notRegSince === null) this.ladder.reset();
      return;
    }
    const step = this.ladder.next(f.fault);
    if (!step) return;
    const rec = this.ladder.record(step, f.fault, f.reason);
    this.recovering = step;
    this.log.warn({ step, fault: f.fault, reason: f.reason }, 'modem recovery step');
    this.refresh();
    const ctx = {
      run: this.runAt,
      reopen: () => this.transport.reopen(),
      powerCycle: this.deps.powerCycle,
      probeTimeoutMs: this.t.commandTimeoutMs,
      cfunTimeoutMs: this.t.cfunTimeoutMs,
    };
    rec.answered = await this.lock.run(() => runStep(step, ctx));
    this.recovering = null;
    if (step === 'probe' && rec.answered) this.responsive = true;
    if (step === 'reboot' || step === 'power-cycle') this.initialized = false;
    this.clocks.restart(monoMs());
  }

  /** Recomputes health and publishes the snapshot. */
  private refresh(): void {
    if (!this.running) return;
    const s = this.state();
    const notRegFor = this.clocks.notRegSince === null ? null : monoMs() - this.clocks.notRegSince;
    const j = judge(s, { started: true, transportDetail: this.transport.health().detail, notRegisteredForMs: notRegFor });
    if (this.tracker.set(j.state, j.detail)) this.log.info({ state: j.state, detail: j.detail }, 'modem health');
    try {
      this.deps.onState?.(s);
    } catch (e) {
      this.log.error({ err: (e as Error).message }, 'modem onState callback failed');
    }
  }
}
