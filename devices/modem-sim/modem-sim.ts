// A simulated Quectel EC25 on the far end of a sim:// link or a pty: echo, V.250
// framing (<CR><LF>text<CR><LF>), URCs (also in the middle of a response), the
// 27.005 "> " prompt of AT+CMGS, and the ways a real module fails: it hangs, loses
// its SIM, drops off the network, and vanishes from USB for a moment after
// AT+CFUN=1,1 (re-enumeration). Tests change its state through the methods below;
// the command set it answers is in commands.ts and README.md.
import { EventEmitter } from 'node:events';
import type { SimPort, Simulator } from '../../firmware-ts/src/transport/sim-link.js';
import { decodeCharset, DEFAULT_STATE, defaultSettings, effectiveStat, execute, regLine, type SimModemState, type SimSettings } from './commands.js';
import { LineInput } from './line-input.js';

export { DEFAULT_STATE, SIM7600_STATE, type SimModemState, type SimSettings } from './commands.js';

/** Which event ends a fault: a CFUN 0/1 cycle, a reset (CFUN=1,1), a power cycle, or only the test. */
export type Until = 'cfun-cycle' | 'reboot' | 'power-cycle' | 'never';
const RANK: Record<Until, number> = { 'cfun-cycle': 1, reboot: 2, 'power-cycle': 3, never: 99 };

export interface ReceivedSms {
  number: string;
  /** Decoded text (UCS2 hex turned back into Unicode). */
  text: string;
  encoding: 'gsm7' | 'ucs2';
  ref: number;
  at: Date;
}

export interface ModemSimOptions {
  /** How long the USB device stays away after AT+CFUN=1,1 or a power cycle. */
  reenumerateMs?: number;
  /** From attach after a boot to "RDY". */
  bootMs?: number;
  /** From radio on (boot, AT+CFUN=1) to registration. */
  registerMs?: number;
  /** The first attach boots the module (RDY ...), as after power-on. */
  bootOnFirstAttach?: boolean;
  state?: Partial<SimModemState>;
}

export interface ModemSimEvents {
  /** The module left the bus (CFUN=1,1, power cycle); a pty host should come back after replugInMs. */
  unplugged: [{ replugInMs: number }];
  sms: [ReceivedSms];
  command: [string];
}

export class ModemSim extends EventEmitter<ModemSimEvents> implements Simulator {
  readonly state: SimModemState;
  settings: SimSettings = defaultSettings();
  readonly received: ReceivedSms[] = [];
  readonly commands: string[] = [];
  readonly counters = { attaches: 0, refused: 0, reboots: 0, powerCycles: 0, cfunCycles: 0 };
  private port: SimPort | null = null;
  private hung = false;
  private refuseUntil = 0;
  private booting: boolean;
  private lastStat = 0;
  private smsNumber = '';
  private readonly input = new LineInput({
    echo: () => this.settings.echo,
    write: (s) => this.write(s),
    command: (line) => this.line(line),
    textDone: (text) => this.sendSms(this.smsNumber, text),
    textCancelled: () => this.write('\r\nOK\r\n'),
  });
  private midUrcs: string[] = [];
  private faults: { sim?: Until; reg?: Until } = {};
  private failSmsWith: number | null = null;
  private ref = 0;
  private sawCfun0 = false;
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly opts: Required<Omit<ModemSimOptions, 'state'>>;

  constructor(opts: ModemSimOptions = {}) {
    super();
    this.state = { ...DEFAULT_STATE, ...opts.state, lte: { ...DEFAULT_STATE.lte, ...opts.state?.lte } };
    this.opts = { reenumerateMs: 1000, bootMs: 30, registerMs: 60, bootOnFirstAttach: true, ...opts };
    this.booting = this.opts.bootOnFirstAttach;
    this.settings.searching = this.opts.bootOnFirstAttach;
    if (!this.booting) this.lastStat = effectiveStat(this.state, this.settings);
  }

  get attached(): boolean {
    return this.port !== null;
  }

  attach(port: SimPort): void {
    if (Date.now() < this.refuseUntil) {
      this.counters.refused++;
      throw Object.assign(new Error('modem is re-enumerating (no USB device)'), { code: 'ENOENT' });
    }
    this.counters.attaches++;
    this.port = port;
    this.input.reset();
    port.on('data', (d) => {
      if (this.port === port && !this.hung) this.input.push(d.toString('latin1'));
    });
    port.on('close', () => {
      if (this.port === port) this.port = null;
    });
    if (this.booting) {
      this.booting = false;
      this.later(this.opts.bootMs, () => this.boot());
    }
  }

