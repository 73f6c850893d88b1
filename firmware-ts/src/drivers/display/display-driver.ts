// The queue display's LED board as a Part (DESIGN.md "Devices", issue 4). show()
// only records the desired picture and returns: the queue must never wait for a
// board that is unplugged, NAKs or babbles. A background loop sends the frames
// that differ between the desired picture and what the board has ACKed, one at a
// time (ACK/NAK with limited retransmits, devices/display-sim/README.md). When a
// frame fails every retry, or the port reopens, what the board shows is unknown:
// the loop waits resyncIntervalMs and repaints everything, starting with a clear.
import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import { HealthTracker, type Health, type Part } from '../../lifecycle.js';
import { Transport } from '../../transport/transport.js';
import type { DisplayDriverDeps, DisplayOptions } from './options.js';
import { buildFrame, CMD, CODES, DisplayInputError, ReplyDecoder, scrollPayload, servingPayload, type Command, type Reply } from './protocol.js';

export { DisplayInputError } from './protocol.js';

export interface ServingEntry {
  counter: string;
  ticket: string;
}

export interface DisplayState {
  serving: ServingEntry[];
  scroll?: string;
}

/** What the board has ACKed, as encoded payloads; null: unknown (after a failure or a reopen). */
interface BoardImage {
  rows: Buffer[];
  scroll: Buffer;
}

interface Step {
  cmd: Command;
  payload: Buffer;
  /** Records in `confirmed` what the ACKed frame changed. */
  apply(board: BoardImage): void;
}

export interface DisplayDriverEvents {
  /** The board shows exactly the desired state. */
  synced: [];
}

export class DisplayDriver extends EventEmitter<DisplayDriverEvents> implements Part {
  readonly name = 'display';
  readonly transport: Transport;
  private readonly log: Logger;
  private readonly tracker = new HealthTracker('absent', 'not started');
  private readonly decoder = new ReplyDecoder();
  private desiredState: DisplayState = { serving: [] };
  private desired: BoardImage;
  private confirmed: BoardImage | null = null;
  private running = false;
  private syncing: Promise<void> | null = null;
  private kickAgain = false;
  private resyncTimer: NodeJS.Timeout | null = null;
  private waiter: ((r: Reply | null) => void) | null = null;
  private fault: string | null = null;
  private readonly counters = {
    frames: 0, acks: 0, naks: 0, timeouts: 0, retransmits: 0, gaveUp: 0, repaints: 0, strayReplies: 0, garbageBytes: 0, rejectedShows: 0,
  };

  constructor(
    private readonly config: DisplayOptions,
    private readonly deps: DisplayDriverDeps,
  ) {
    super();
    this.log = deps.log.child({ part: 'display' });
    this.transport = new Transport('display', config.port, { log: this.log, sims: deps.sims, baud: config.baud, backoff: deps.backoff });
    this.desired = this.encode(this.desiredState);
  }

  async start(): Promise<void> {
    this.running = true;
    this.transport.on('open', this.onOpen);
    this.transport.on('close', this.onClose);
    this.transport.on('data', this.onData);
    await this.transport.start();
  }

  async stop(): Promise<void> {
    this.running = false;
    if (this.resyncTimer) clearTimeout(this.resyncTimer);
    this.resyncTimer = null;
    this.settle(null);
    await this.syncing;
    this.transport.off('open', this.onOpen);
    this.transport.off('close', this.onClose);
    this.transport.off('data', this.onData);
    await this.transport.stop();
    this.tracker.set('absent', 'stopped');
  }

  /**
   * Records what the board should show and returns at once; the board catches up in
   * the background. Bad input (a ticket the board cannot show, text outside CP857)
   * throws DisplayInputError and changes nothing.
   */
  show(state: DisplayState): void {
    let next: BoardImage;
    try {
      next = this.encode(state);
    } catch (e) {
      this.counters.rejectedShows++;
      throw e;
    }
    this.desiredState = { serving: state.serving.map((s) => ({ ...s })), scroll: state.scroll ?? '' };
    this.desired = next;
    this.kick();
  }

  /** The desired state (what the web page shows too) and whether the board shows it. */
  state(): DisplayState & { synced: boolean; fault: string | null } {
    return { serving: this.desiredState.serving.map((s) => ({ ...s })), scroll: this.desiredState.scroll ?? '', synced: this.nextStep() === null, fault: this.fault };
  }

  health(): Health {
    const t = this.transport.health();
    let h: Health;
    if (!this.running) h = this.tracker.get();
    else if (!this.transport.connected) {
      this.tracker.set('failed', `board port not open: ${t.detail}`);
      h = this.tracker.get();
    } else if (this.fault) {
      this.tracker.set('failed', this.fault);
      h = this.tracker.get();
    } else {
      this.tracker.set('ok', this.nextStep() === null ? 'board shows the current state' : 'updating the board');
      h = this.tracker.get();
    }
    h.counters = { ...this.counters, garbageBytes: this.decoder.garbageBytes, ...prefixed('transport', t.counters ?? {}) };
    return h;
  }

