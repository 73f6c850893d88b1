// Issue 3's GNSS bench row: sentences per second from a 100,000-sentence mixed log,
// ours next to the npm packages `gps` and `nmea-simple` on the same sentences, and
// what our path allocates per sentence.
//
// The log is every checksummed sentence of the gpsd fixture logs (25 receivers: RMC,
// GGA, GSA, GSV, VTG, GLL, ZDA, proprietary, AIS, instruments...), repeated in order to
// 100,000. Sentences either package throws on are left out, so nobody pays for
// exceptions. The comparison leans their way: they get ready-split line strings,
// while ours starts from raw bytes and runs the whole driver path (framer with
// checksum, parser, epoch state), as on the serial port.
//
// Speed is sentences per second of process CPU time, best of 7 interleaved rounds.
// Allocation: the heap used before and after slices of 2,000 sentences, after a full
// GC when node runs with --expose-gc; without it, slices a GC ran in (the heap
// shrank) are skipped and the median of the rest is taken, which is approximate.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import GPS from 'gps';
import { parseUnsafeNmeaSentence } from 'nmea-simple';
import { NmeaFramer } from '../../firmware-ts/src/drivers/gnss/nmea-framer.js';
import { NmeaParser } from '../../firmware-ts/src/drivers/gnss/nmea-sentences.js';
import { GnssState } from '../../firmware-ts/src/drivers/gnss/gnss-state.js';

const SENTENCES = 100_000;
const ROUNDS = 7;
const SLICE = 2_000;

/** test/fixtures/nmea-gpsd, from scripts/bench or dist/scripts/bench alike (or the working directory). */
function fixturesDir(): string {
  const here = join(process.cwd(), 'test', 'fixtures', 'nmea-gpsd');
  if (existsSync(here)) return here;
  for (let d = dirname(fileURLToPath(import.meta.url)); d !== dirname(d); d = dirname(d)) {
    const f = join(d, 'test', 'fixtures', 'nmea-gpsd');
    if (existsSync(f)) return f;
  }
  throw new Error('test/fixtures/nmea-gpsd not found above ' + fileURLToPath(import.meta.url));
}

/** Both packages take the line without throwing (some throw on short GSAs and the like). */
function othersAccept(line: string): boolean {
  try {
    new GPS().update(line);
    parseUnsafeNmeaSentence(line);
    return true;
  } catch {
    return false;
  }
}

export function buildMixedLog(count = SENTENCES): string[] {
  const dir = fixturesDir();
  const pool: string[] = [];
  for (const f of readdirSync(dir).filter((x) => x.endsWith('.log')).sort()) {
    const framer = new NmeaFramer();
    const lines = readFileSync(join(dir, f), 'latin1').split('\n').filter((l) => !l.startsWith('#'));
    framer.feedTo(Buffer.from(lines.join('\n'), 'latin1'), (s) => {
      if (othersAccept(s)) pool.push(s);
    });
  }
  return Array.from({ length: count }, (_, i) => pool[i % pool.length]!);
}

function ours(bytes: Buffer): number {
  const framer = new NmeaFramer();
  const parser = new NmeaParser();
  const state = new GnssState({ staleAfterMs: 5000 });
  let fixes = 0;
  framer.feedTo(bytes, (line) => {
    const s = parser.parse(line);
    if (s !== null && state.apply(s, 0) !== null) fixes++;
  });
  return fixes;
}

function gps(lines: readonly string[]): number {
  const g = new GPS();
  let ok = 0;
  for (const l of lines) if (g.update(l)) ok++;
  return ok;
}

function nmeaSimple(lines: readonly string[]): number {
  let ok = 0;
  for (const l of lines) if (parseUnsafeNmeaSentence(l).sentenceId !== undefined) ok++;
  return ok;
}

/**
 * Process CPU time of one call: on a shared machine other processes take wall-clock time from a run
 * but not CPU time from it.
 */
function cpuSeconds(run: () => number): number {
  const t0 = process.cpuUsage();
  run();
  const t = process.cpuUsage(t0);
  return (t.user + t.system) / 1e6;
}

/** Sentences per CPU second for each contender: rounds interleaved, so all see the same machine, best round each. */
async function rates(runs: readonly (() => number)[], n: number): Promise<number[]> {
  for (const run of runs) run(); // warm-up: let the JIT settle
  const best = runs.map(() => Infinity);
  for (let r = 0; r < ROUNDS; r++) {
    for (let k = 0; k < runs.length; k++) {
      await new Promise((resolve) => setImmediate(resolve));
      best[k] = Math.min(best[k]!, cpuSeconds(runs[k]!));
    }
  }
  return best.map((s) => n / s);
}

/** Heap bytes our path allocates per sentence, over slices of the log. */
function allocPerSentence(lines: readonly string[]): number {
  const gc = (globalThis as { gc?: () => void }).gc;
  const framer = new NmeaFramer();
  const parser = new NmeaParser();
  const state = new GnssState({ staleAfterMs: 5000 });
  const sink = (line: string): void => {
    const s = parser.parse(line);
    if (s !== null) state.apply(s, 0);
  };
  const chunks: Buffer[] = [];
  for (let i = 0; i < lines.length; i += SLICE) chunks.push(Buffer.from(lines.slice(i, i + SLICE).join('\r\n') + '\r\n', 'latin1'));
  framer.feedTo(chunks[0]!, sink); // warm
  const perSentence: number[] = [];
  for (const chunk of chunks) {
    gc?.();
    const before = process.memoryUsage().heapUsed;
    framer.feedTo(chunk, sink);
    const grew = process.memoryUsage().heapUsed - before;
    if (grew >= 0) perSentence.push(grew / SLICE);
  }
  perSentence.sort((a, b) => a - b);
  return perSentence[Math.floor(perSentence.length / 2)] ?? NaN;
}

export async function benchNmeaParse(): Promise<{ ours: number; gps: number; nmeaSimple: number; sentences: number; allocBytesPerSentence: number }> {
  const lines = buildMixedLog();
  const bytes = Buffer.from(lines.join('\r\n') + '\r\n', 'latin1');
  const [o, g, n] = await rates([() => ours(bytes), () => gps(lines), () => nmeaSimple(lines)], lines.length);
  return { ours: o!, gps: g!, nmeaSimple: n!, sentences: lines.length, allocBytesPerSentence: allocPerSentence(lines) };
}