  // ---- what a test can change -------------------------------------------------

  /** SIM state; `until` makes a lost SIM come back by itself at that recovery event. */
  setSim(sim: SimModemState['sim'], opts: { until?: Until } = {}): void {
    const was = this.state.sim;
    this.state.sim = sim;
    if (sim !== 'ready' && opts.until) this.faults.sim = opts.until;
    if (sim === was) return;
    // Quectel with SIM hot-plug detection: "+CPIN: NOT READY" on removal, "+CPIN: READY" on insertion.
    this.urc(sim === 'absent' ? '+CPIN: NOT READY' : sim === 'pin' ? '+CPIN: SIM PIN' : '+CPIN: READY');
    if (sim === 'ready') this.radioOn();
    this.announce();
  }

  /** 27.007 <stat> (1 home, 5 roaming, 2 searching, 3 denied, 0 none); `until` ends it at that event (back to 1). */
  setRegistration(stat: number, opts: { act?: number; until?: Until } = {}): void {
    this.state.regStat = stat;
    if (opts.act !== undefined) this.state.act = opts.act;
    if (opts.until) this.faults.reg = opts.until;
    this.announce();
  }

  setSignal(csq: number, lte: Partial<SimModemState['lte']> = {}): void {
    this.state.csq = csq;
    Object.assign(this.state.lte, lte);
  }

  setOperator(name: string, numeric = this.state.operatorNumeric, act = this.state.act): void {
    Object.assign(this.state, { operator: name, operatorNumeric: numeric, act });
  }

  /** Stops answering (no echo either) until unhang() or a power cycle. */
  hang(): void {
    this.hung = true;
  }

  unhang(): void {
    this.hung = false;
    this.input.reset();
  }

  /** Sends a URC now, or with `mid`, inside the next response (after its first line, before OK). */
  injectUrc(line: string, opts: { mid?: boolean } = {}): void {
    if (opts.mid) this.midUrcs.push(line);
    else this.urc(line);
  }

  /** The next AT+CMGS ends with +CMS ERROR: code (27.005 §3.2.5). */
  failNextSms(code = 500): void {
    this.failSmsWith = code;
  }

  /** Cuts the power and restores it (what the driver's GPIO line would do). */
  powerCycle(): Promise<void> {
    this.counters.powerCycles++;
    this.reset('power-cycle');
    return Promise.resolve();
  }

  /** Drops the port like a pulled cable (the module keeps its state). */
  unplug(): void {
    const p = this.port;
    this.port = null;
    p?.unplug();
  }

  /** Stops every timer (tests' afterEach). */
  dispose(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }

  // ---- the module --------------------------------------------------------------

