// Replays a recorded NMEA log (for example the gpsd regression logs in
// test/fixtures/nmea-gpsd/) line by line, either paced by the log's own UTC time
// stamps or at a fixed number of lines per second. Lines go out with the bytes and
// line ends they have in the file (gpsd's logs use LF only); '#' comment lines and
// blank lines are skipped because a receiver never sent them.
import { readFile } from 'node:fs/promises';

export interface ReplayOptions {
  /** Lines per second. Without it the log is paced by its own time stamps (RMC, GGA, GLL, GNS, ZDA, GST, GBS). */
  rate?: number;
  /** Divides the time-stamp pacing (2 plays twice as fast); ignored with `rate`. Default 1. */
  speedup?: number;
  /** Start over at the end until cancelled. */
  loop?: boolean;
}

export interface ReplayResult {
  /** Lines written (over every loop). */
  lines: number;
  /** False when the replay was cancelled (unplug, stop, another replay) before the end. */
  completed: boolean;
}

/** A cancellable replay: cancel() ends the pacing sleep at once. */
export class ReplayToken {
  cancelled = false;
  private wake: (() => void) | null = null;
  private timer: NodeJS.Timeout | null = null;

  cancel(): void {
    this.cancelled = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.wake?.();
    this.wake = null;
  }

  sleep(ms: number): Promise<void> {
    if (this.cancelled) return Promise.resolve();
    return new Promise((resolve) => {
      this.wake = resolve;
      this.timer = setTimeout(() => {
        this.timer = null;
        this.wake = null;
        resolve();
      }, ms);
      this.timer.unref();
    });
  }
}

/** Gaps longer than this in the log's time stamps (a receiver restart, midnight) are replayed as one second. */
const MAX_GAP_S = 10;
const STAMPED = /^\$[A-Z]{2}(RMC|GGA|GLL|GNS|ZDA|GST|GBS),/;

/** Seconds of the UTC day in a sentence's time field, or null when it carries none. */
export function lineTimestamp(line: string): number | null {
  const m = STAMPED.exec(line);
  if (!m) return null;
  const fields = line.split(',');
  const raw = m[1] === 'GLL' ? fields[5] : fields[1];
  const t = /^(\d{2})(\d{2})(\d{2}(?:\.\d+)?)$/.exec(raw ?? '');
  if (!t) return null;
  return Number(t[1]) * 3600 + Number(t[2]) * 60 + Number(t[3]);
}

/** The receiver lines of a log file, each with its own line end. */
export async function readLogLines(path: string): Promise<Buffer[]> {
  const data = await readFile(path);
  const lines: Buffer[] = [];
  let start = 0;
  while (start < data.length) {
    const nl = data.indexOf(0x0a, start);
    const end = nl < 0 ? data.length : nl + 1;
    const line = data.subarray(start, end);
    start = end;
    if (line[0] === 0x23 /* # */) continue;
    if (line.toString('latin1').trim() === '') continue;
    lines.push(line);
  }
  return lines;
}

export async function replayLines(lines: readonly Buffer[], opts: ReplayOptions, write: (line: Buffer) => void, token: ReplayToken): Promise<ReplayResult> {
  if (opts.rate !== undefined && !(opts.rate > 0)) throw new Error(`rate: must be > 0 lines per second (got ${opts.rate})`);
  const speedup = opts.speedup ?? 1;
  if (!(speedup > 0)) throw new Error(`speedup: must be > 0 (got ${speedup})`);
  let written = 0;
  do {
    const t0 = Date.now();
    let prev: number | null = null;
    for (let i = 0; i < lines.length; i++) {
      if (token.cancelled) return { lines: written, completed: false };
      const line = lines[i]!;
      if (opts.rate !== undefined) {
        const wait = t0 + (i * 1000) / opts.rate - Date.now();
        if (wait > 4) await token.sleep(wait);
      } else {
        const ts = lineTimestamp(line.toString('latin1'));
        if (ts !== null) {
          if (prev !== null && ts !== prev) {
            let gap = ts - prev;
            if (gap < MAX_GAP_S - 86_400) gap += 86_400; // past midnight
            // A stamp going backwards (talkers out of step) waits nothing; a long gap waits one second.
            if (gap > 0) await token.sleep(((gap > MAX_GAP_S ? 1 : gap) * 1000) / speedup);
          }
          prev = ts;
        }
      }
      if (token.cancelled) return { lines: written, completed: false };
      write(line);
      written++;
    }
  } while (opts.loop && !token.cancelled && lines.length > 0);
  return { lines: written, completed: !token.cancelled };
}
