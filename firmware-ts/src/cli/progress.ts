// Progress on long work (issue 9 "Output": export, sync now, gnss replay). On a terminal a
// bar redrawn in place on stderr; otherwise (a log file, a pipe, ssh without a tty) a plain
// line every few seconds, so a crew following a slow job over a poor link still sees it
// move and a script's log shows how far it got. Never on stdout, which carries the data.

export interface ProgressOptions {
  /** Where the progress goes (default: process.stderr). */
  out?: { write(s: string): unknown; isTTY?: boolean };
  /** Formats a count (e.g. bytes); default: the number and the unit. */
  format?: (n: number) => string;
  unit?: string;
  /** Plain-line mode: most one line per this many ms (default 5000). */
  lineEveryMs?: number;
  now?: () => number;
}

const BAR_WIDTH = 30;
/** Redraws closer together than this are skipped: an SSH session on a cellular link cannot keep up. */
const REDRAW_MS = 100;

export class Progress {
  private readonly out: NonNullable<ProgressOptions['out']>;
  private readonly tty: boolean;
  private readonly now: () => number;
  private readonly lineEveryMs: number;
  private lastDraw = Number.NEGATIVE_INFINITY;
  private drawn = false;
  private lines = 0;

  constructor(
    private readonly label: string,
    private readonly o: ProgressOptions = {},
  ) {
    this.out = o.out ?? process.stderr;
    this.tty = this.out.isTTY === true;
    this.now = o.now ?? Date.now;
    this.lineEveryMs = o.lineEveryMs ?? 5000;
  }

  /** Plain lines written so far (non-terminal mode). */
  get linesWritten(): number {
    return this.lines;
  }

  update(done: number, total: number | null): void {
    const t = this.now();
    if (this.tty) {
      // The last step is always drawn, so a finished bar never shows 97 %.
      if (t - this.lastDraw < REDRAW_MS && !(total !== null && done >= total)) return;
      this.lastDraw = t;
      const bar = total !== null && total > 0 ? `[${'#'.repeat(Math.round((Math.min(done, total) / total) * BAR_WIDTH)).padEnd(BAR_WIDTH, '.')}] ` : '';
      this.out.write(`\r${this.label} ${bar}${this.count(done, total)}\x1b[K`);
      this.drawn = true;
      return;
    }
    // The first line waits a whole interval: a job that ends sooner needs no progress at all.
    if (this.lastDraw === Number.NEGATIVE_INFINITY) this.lastDraw = t;
    if (t - this.lastDraw < this.lineEveryMs) return;
    this.lastDraw = t;
    this.lines++;
    this.out.write(`${this.label}: ${this.count(done, total)}\n`);
  }

  /** Takes the bar off the line, before other output goes to the same terminal; the next update redraws it. */
  clear(): void {
    if (!this.tty || !this.drawn) return;
    this.out.write('\r\x1b[K');
    this.drawn = false;
    this.lastDraw = Number.NEGATIVE_INFINITY;
  }

  done(message?: string): void {
    if (this.tty) {
      if (this.drawn || message) this.out.write(`\r\x1b[K${message ? `${message}\n` : ''}`);
      this.drawn = false;
    } else if (message) this.out.write(`${message}\n`);
  }

  private count(done: number, total: number | null): string {
    const f = this.o.format ?? ((n: number) => `${n}${this.o.unit ?? ''}`);
    if (total === null) return f(done);
    const pct = total > 0 ? ` (${Math.floor((Math.min(done, total) / total) * 100)} %)` : '';
    return `${f(done)} of ${f(total)}${pct}`;
  }
}
