// Byte-level AT response framer: turns whatever the serial port delivers (chunks cut
// anywhere, NULs from a module powering up, binary noise, overlong or truncated
// lines) into response lines and SMS prompts, and counts what it dropped, by reason.
//
// V.250 §5.7.1 (ATV1, verbose responses): every result and information line is
// framed as <CR><LF>text<CR><LF>. Echoed command lines end with <CR> alone, and
// some modules omit the leading pair, so a line is simply the bytes between any two
// line-end bytes; empty lines are framing, not records.
// 27.005 §3.5.1 +CMGS: in text mode the MT answers the command line with the
// four characters <CR><LF><greater_than><space> and NO line end; we report that
// as a prompt as soon as "> " starts a line.
//
// Accounting: every non-empty record between line ends ends up exactly once in
// the counters: a line handed out, a prompt, or dropped (too_long, binary). NUL
// bytes are skipped and counted on their own (modules pad with them at power-up).

/** Longest line we accept, in bytes. 27.007 sets no limit; our longest real answer (+COPS: / +CPSI:) is under 200. */
export const AT_MAX_LINE = 1024;

export interface AtFramerCounters {
  /** Bytes fed in. */
  bytes: number;
  /** Lines handed out. */
  lines: number;
  /** "> " prompts handed out (27.005 §3.5.1). */
  prompts: number;
  /** Lines longer than AT_MAX_LINE, dropped whole. */
  too_long: number;
  /** Lines with a control byte or a byte above 0x7E (AT responses are IRA, 27.007 §5.5), dropped whole. */
  binary: number;
  /** NUL bytes skipped. */
  nul: number;
}

export interface AtFramerSink {
  line(text: string): void;
  prompt(): void;
}

const CR = 0x0d;
const LF = 0x0a;
const TAB = 0x09;
const GT = 0x3e;
const SPACE = 0x20;

export class AtFramer {
  readonly counters: AtFramerCounters = { bytes: 0, lines: 0, prompts: 0, too_long: 0, binary: 0, nul: 0 };
  private readonly buf = Buffer.alloc(AT_MAX_LINE);
  private len = 0;
  private overlong = false;
  private binary = false;

  constructor(private readonly sink: AtFramerSink) {}

  push(chunk: Buffer): void {
    this.counters.bytes += chunk.length;
    for (let i = 0; i < chunk.length; i++) {
      const b = chunk[i]!;
      if (b === CR || b === LF) {
        this.endLine();
        continue;
      }
      if (b === 0) {
        this.counters.nul++;
        continue;
      }
      if ((b < SPACE && b !== TAB) || b > 0x7e) this.binary = true;
      if (this.len === AT_MAX_LINE) {
        this.overlong = true;
        continue;
      }
      if (this.overlong) continue;
      this.buf[this.len++] = b;
      if (this.len === 2 && b === SPACE && this.buf[0] === GT && !this.binary) {
        // 27.005 §3.5.1: the "> " prompt comes without a line end.
        this.len = 0;
        this.counters.prompts++;
        this.sink.prompt();
      }
    }
  }

  /** Drops a partial line (the port closed mid-line): it is counted as nothing, it never was a record. */
  reset(): void {
    this.len = 0;
    this.overlong = false;
    this.binary = false;
  }

  /** Records seen so far, for the accounting check: lines + prompts + drops. */
  get records(): number {
    const c = this.counters;
    return c.lines + c.prompts + c.too_long + c.binary;
  }

  private endLine(): void {
    const { len, overlong, binary } = this;
    this.len = 0;
    this.overlong = false;
    this.binary = false;
    if (overlong) {
      this.counters.too_long++;
      return;
    }
    if (binary) {
      this.counters.binary++;
      return;
    }
    let end = len;
    while (end > 0 && (this.buf[end - 1] === SPACE || this.buf[end - 1] === TAB)) end--;
    let start = 0;
    while (start < end && (this.buf[start] === SPACE || this.buf[start] === TAB)) start++;
    if (start === end) return; // framing only (an empty line between CR LF pairs)
    this.counters.lines++;
    this.sink.line(this.buf.toString('latin1', start, end));
  }
}