  private encode(state: DisplayState): BoardImage {
    if (!Array.isArray(state.serving)) throw new DisplayInputError('serving: must be a list of {counter, ticket}');
    const rows: Buffer[] = [];
    for (let row = 1; row <= this.config.rows; row++) {
      const entry = state.serving[row - 1];
      if (entry !== undefined && (typeof entry?.ticket !== 'string' || typeof entry.counter !== 'string')) {
        throw new DisplayInputError(`serving[${row - 1}]: needs string ticket and counter`);
      }
      rows.push(servingPayload(row, entry ?? null, this.config.upperCase));
    }
    if (state.scroll !== undefined && typeof state.scroll !== 'string') throw new DisplayInputError('scroll: must be a string');
    return { rows, scroll: scrollPayload(state.scroll ?? '', this.config.upperCase) };
  }

  /** The first frame needed to bring the board to the desired picture, or null when it shows it. */
  private nextStep(): Step | null {
    const board = this.confirmed;
    if (!board) {
      return {
        cmd: CMD.clear,
        payload: Buffer.alloc(0),
        apply: () => {
          this.counters.repaints++;
          this.confirmed = this.encode({ serving: [] });
        },
      };
    }
    for (let i = 0; i < this.desired.rows.length; i++) {
      const want = this.desired.rows[i]!;
      if (!want.equals(board.rows[i]!)) return { cmd: CMD.serving, payload: want, apply: (b) => (b.rows[i] = want) };
    }
    const scroll = this.desired.scroll;
    if (!scroll.equals(board.scroll)) return { cmd: CMD.scroll, payload: scroll, apply: (b) => (b.scroll = scroll) };
    return null;
  }

  private kick(): void {
    if (!this.running || !this.transport.connected || this.resyncTimer) return;
    if (this.syncing) {
      this.kickAgain = true; // the running loop may have passed its last check already
      return;
    }
    this.syncing = this.sync().finally(() => {
      this.syncing = null;
      if (this.kickAgain) {
        this.kickAgain = false;
        this.kick();
      }
    });
  }

  private async sync(): Promise<void> {
    for (;;) {
      if (!this.running || !this.transport.connected) return;
      const step = this.nextStep();
      if (!step) {
        this.emit('synced');
        return;
      }
      const ok = await this.exchange(step.cmd, step.payload);
      if (!this.running) return;
      if (!ok) {
        this.confirmed = null;
        this.scheduleResync();
        return;
      }
      this.fault = null;
      // A frame ACKed after a reopen reset `confirmed` to null belongs to the old board picture.
      if (step.cmd === CMD.clear || this.confirmed) step.apply(this.confirmed ?? this.encode({ serving: [] }));
    }
  }

  /** One frame: write, wait for the reply, retransmit on NAK or timeout. True when ACKed. */
  private async exchange(cmd: Command, payload: Buffer): Promise<boolean> {
    const frame = buildFrame(this.config.address, cmd, payload);
    let lastNak: Reply | null = null;
    let timeouts = 0;
    const garbageBefore = this.decoder.garbageBytes;
    for (let attempt = 0; attempt <= this.config.retries; attempt++) {
      if (!this.running || !this.transport.connected) return false;
      if (attempt > 0) this.counters.retransmits++;
      this.counters.frames++;
      const reply = this.awaitReply();
      try {
        await this.transport.write(frame);
      } catch (e) {
        this.settle(null);
        await reply;
        this.fault = `cannot write to the board: ${(e as Error).message}`;
        return false;
      }
      const r = await reply;
      if (r?.kind === 'ack') {
        this.counters.acks++;
        return true;
      }
      if (r) {
        this.counters.naks++;
        lastNak = r;
      } else if (this.transport.connected && this.running) {
        this.counters.timeouts++;
        timeouts++;
      }
    }
    this.counters.gaveUp++;
    const garbage = this.decoder.garbageBytes - garbageBefore;
    const what = `frame ${cmd} failed after ${this.config.retries + 1} attempts`;
    if (lastNak && timeouts === 0) this.fault = `board NAKs: ${what} (code ${lastNak.code}: ${CODES[lastNak.code]})`;
    else if (garbage > 0) this.fault = `board answers garbage: ${what} (${garbage} unreadable bytes)`;
    else this.fault = `board does not answer: ${what} (${timeouts} ACK timeouts of ${this.config.ackTimeoutMs} ms)`;
    this.log.warn({ fault: this.fault, retryInMs: this.config.resyncIntervalMs }, 'display board out of sync; will repaint');
    return false;
  }

  private awaitReply(): Promise<Reply | null> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => this.settle(null), this.config.ackTimeoutMs);
      this.waiter = (r) => {
        clearTimeout(timer);
        resolve(r);
      };
    });
  }

  private settle(r: Reply | null): void {
    const w = this.waiter;
    this.waiter = null;
    w?.(r);
  }

  private scheduleResync(): void {
    if (!this.running || this.resyncTimer) return;
    this.resyncTimer = setTimeout(() => {
      this.resyncTimer = null;
      this.kick();
    }, this.config.resyncIntervalMs);
  }

  private readonly onData = (d: Buffer): void => {
    for (const r of this.decoder.push(d)) {
      if (r.address === this.config.address && this.waiter) this.settle(r);
      else this.counters.strayReplies++;
    }
  };

  private readonly onOpen = (): void => {
    // Whatever the board showed before (or after a power cut) is unknown: repaint it all.
    this.confirmed = null;
    this.decoder.reset();
    if (this.resyncTimer) clearTimeout(this.resyncTimer);
    this.resyncTimer = null;
    this.kick();
  };

  private readonly onClose = (): void => {
    this.confirmed = null;
    this.settle(null);
  };
}

function prefixed(prefix: string, c: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(c).map(([k, v]) => [`${prefix}.${k}`, v]));
}
