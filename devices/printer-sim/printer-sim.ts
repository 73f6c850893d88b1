// A simulated ESC/POS receipt printer (an Epson TM-T20-like 80 mm printer), or a Star
// in Star Line Mode, on the far end of a sim:// link, a TCP socket (port 9100) or a
// pty. It decodes what it receives into documents (one per cut), answers DLE EOT (a
// Star: ESC ACK SOH, with its ASB) in real time, and plays the ways a real one stops:
// paper out, paper near end, cover open, offline, a back channel that answers garbage
// or nothing, and an unplug. While it cannot print it holds the data, as a real
// printer's receive buffer does, and prints it afterwards.
import { EventEmitter } from 'node:events';
import { encodeStatus, type StatusBits } from '../../firmware-ts/src/drivers/printer/escpos.js';
import { encodeStarStatus } from '../../firmware-ts/src/drivers/printer/star-status.js';
import type { SimPort, Simulator } from '../../firmware-ts/src/transport/sim-link.js';
import { EscPosTokenizer, type Cmd, type StreamTokenizer } from './escpos-parse.js';
import { EPSON_TABLES, Page, STAR_TABLES, type CodeTables, type PrintedDocument } from './page.js';
import { StarLineTokenizer, type CommandSet } from './star-parse.js';

export type { PrintedDocument, Item, Span } from './page.js';
export type Paper = 'ok' | 'near-end' | 'out';
/** How the back channel behaves: real status bytes, nothing (a write-only USB printer), or noise. */
export type Answers = 'status' | 'silent' | 'garbage';

export interface PrinterSimOptions {
  /** ESC/POS (an Epson TM-T20, the default) or Star Line Mode (a Star TSP100/TSP650 in Star mode). */
  commandSet?: CommandSet;
  /** ESC t n (Star: ESC GS t n) -> code page this model has (default: Epson 13 CP857, 48 CP1254; Star 12 CP857). */
  codeTables?: CodeTables;
  answers?: Answers;
  /**
   * A Star's ASB as its interface sends it: `serial` (USB or serial, the default: 9 bytes,
   * Header 2 0x06) or `lan` (Ethernet, Star's spec 5-1-4: Header 2 bit 7 set, then Length 0x0000).
   */
  starInterface?: 'serial' | 'lan';
}

export interface PrinterSimEvents {
  document: [PrintedDocument];
  /** DLE EOT n, or 'asb' for a Star's ESC ACK SOH. */
  query: [number | 'asb'];
}

export class PrinterSim extends EventEmitter<PrinterSimEvents> implements Simulator {
  readonly documents: PrintedDocument[] = [];
  /** Every byte received, in order (for tests that also look at the raw stream). */
  readonly received: Buffer[] = [];
  readonly counters = { attaches: 0, refused: 0, bytes: 0, statusQueries: 0, unknownCommands: 0 };
  paper: Paper = 'ok';
  coverOpen = false;
  offline = false;
  answers: Answers;
  readonly starInterface: 'serial' | 'lan';
  private unplugged = false;
  private readonly ports = new Set<SimPort>();
  private readonly page: Page;
  private held: Cmd[] = [];

  readonly commandSet: CommandSet;

  constructor(opts: PrinterSimOptions = {}) {
    super();
    this.commandSet = opts.commandSet ?? 'escpos';
    this.answers = opts.answers ?? 'status';
    this.starInterface = opts.starInterface ?? 'serial';
    this.page = new Page(opts.codeTables ?? tablesOf(this.commandSet), (doc) => {
      this.documents.push(doc);
      this.emit('document', doc);
    });
  }

  attach(port: SimPort, _params: Record<string, string>): void {
    if (this.unplugged) {
      this.counters.refused++;
      throw Object.assign(new Error('printer unplugged'), { code: 'ENOENT' });
    }
    this.counters.attaches++;
    this.ports.add(port);
    const tok = tokenizerFor(this.commandSet);
    port.on('data', (d) => this.receive(tok, d, port));
    port.on('close', () => this.ports.delete(port));
  }

