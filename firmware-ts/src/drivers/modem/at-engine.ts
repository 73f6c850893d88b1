// The AT command engine (3GPP TS 27.007 / 27.005 over V.250 framing): one command
// on the wire at a time, a timeout per command, final results (OK, ERROR, +CME
// ERROR, +CMS ERROR), unsolicited result codes routed whenever they come (also in
// the middle of another command's response), the "> " prompt of AT+CMGS, and echo
// tolerated. It sits on any byte stream, so unit tests drive it with a fake.
//
// Attribution (27.007 §4.1: information responses of an extended command start
// with its "+NAME:"): a line goes to the running command only when it starts with
// one of the command's expected prefixes (and passes its `accept` filter, used to
// tell "+CREG: <n>,<stat>" answers from "+CREG: <stat>" URCs); commands with bare
// answers (AT+CGSN, AT+CGMM) take any line that is not a known URC or "+NAME:".
// Everything else that names itself is a URC; the rest is counted as unexpected.
import { EventEmitter } from 'node:events';
import { AtFramer, type AtFramerCounters } from './at-parser.js';
import { describeFinal, finalResult, plusName, TWO_LINE_URCS, urcName, type FinalResult } from './at-codes.js';
import { AtAbortedError, AtError, AtTimeoutError, type AtCommandOptions, type AtResponse, type ByteStream, type Urc } from './at-types.js';
import { monoMs } from '../../platform/mono.js';

export { AtAbortedError, AtError, AtTimeoutError, type AtCommandOptions, type AtResponse, type ByteStream, type Urc } from './at-types.js';

export interface AtEngineOptions {
  /** Default per-command timeout. */
  timeoutMs?: number;
  /** Quiet time after a timeout before the next command, so a late answer is not taken for the next one's. */
  settleMs?: number;
  /** Commands waiting beyond this are refused at once. */
  maxQueue?: number;
}

export interface AtEngineCounters {
  commands: number;
  ok: number;
  errors: number;
  timeouts: number;
  writeFailures: number;
  aborted: number;
  refused: number;
  /** Information lines given to the running command. */
  info: number;
  urcs: number;
  /** Data lines of two-line URCs (+CMT, +CDS, +CBM). */
  urcBodies: number;
  echo: number;
  /** Lines that were neither the running command's, nor a final result, nor a URC. */
  unexpected: number;
  /** Final results with no command running (late answers after a timeout are `lateFinal`). */
  strayFinal: number;
  lateFinal: number;
  strayPrompt: number;
  urcHandlerErrors: number;
}

interface Pending {
  command: string;
  prefixes: string[];
  bare: boolean;
  accept: ((line: string) => boolean) | undefined;
  timeoutMs: number;
  body: string | undefined;
  bodySent: boolean;
  lines: string[];
  timer: NodeJS.Timeout | null;
  resolve: (r: AtResponse) => void;
  reject: (e: Error) => void;
}

const CTRL_Z = '\x1a';
const ESC = '\x1b';
const MAX_LINES_PER_COMMAND = 64;

export class AtEngine extends EventEmitter<{ urc: [Urc] }> {
  readonly counters: AtEngineCounters = {
    commands: 0, ok: 0, errors: 0, timeouts: 0, writeFailures: 0, aborted: 0, refused: 0, info: 0,
    urcs: 0, urcBodies: 0, echo: 0, unexpected: 0, strayFinal: 0, lateFinal: 0, strayPrompt: 0, urcHandlerErrors: 0,
  };
  readonly framer = new AtFramer({ line: (l) => this.onLine(l), prompt: () => this.onPrompt() });
  private readonly queue: Pending[] = [];
  private current: Pending | null = null;
  private settleUntil = 0;
  private settleTimer: NodeJS.Timeout | null = null;
  private pendingUrc: Urc | null = null;
  private attached = false;
  private readonly timeoutMs: number;
  private readonly settleMs: number;
  private readonly maxQueue: number;
  private readonly onData = (d: Buffer): void => this.framer.push(d);

  constructor(
    private readonly stream: ByteStream,
    opts: AtEngineOptions = {},
  ) {
    super();
    this.timeoutMs = opts.timeoutMs ?? 5000;
    this.settleMs = opts.settleMs ?? 200;
    this.maxQueue = opts.maxQueue ?? 64;
  }

  attach(): void {
    if (this.attached) return;
    this.attached = true;
    this.stream.on('data', this.onData);
  }

  detach(): void {
    if (!this.attached) return;
    this.attached = false;
    this.stream.off('data', this.onData);
  }

  /** Framer and engine counters in one flat record. */
  stats(): AtEngineCounters & AtFramerCounters {
    return { ...this.counters, ...this.framer.counters };
  }

  get busy(): boolean {
    return this.current !== null || this.queue.length > 0;
  }

