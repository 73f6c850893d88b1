// A simulated queue-number LED board (README.md): checks every frame byte for byte,
// answers ACK/NAK, and keeps what its LEDs show as text, so tests assert on the
// shown picture (`A042 -> 2`), not on raw buffers. Runs in-process behind
// sim://display or on a pty (cli.ts). Misbehaviours for the "bad input" tests:
//   unplugged  the port drops and opens are refused until replug()
//   nak        NAKs every frame (code `nakCode`) and changes nothing
//   garbage    answers every frame with noise that is no valid reply
//   silent     powered off behind a live adapter: takes bytes, never answers
import { EventEmitter } from 'node:events';
import { decodeCp857, isCp857Text } from '../../firmware-ts/src/drivers/display/cp857.js';
import type { SimPort, Simulator } from '../../firmware-ts/src/transport/sim-link.js';
import { FrameDecoder, type Decoded } from './frame-decoder.js';

export type BoardMode = 'normal' | 'nak' | 'garbage' | 'silent';
const ACK = 0x06;
const NAK = 0x15;

export interface DisplaySimOptions {
  address?: number;
  rows?: number;
  mode?: BoardMode;
  /** Code sent by mode `nak` (README.md "Replies"). */
  nakCode?: '1' | '2' | '3' | '4';
  /** Seed for the noise of mode `garbage`, so a failing test replays. */
  seed?: number;
}

export interface Shown {
  /** One string per row: `A042 -> 2`, or '' for a blank row. */
  rows: string[];
  scroll: string;
}

export interface FrameRecord {
  cmd: string;
  payload: string;
  reply: string;
}

export interface DisplaySimEvents {
  /** Every decoded frame addressed to this board, with the reply sent ('' for none). */
  frame: [FrameRecord];
  /** The picture changed. */
  shown: [Shown];
}

export class DisplaySim extends EventEmitter<DisplaySimEvents> implements Simulator {
  readonly address: number;
  readonly rowCount: number;
  mode: BoardMode;
  nakCode: '1' | '2' | '3' | '4';
  readonly counters = { frames: 0, acks: 0, naks: 0, badChecksum: 0, dropped: 0, otherAddress: 0, attaches: 0, refused: 0 };
  private rows: string[];
  private scroll = '';
  private port: SimPort | null = null;
  private unplugged = false;
  private noise: number;

  constructor(opts: DisplaySimOptions = {}) {
    super();
    this.address = opts.address ?? 1;
    this.rowCount = opts.rows ?? 4;
    this.mode = opts.mode ?? 'normal';
    this.nakCode = opts.nakCode ?? '4';
    this.noise = (opts.seed ?? 1) >>> 0 || 1;
    this.rows = new Array<string>(this.rowCount).fill('');
  }

  attach(port: SimPort, _params: Record<string, string> = {}): void {
    if (this.unplugged) {
      this.counters.refused++;
      throw Object.assign(new Error('display board unplugged'), { code: 'ENOENT' });
    }
    this.counters.attaches++;
    this.port = port;
    const decoder = new FrameDecoder();
    port.on('data', (d) => {
      for (const f of decoder.push(d)) this.handle(port, f);
    });
    port.on('close', () => {
      if (this.port === port) this.port = null;
    });
  }

  /** What the LEDs show now. */
  shown(): Shown {
    return { rows: [...this.rows], scroll: this.scroll };
  }

  /** The picture as text lines: the rows, then the scroll line. */
  render(): string {
    return [...this.rows, this.scroll].join('\n');
  }

  /** Pulls the cable: the port drops and opens are refused until replug(). The LEDs go dark. */
  unplug(): void {
    this.unplugged = true;
    this.rows.fill('');
    this.scroll = '';
    this.port?.unplug();
    this.port = null;
  }

  replug(): void {
    this.unplugged = false;
  }

  private handle(port: SimPort, f: Decoded): void {
    if (f.kind === 'dropped') {
      this.counters.dropped++;
      return;
    }
    if (f.kind === 'bad-checksum') {
      this.counters.badChecksum++;
      // Only the addressed board may answer; otherwise every board on the bus would NAK at once.
      if (f.address === this.address) this.reply(port, NAK, '1', '(bad checksum)', '');
      return;
    }
    if (f.address !== this.address) {
      this.counters.otherAddress++;
      return;
    }
    this.counters.frames++;
    const payload = decodeCp857(f.payload);
    if (this.mode === 'silent') return this.record(f.cmd, payload, '');
    if (this.mode === 'garbage') return this.babble(port, f.cmd, payload);
    if (this.mode === 'nak') return this.reply(port, NAK, this.nakCode, f.cmd, payload);
    const code = this.execute(f.cmd, f.payload);
    this.reply(port, code === '0' ? ACK : NAK, code, f.cmd, payload);
  }

  /** Applies a frame; returns the reply code (README.md "Commands"). */
  private execute(cmd: string, p: Buffer): '0' | '2' | '3' {
    const text = [...p].every(isCp857Text);
    switch (cmd) {
      case 'P':
        return p.length === 0 ? '0' : '3';
      case 'C':
        if (p.length !== 0) return '3';
        this.rows.fill('');
        this.scroll = '';
        break;
      case 'N': {
        if (p.length !== 10 || !text) return '3';
        const row = p[0]! - 0x30;
        if (row < 1 || row > this.rowCount) return '3';
        const ticket = decodeCp857(p.subarray(1, 7));
        const counter = decodeCp857(p.subarray(7, 10));
        // Ticket left-aligned, counter right-aligned, both blank or both set.
        if (!/^[^ ]* *$/u.test(ticket) || !/^ *[^ ]*$/u.test(counter)) return '3';
        if ((ticket.trim() === '') !== (counter.trim() === '')) return '3';
        this.rows[row - 1] = ticket.trim() === '' ? '' : `${ticket.trim()} -> ${counter.trim()}`;
        break;
      }
      case 'S':
        if (p.length > 200 || !text) return '3';
        this.scroll = decodeCp857(p);
        break;
      default:
        return '2';
    }
    this.emit('shown', this.shown());
    return '0';
  }

  private reply(port: SimPort, kind: number, code: string, cmd: string, payload: string): void {
    if (kind === ACK) this.counters.acks++;
    else this.counters.naks++;
    const bytes = Buffer.from([kind, ...Buffer.from(String(this.address).padStart(2, '0'), 'latin1'), code.charCodeAt(0)]);
    port.write(bytes);
    this.record(cmd, payload, `${kind === ACK ? 'ACK' : 'NAK'}${code}`);
  }

  /** Noise that is never a valid reply: random bytes with every ACK/NAK byte replaced. */
  private babble(port: SimPort, cmd: string, payload: string): void {
    const out: number[] = [];
    const n = 1 + (this.rand() % 8);
    for (let i = 0; i < n; i++) {
      const b = this.rand() & 0xff;
      out.push(b === ACK || b === NAK ? 0x3f : b);
    }
    port.write(Buffer.from(out));
    this.record(cmd, payload, 'garbage');
  }

  private rand(): number {
    // xorshift32
    let x = this.noise;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.noise = x >>> 0;
    return this.noise;
  }

  private record(cmd: string, payload: string, reply: string): void {
    this.emit('frame', { cmd, payload, reply });
  }
}
