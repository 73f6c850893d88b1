// `vimgw gnss replay FILE [--json]`: a recorded NMEA log through the driver's own
// framer, parser and state, one fix per epoch. With --json each line is
// {time, mode, lat, lon, altMSL, speed, track} with gpsd's field names and units
// (mode 1 no fix, 2 2D, 3 3D; speed m/s; track degrees true), so the output can be
// set beside gpsd's TPV reports line by line. What the framer and parser dropped
// goes to stderr, so stdout stays one fix per line. The file is streamed, not read
// whole (a week of logs is hundreds of MB on a Pi), with a progress bar on stderr
// (cli/progress.ts: plain lines when stderr is not a terminal).
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { framerDropped, NmeaFramer, type NmeaFramerCounters } from '../drivers/gnss/nmea-framer.js';
import { NmeaParser, type NmeaParserCounters } from '../drivers/gnss/nmea-sentences.js';
import { GnssState, type GnssFix } from '../drivers/gnss/gnss-state.js';
import { EXIT } from './output.js';
import { Progress } from './progress.js';
import { bytes as fmtBytes } from './table.js';

export interface ReplayResult {
  fixes: GnssFix[];
  framer: NmeaFramerCounters;
  parser: NmeaParserCounters;
}

/**
 * A log replayed chunk by chunk; fixes go to `onFix` as their epochs end. Lines starting
 * with "#" are skipped: gpsd's regression logs (and ours) use them for notes, and a note
 * may quote a sentence. The framer carries a sentence split across chunks.
 */
export class NmeaReplay {
  private readonly framer = new NmeaFramer();
  private readonly parser = new NmeaParser();
  private readonly state = new GnssState({ staleAfterMs: Number.MAX_SAFE_INTEGER });
  private atLineStart = true;
  private inComment = false;
  private readonly onSentence = (line: string): void => {
    const s = this.parser.parse(line);
    if (s === null) return;
    const fix = this.state.apply(s, 0);
    if (fix !== null) this.onFix(fix);
  };

  constructor(private readonly onFix: (f: GnssFix) => void) {}

  push(chunk: Buffer): void {
    let start = 0;
    while (start < chunk.length) {
      if (this.atLineStart) this.inComment = chunk[start] === 0x23;
      const nl = chunk.indexOf(0x0a, start);
      const end = nl < 0 ? chunk.length : nl + 1;
      if (!this.inComment) this.framer.feedTo(chunk.subarray(start, end), this.onSentence);
      this.atLineStart = nl >= 0;
      start = end;
    }
  }

  end(): { framer: NmeaFramerCounters; parser: NmeaParserCounters } {
    for (const line of this.framer.end()) this.onSentence(line);
    const last = this.state.flush();
    if (last !== null) this.onFix(last);
    return { framer: this.framer.counters, parser: this.parser.counters };
  }
}

/** Replays a whole log held in memory. */
export function replayNmea(bytes: Buffer): ReplayResult {
  const fixes: GnssFix[] = [];
  const r = new NmeaReplay((f) => fixes.push(f));
  r.push(bytes);
  return { fixes, ...r.end() };
}

const GPSD_MODE = { none: 1, '2d': 2, '3d': 3 } as const;

function fixJson(f: GnssFix): string {
  return JSON.stringify({ time: f.time, mode: GPSD_MODE[f.mode], lat: f.lat, lon: f.lon, altMSL: f.altMSL, speed: f.speed, track: f.track });
}

const col = (v: number | null, digits: number, width: number, unit = ''): string =>
  (v === null ? '-' : v.toFixed(digits) + unit).padStart(width);

function fixLine(f: GnssFix): string {
  return [
    (f.time ?? '(no date yet)').padEnd(24),
    (f.mode === 'none' ? 'no fix' : f.mode.toUpperCase()).padEnd(6),
    col(f.lat, 7, 12),
    col(f.lon, 7, 13),
    col(f.altMSL, 1, 9, ' m'),
    col(f.speed, 2, 10, ' m/s'),
    col(f.track, 1, 7, '°'),
  ].join(' ');
}

function summary(r: { fixes: number; framer: NmeaFramerCounters; parser: NmeaParserCounters }): string {
  const f = r.framer;
  const p = r.parser;
  const drops = (['checksum', 'no_checksum', 'too_long', 'truncated', 'garbage'] as const).filter((k) => f[k] > 0).map((k) => `${k} ${f[k]}`);
  const ignored = (['proprietary', 'talker', 'unsupported', 'malformed'] as const).filter((k) => p[k] > 0).map((k) => `${k} ${p[k]}`);
  return (
    `${r.fixes} fixes; sentences: ${f.accepted} framed, ${framerDropped(f)} dropped${drops.length > 0 ? ` (${drops.join(', ')})` : ''}; ` +
    `${p.parsed} parsed, ${p.proprietary + p.talker + p.unsupported + p.malformed} ignored${ignored.length > 0 ? ` (${ignored.join(', ')})` : ''}\n`
  );
}

/** Output lines are written in batches: a day's log is ~86,000 fixes. */
const BATCH_LINES = 1000;

export async function gnssReplay(file: string, json: boolean): Promise<number> {
  let size: number;
  try {
    const st = await stat(file);
    if (!st.isFile()) throw new Error('not a regular file');
    size = st.size;
  } catch (e) {
    process.stderr.write(`cannot read ${file}: ${(e as Error).message}\n`);
    return EXIT.failed;
  }
  const progress = new Progress(`replaying ${file}`, { format: fmtBytes });
  // When the fixes go to the same terminal as the bar, the bar steps aside for each batch.
  const shareTerminal = process.stdout.isTTY === true;
  let batch: string[] = [];
  let fixes = 0;
  const flush = (): void => {
    if (batch.length === 0) return;
    if (shareTerminal) progress.clear();
    process.stdout.write(batch.join('\n') + '\n');
    batch = [];
  };
  const replay = new NmeaReplay((f) => {
    fixes++;
    batch.push(json ? fixJson(f) : fixLine(f));
    if (batch.length >= BATCH_LINES) flush();
  });
  let read = 0;
  try {
    for await (const chunk of createReadStream(file, { highWaterMark: 256 * 1024 })) {
      replay.push(chunk as Buffer);
      read += (chunk as Buffer).length;
      progress.update(read, size);
    }
  } catch (e) {
    flush();
    progress.done();
    process.stderr.write(`cannot read ${file}: ${(e as Error).message}\n`);
    return EXIT.failed;
  }
  const counters = replay.end();
  flush();
  progress.done();
  process.stderr.write(summary({ fixes, ...counters }));
  return EXIT.ok;
}