  /** Queues one command line ("AT..." without CR) and resolves with its information lines on OK. */
  run(command: string, opts: AtCommandOptions = {}): Promise<AtResponse> {
    // Bad input changes nothing: a CR or Ctrl-Z inside would end the line early or send an SMS.
    if (!/^AT[\x20-\x7e]*$/i.test(command) || command.length > 512) {
      return Promise.reject(new Error(`not a single AT command line: ${JSON.stringify(command.slice(0, 40))}`));
    }
    if (opts.body !== undefined && !/^[\x20-\x7e]{0,1024}$/.test(opts.body)) {
      return Promise.reject(new Error(`${command}: body must be printable ASCII (IRA text or UCS2 hex), at most 1024 characters`));
    }
    if (this.queue.length >= this.maxQueue) {
      this.counters.refused++;
      return Promise.reject(new Error(`${command}: ${this.maxQueue} commands already waiting`));
    }
    const name = /^AT([+*^$#%][A-Z0-9]+)/i.exec(command)?.[1]?.toUpperCase();
    const given = opts.prefix ?? (name ? `${name}:` : '');
    const list = typeof given === 'string' ? [given] : [...given];
    return new Promise<AtResponse>((resolve, reject) => {
      this.queue.push({
        command, prefixes: list.filter((p) => p !== ''), bare: list.includes(''), accept: opts.accept,
        timeoutMs: opts.timeoutMs ?? this.timeoutMs, body: opts.body, bodySent: false, lines: [], timer: null, resolve, reject,
      });
      this.next();
    });
  }

  /** Fails the running and every waiting command (the port closed, the driver stops). */
  abortAll(why: string): void {
    const all = this.current ? [this.current, ...this.queue] : [...this.queue];
    this.current = null;
    this.queue.length = 0;
    if (this.settleTimer) clearTimeout(this.settleTimer);
    this.settleTimer = null;
    this.settleUntil = 0;
    this.pendingUrc = null;
    this.framer.reset();
    for (const p of all) {
      if (p.timer) clearTimeout(p.timer);
      this.counters.aborted++;
      p.reject(new AtAbortedError(p.command, why));
    }
  }

  private next(): void {
    if (this.current || this.queue.length === 0 || this.settleTimer) return;
    const wait = this.settleUntil - monoMs();
    if (wait > 0) {
      this.settleTimer = setTimeout(() => {
        this.settleTimer = null;
        this.next();
      }, wait);
      return;
    }
    const p = this.queue.shift()!;
    this.current = p;
    this.counters.commands++;
    p.timer = setTimeout(() => this.onTimeout(p), p.timeoutMs);
    // V.250 §5.2.1: a command line ends with S3 (CR).
    this.stream.write(`${p.command}\r`).catch((e: unknown) => {
      if (this.current !== p) return;
      this.counters.writeFailures++;
      this.finish(p, e instanceof Error ? e : new Error(String(e)));
    });
  }

  private finish(p: Pending, outcome: Error | AtResponse): void {
    if (p.timer) clearTimeout(p.timer);
    p.timer = null;
    if (this.current === p) this.current = null;
    if (outcome instanceof Error) p.reject(outcome);
    else p.resolve(outcome);
    this.next();
  }

  private onTimeout(p: Pending): void {
    if (this.current !== p) return;
    this.counters.timeouts++;
    // 27.005 §3.5.1: ESC cancels a message being entered after the prompt.
    if (p.body !== undefined) this.stream.write(ESC).catch(() => undefined);
    this.settleUntil = monoMs() + this.settleMs;
    this.finish(p, new AtTimeoutError(p.command, p.timeoutMs));
  }

  private onPrompt(): void {
    const p = this.current;
    if (!p || p.body === undefined || p.bodySent) {
      // A module waiting for text we never meant to send: cancel it, or it eats the next command.
      this.counters.strayPrompt++;
      this.stream.write(ESC).catch(() => undefined);
      return;
    }
    p.bodySent = true;
    this.stream.write(`${p.body}${CTRL_Z}`).catch((e: unknown) => {
      if (this.current !== p) return;
      this.counters.writeFailures++;
      this.finish(p, e instanceof Error ? e : new Error(String(e)));
    });
  }

  private onLine(line: string): void {
    if (this.pendingUrc) {
      const urc = this.pendingUrc;
      this.pendingUrc = null;
      if (finalResult(line) === null && urcName(line) === null) {
        this.counters.urcBodies++;
        urc.body = line;
        this.emitUrc(urc);
        return;
      }
      this.emitUrc(urc);
    }
    const cur = this.current;
    const fin = finalResult(line);
    if (cur) {
      if (line.toUpperCase() === cur.command.toUpperCase()) {
        this.counters.echo++;
        return;
      }
      if (fin) {
        this.complete(cur, fin);
        return;
      }
      if (this.belongsTo(cur, line)) {
        if (cur.lines.length < MAX_LINES_PER_COMMAND) {
          this.counters.info++;
          cur.lines.push(line);
        } else this.counters.unexpected++;
        return;
      }
    } else if (fin) {
      if (monoMs() < this.settleUntil + this.settleMs) this.counters.lateFinal++;
      else this.counters.strayFinal++;
      return;
    }
    const name = urcName(line) ?? plusName(line);
    if (name === null) {
      this.counters.unexpected++;
      return;
    }
    const urc: Urc = { name, line, at: Date.now() };
    if (TWO_LINE_URCS.has(name)) this.pendingUrc = urc;
    else this.emitUrc(urc);
  }

  private belongsTo(p: Pending, line: string): boolean {
    for (const prefix of p.prefixes) if (line.startsWith(prefix)) return p.accept ? p.accept(line) : true;
    return p.bare && urcName(line) === null && plusName(line) === null;
  }

  private complete(p: Pending, fin: FinalResult): void {
    if (fin.ok) {
      this.counters.ok++;
      this.finish(p, { command: p.command, lines: p.lines });
      return;
    }
    this.counters.errors++;
    this.finish(p, new AtError(p.command, fin.kind, fin.code, fin.text, describeFinal(fin)));
  }

  private emitUrc(urc: Urc): void {
    this.counters.urcs++;
    try {
      this.emit('urc', urc);
    } catch {
      // A listener's bug must not tear down the byte stream under every other command.
      this.counters.urcHandlerErrors++;
    }
  }
}