  /** True when it would put ink on paper now. */
  get printable(): boolean {
    return this.paper !== 'out' && !this.coverOpen && !this.offline;
  }

  /** The status bits of the current state (DLE EOT bytes or a Star ASB encode them). */
  bits(): StatusBits {
    return {
      offline: !this.printable,
      coverOpen: this.coverOpen,
      paperStop: this.paper === 'out',
      error: false,
      paperNearEnd: this.paper !== 'ok',
      paperEnd: this.paper === 'out',
    };
  }

  setPaper(p: Paper): void {
    this.paper = p;
    this.resume();
  }

  setCover(open: boolean): void {
    this.coverOpen = open;
    this.resume();
  }

  setOffline(off: boolean): void {
    this.offline = off;
    this.resume();
  }

  /** Sends bytes nobody asked for (a confused device on the printer's port). */
  babble(bytes: Buffer | string): void {
    for (const p of this.ports) p.write(bytes);
  }

  /** Pulls the cable: open links drop, new ones are refused until replug(). */
  unplug(): void {
    this.unplugged = true;
    for (const p of this.ports) p.unplug();
    this.ports.clear();
  }

  replug(): void {
    this.unplugged = false;
  }

  get isUnplugged(): boolean {
    return this.unplugged;
  }

  /** Commands held while the printer could not print. */
  get heldCommands(): number {
    return this.held.length;
  }

  /** Unknown command bytes seen so far (hex), for tests. */
  get unknownCommands(): string[] {
    return this.page.unknown;
  }

  private receive(tok: StreamTokenizer, chunk: Buffer, port: SimPort): void {
    this.received.push(Buffer.from(chunk));
    this.counters.bytes += chunk.length;
    for (const c of tok.push(chunk)) {
      if (c.k === 'status' || c.k === 'asb') {
        this.answer(port, c.k === 'asb' ? 'asb' : c.n);
        continue;
      }
      if (c.k === 'unknown') this.counters.unknownCommands++;
      if (this.printable && this.held.length === 0) this.page.apply(c);
      else this.held.push(c);
    }
  }

  /** DLE EOT n or a Star's ESC ACK SOH: answered at once, even while offline (that is the point of it). */
  private answer(port: SimPort, n: number | 'asb'): void {
    this.counters.statusQueries++;
    this.emit('query', n);
    if (this.answers === 'silent') return;
    if (this.answers === 'garbage') {
      port.write(Buffer.from([0xff, 0x3f, 0x41]));
      return;
    }
    if (n === 'asb') port.write(encodeStarStatus(this.bits(), { lengthField: this.starInterface === 'lan' }));
    else if (n === 1 || n === 2 || n === 4) port.write(Buffer.from([encodeStatus(n, this.bits())]));
    else if (n === 3) port.write(Buffer.from([0x12])); // n=3 error cause: none
  }

  private resume(): void {
    if (!this.printable) return;
    const held = this.held;
    this.held = [];
    for (const c of held) this.page.apply(c);
  }
}

function tokenizerFor(set: CommandSet): StreamTokenizer {
  return set === 'star' ? new StarLineTokenizer() : new EscPosTokenizer();
}

/** The code tables a model of this command set has, unless the options name others. */
function tablesOf(set: CommandSet): CodeTables {
  return set === 'star' ? STAR_TABLES : EPSON_TABLES;
}

/** Decodes a whole byte stream (e.g. a file a file:// printer wrote) into documents. */
export function decodeEscPos(bytes: Buffer, opts: { codeTables?: CodeTables; commandSet?: CommandSet } = {}): PrintedDocument[] {
  const docs: PrintedDocument[] = [];
  const set = opts.commandSet ?? 'escpos';
  const page = new Page(opts.codeTables ?? tablesOf(set), (d) => docs.push(d));
  for (const c of tokenizerFor(set).push(bytes)) page.apply(c);
  return docs;
}