  private later(ms: number, fn: () => void): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, ms);
    t.unref();
    this.timers.add(t);
  }

  private write(s: string): void {
    if (this.port?.open) this.port.write(Buffer.from(s, 'latin1'));
  }

  private urc(line: string): void {
    this.write(`\r\n${line}\r\n`);
  }

  /**
   * Power-up URCs: EC25 hardware design §3.8 (RDY once the UART is ready, then the SIM
   * and SMS storage); a SIM7600 sends RDY, +CPIN, then bare "SMS DONE" and "PB DONE".
   */
  private boot(): void {
    this.urc('RDY');
    const simcom = this.state.family === 'simcom';
    if (!simcom) this.urc('+CFUN: 1');
    this.urc(this.state.sim === 'ready' ? '+CPIN: READY' : '+CPIN: NOT READY');
    if (simcom) {
      this.urc('SMS DONE');
      this.urc('PB DONE');
    } else {
      this.urc('+QUSIM: 1');
      this.urc('+QIND: SMS DONE');
    }
    this.radioOn();
  }

  /** The radio (re)starts: searching for a while, then registered. */
  private radioOn(): void {
    const settings = this.settings;
    settings.searching = true;
    this.announce();
    this.later(this.opts.registerMs, () => {
      settings.searching = false;
      this.announce();
    });
  }

  private stat(): number {
    return effectiveStat(this.state, this.settings);
  }

  /** Registration URCs (27.007 §7.2 / §10.1.22) when <stat> changed and <n> asks for them. */
  private announce(): void {
    const stat = this.stat();
    if (stat === this.lastStat) return;
    this.lastStat = stat;
    if (this.settings.cregN > 0) this.urc(regLine('+CREG', this.settings.cregN, stat, this.state, true));
    if (this.settings.ceregN > 0) this.urc(regLine('+CEREG', this.settings.ceregN, stat, this.state, true));
  }

  private clearFaults(event: Until): void {
    if (this.faults.sim && RANK[this.faults.sim] <= RANK[event]) {
      delete this.faults.sim;
      this.state.sim = 'ready';
    }
    if (this.faults.reg && RANK[this.faults.reg] <= RANK[event]) {
      delete this.faults.reg;
      this.state.regStat = 1;
    }
  }

  /** AT+CFUN=1,1 or a power cycle: off the bus for reenumerateMs, then a fresh boot on the next attach. */
  private reset(event: 'reboot' | 'power-cycle'): void {
    if (event === 'reboot') this.counters.reboots++;
    this.clearFaults(event);
    this.hung = false;
    this.settings = defaultSettings();
    this.lastStat = 0;
    this.midUrcs = [];
    this.booting = true;
    this.refuseUntil = Date.now() + this.opts.reenumerateMs;
    this.unplug();
    this.emit('unplugged', { replugInMs: this.opts.reenumerateMs });
  }

  private sendSms(number: string, raw: string): void {
    if (this.failSmsWith !== null || !(this.stat() === 1 || this.stat() === 5)) {
      const code = this.failSmsWith ?? 331; // 331: no network service
      this.failSmsWith = null;
      this.write(`\r\n+CMS ERROR: ${code}\r\n`);
      return;
    }
    const text = decodeCharset(this.settings, raw);
    if (text === null) {
      this.write('\r\n+CMS ERROR: 305\r\n');
      return;
    }
    this.ref = (this.ref + 1) % 256;
    const sms: ReceivedSms = { number, text, encoding: this.settings.dcs === 8 ? 'ucs2' : 'gsm7', ref: this.ref, at: new Date() };
    this.received.push(sms);
    this.emit('sms', sms);
    const ref = this.ref;
    this.later(10, () => this.write(`\r\n+CMGS: ${ref}\r\n\r\nOK\r\n`));
  }

  private line(raw: string): void {
    const line = raw.trim();
    if (!/^AT/i.test(line)) return; // V.250 §5.2.1: nothing happens without the "AT" prefix
    if (this.commands.length < 10_000) this.commands.push(line);
    this.emit('command', line);
    const cfunBefore = this.settings.cfun;
    const out = execute(line, this.state, this.settings);
    if (out.kind === 'prompt') {
      this.smsNumber = out.number;
      this.input.startText();
      this.write('\r\n> ');
      return;
    }
    this.reply(out.lines, out.final);
    if (out.kind === 'reboot') {
      this.later(20, () => this.reset('reboot'));
      return;
    }
    if (cfunBefore !== this.settings.cfun) this.cfunChanged();
  }

  private cfunChanged(): void {
    if (this.settings.cfun === 0) this.sawCfun0 = true;
    else if (this.settings.cfun === 1 && this.sawCfun0) {
      this.sawCfun0 = false;
      this.counters.cfunCycles++;
      this.clearFaults('cfun-cycle');
    }
    if (this.settings.cfun === 1) {
      if (this.state.sim === 'ready') this.urc('+CPIN: READY'); // the SIM is initialised again
      this.radioOn();
    } else this.announce();
  }

  /** V.250 §5.7.1 framing; queued mid-response URCs go after the first information line. */
  private reply(lines: string[], final: string): void {
    // Lines of one information response share a frame: "\r\nQuectel\r\nEC25\r\n" (ATI).
    const frame = (ls: string[]): string => (ls.length ? `\r\n${ls.join('\r\n')}\r\n` : '');
    const urcs = this.midUrcs.splice(0).map((u) => `\r\n${u}\r\n`).join('');
    const body = urcs ? `${frame(lines.slice(0, 1))}${urcs}${frame(lines.slice(1))}` : frame(lines);
    this.write(`${body}\r\n${final}\r\n`);
  }
}
