// `vimgw gnss replay FILE [--json]`: a recorded NMEA log through the driver's own
// framer, parser and state, one fix per epoch. With --json each line is
// {time, mode, lat, lon, altMSL, speed, track} with gpsd's field names and units
// (mode 1 no fix, 2 2D, 3 3D; speed m/s; track degrees true), so the output can be
// set beside gpsd's TPV reports line by line. What the framer and parser dropped
// goes to stderr, so stdout stays one fix per line.
import { readFile } from 'node:fs/promises';
import { framerDropped, NmeaFramer, type NmeaFramerCounters } from '../drivers/gnss/nmea-framer.js';
import { NmeaParser, type NmeaParserCounters } from '../drivers/gnss/nmea-sentences.js';
import { GnssState, type GnssFix } from '../drivers/gnss/gnss-state.js';
import { EXIT } from './output.js';

export interface ReplayResult {
  fixes: GnssFix[];
  framer: NmeaFramerCounters;
  parser: NmeaParserCounters;
}

/**
 * Replays a log's bytes. Lines starting with "#" are skipped: gpsd's regression logs (and ours) use them
 * for notes, and a note may quote a sentence.
 */
export function replayNmea(bytes: Buffer): ReplayResult {
  const framer = new NmeaFramer();
  const parser = new NmeaParser();
  const state = new GnssState({ staleAfterMs: Number.MAX_SAFE_INTEGER });
  const fixes: GnssFix[] = [];
  const onSentence = (line: string): void => {
    const s = parser.parse(line);
    if (s === null) return;
    const fix = state.apply(s, 0);
    if (fix !== null) fixes.push(fix);
  };
  let start = 0;
  while (start < bytes.length) {
    const nl = bytes.indexOf(0x0a, start);
    const end = nl < 0 ? bytes.length : nl + 1;
    if (bytes[start] !== 0x23) framer.feedTo(bytes.subarray(start, end), onSentence);
    start = end;
  }
  for (const line of framer.end()) onSentence(line);
  const last = state.flush();
  if (last !== null) fixes.push(last);
  return { fixes, framer: framer.counters, parser: parser.counters };
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

function summary(r: ReplayResult): string {
  const f = r.framer;
  const p = r.parser;
  const drops = (['checksum', 'no_checksum', 'too_long', 'truncated', 'garbage'] as const).filter((k) => f[k] > 0).map((k) => `${k} ${f[k]}`);
  const ignored = (['proprietary', 'talker', 'unsupported', 'malformed'] as const).filter((k) => p[k] > 0).map((k) => `${k} ${p[k]}`);
  return (
    `${r.fixes.length} fixes; sentences: ${f.accepted} framed, ${framerDropped(f)} dropped${drops.length > 0 ? ` (${drops.join(', ')})` : ''}; ` +
    `${p.parsed} parsed, ${p.proprietary + p.talker + p.unsupported + p.malformed} ignored${ignored.length > 0 ? ` (${ignored.join(', ')})` : ''}\n`
  );
}

export async function gnssReplay(file: string, json: boolean): Promise<number> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (e) {
    process.stderr.write(`cannot read ${file}: ${(e as Error).message}\n`);
    return EXIT.failed;
  }
  const r = replayNmea(bytes);
  const lines = r.fixes.map(json ? fixJson : fixLine);
  // One write per batch: a day's log is ~86,000 lines.
  for (let i = 0; i < lines.length; i += 1000) process.stdout.write(lines.slice(i, i + 1000).join('\n') + '\n');
  process.stderr.write(summary(r));
  return EXIT.ok;
}
