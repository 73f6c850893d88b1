// Bad input (issue 3, "Bad input"): over a million random and mutated NMEA lines
// through the framer, parser and state. Nothing may throw, every record the framer
// saw must be counted exactly once (accepted or dropped for one reason), every byte
// accounted for, and no number anywhere may be NaN or infinite.
//
// The lines are real fixture sentences, mutated: bit flips, truncation, duplication,
// NUL bytes, huge numbers and odd fields (re-checksummed, so they reach the parser),
// wrong checksums, binary junk, overlong lines, missing line ends (glued sentences).
// A seeded generator keeps every run the same (FUZZ_SEED changes it, docs/fuzzing.md).
// Every chunk fed is timed (an input's time is at most its chunk's), the heap after GC
// must not grow, and a fast-check property adds generated and mutated sentences.
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { expect, it } from 'vitest';
import { framerDropped, NmeaFramer } from '../../firmware-ts/src/drivers/gnss/nmea-framer.js';
import { NmeaParser } from '../../firmware-ts/src/drivers/gnss/nmea-sentences.js';
import { GnssState } from '../../firmware-ts/src/drivers/gnss/gnss-state.js';
import { chunked, fcParams, generatedBytes, HANG_MS, HEAP_SLACK, InputClock, mutatedBytes, report, runs, seed as fuzzSeed, settledHeap } from './harness.js';

const DIR = fileURLToPath(new URL('../fixtures/nmea-gpsd/', import.meta.url));
const LINES = runs(1_000_000);
const BATCH = 20_000;

const corpus: string[] = [];
for (const f of readdirSync(DIR).filter((x) => x.endsWith('.log'))) {
  for (const line of readFileSync(DIR + f, 'latin1').split('\n')) {
    const l = line.replace(/\r$/, '');
    if (/^[$!][ -~]{5,79}$/.test(l)) corpus.push(l);
  }
}

/** xorshift32: fast, and the same lines on every run. */
let seed = fuzzSeed(0x9e3779b9) >>> 0 || 1;
function rnd(n: number): number {
  seed ^= seed << 13;
  seed ^= seed >>> 17;
  seed ^= seed << 5;
  return (seed >>> 0) % n;
}

function withChecksum(body: string): string {
  let x = 0;
  for (let i = 0; i < body.length; i++) x ^= body.charCodeAt(i);
  return `$${body}*${(x & 0xff).toString(16).toUpperCase().padStart(2, '0')}`;
}
const bodyOf = (l: string): string => l.slice(1, l.lastIndexOf('*') > 0 ? l.lastIndexOf('*') : l.length);
const HUGE = ['9'.repeat(40), '-' + '9'.repeat(25) + '.9', '1e400', '0.' + '0'.repeat(30) + '1', '-0', '+.5', '.', '--1', '99999999', '4807.038.1', 'NaN', 'Infinity', '', '0x1F'];
const TYPES = ['RMC', 'GGA', 'GSA', 'GSV', 'VTG', 'GLL', 'ZDA', 'TXT', 'GST'];
const TALKERS = ['GP', 'GL', 'GA', 'GB', 'BD', 'GQ', 'GN', 'GI', 'IN', 'PQ', 'P'];

function binary(n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += String.fromCharCode(rnd(256));
  return s;
}

/** One line, and whether it is a pristine sentence the framer must accept. */
function makeLine(): [string, boolean] {
  const base = corpus[rnd(corpus.length)]!;
  switch (rnd(12)) {
    case 0:
      return [base, true];
    case 1: {
      // bit flips
      let s = base;
      for (let k = 1 + rnd(3); k > 0; k--) {
        const i = rnd(s.length);
        s = s.slice(0, i) + String.fromCharCode(s.charCodeAt(i) ^ (1 << rnd(8))) + s.slice(i + 1);
      }
      return [s, false];
    }
    case 2:
      return [base.slice(0, rnd(base.length)), false]; // truncated
    case 3: {
      const i = rnd(base.length);
      return [rnd(2) === 0 ? base + base : base.slice(0, i) + base.slice(rnd(base.length)), false]; // duplicated
    }
    case 4: {
      const i = rnd(base.length);
      return [base.slice(0, i) + '\0'.repeat(1 + rnd(8)) + base.slice(i), false]; // NUL bytes
    }
    case 5: {
      // huge or odd numbers in a field, re-checksummed so the parser sees them
      const f = bodyOf(base).split(',');
      f[1 + rnd(Math.max(1, f.length - 1))] = HUGE[rnd(HUGE.length)]!;
      return [withChecksum(f.join(',')), false];
    }
    case 6:
      return [base.slice(0, -2) + binary(2).toUpperCase(), false]; // wrong (or broken) checksum
    case 7:
      return [binary(1 + rnd(120)), false];
    case 8: {
      // random fields under a real address, checksummed
      const n = rnd(25);
      const fields = Array.from({ length: n }, () => (rnd(3) === 0 ? '' : rnd(2) === 0 ? String(rnd(100000) / 100) : HUGE[rnd(HUGE.length)]!));
      return [withChecksum(`${TALKERS[rnd(TALKERS.length)]}${TYPES[rnd(TYPES.length)]},${fields.join(',')}`), false];
    }
    case 9:
      return [base + ',1'.repeat(10 + rnd(60)), false]; // overlong
    case 10: {
      // fields shuffled or emptied, checksummed
      const f = bodyOf(base).split(',');
      for (let k = 0; k < 3; k++) f[1 + rnd(Math.max(1, f.length - 1))] = rnd(2) === 0 ? '' : f[rnd(f.length)]!;
      return [withChecksum(f.join(',')), false];
    }
    default:
      return [binary(rnd(8)) + base, false]; // noise then a sentence: accepted unless the noise holds "$"
  }
}

/** What the framer may hand out: "$"/"!", printable, "*hh" matching, 80 characters at most. */
function wellFormed(s: string): boolean {
  if (s.length > 80 || s.charCodeAt(s.length - 3) !== 0x2a || !/^[$!][ -~]*$/.test(s)) return false;
  let x = 0;
  for (let i = 1; i < s.length - 3; i++) x ^= s.charCodeAt(i);
  return x === parseInt(s.slice(-2), 16);
}

/** Finite or null, all the way down, getters included (the parser keeps measurements behind getters). */
function allFinite(v: unknown): boolean {
  if (typeof v === 'number') return Number.isFinite(v);
  if (Array.isArray(v)) return v.every(allFinite);
  if (v === null || typeof v !== 'object') return true;
  const proto = Object.getPrototypeOf(v) as object | null;
  const getters = proto === null || proto === Object.prototype ? [] : Object.entries(Object.getOwnPropertyDescriptors(proto))
    .filter(([, d]) => d.get !== undefined)
    .map(([k]) => (v as Record<string, unknown>)[k]);
  return Object.values(v).every(allFinite) && getters.every(allFinite);
}

it(`survives ${LINES.toLocaleString('en')} random and mutated lines, and accounts for every record and byte`, async () => {
  const heap0 = settledHeap();
  const clock = new InputClock<Buffer>();
  const t0 = performance.now();
  const framer = new NmeaFramer();
  const parser = new NmeaParser();
  const state = new GnssState({ staleAfterMs: 3000 });
  let records = 0; // reference count: a record starts at "$"/"!" or at a byte after a line end
  let inRecord = false;
  let bytesTotal = 0;
  let lineEnds = 0;
  let acceptedChars = 0;
  let pristine = 0;
  let fixes = 0;
  let nonFinite = 0;
  let badAccepted = 0;
  let now = 0;
  const onSentence = (s: string): void => {
    acceptedChars += s.length;
    if (!wellFormed(s)) badAccepted++;
    const p = parser.parse(s);
    if (p === null) return;
    if (!allFinite(p)) nonFinite++;
    const fix = state.apply(p, now);
    if (fix !== null) {
      fixes++;
      if (!allFinite(fix)) nonFinite++;
    }
  };
  for (let done = 0; done < LINES; done += BATCH) {
    const parts: string[] = [];
    for (let i = 0; i < BATCH; i++) {
      const [line, ok] = makeLine();
      // Mostly CR LF; sometimes LF, CR, or nothing at all (the next line glues on).
      const r = rnd(20);
      const end = r === 0 ? '' : r === 1 ? '\n' : r === 2 ? '\r' : '\r\n';
      if (ok && end !== '') pristine++;
      parts.push(line + end);
    }
    const buf = Buffer.from(parts.join(''), 'latin1');
    bytesTotal += buf.length;
    for (const b of buf) {
      if (b === 0x0d || b === 0x0a) {
        lineEnds++;
        inRecord = false;
      } else if (b === 0x24 || b === 0x21 || !inRecord) {
        records++;
        inRecord = true;
      }
    }
    // Chunks of random size, as a serial port delivers them.
    for (let at = 0; at < buf.length; ) {
      const n = 1 + rnd(600);
      const chunk = buf.subarray(at, at + n);
      clock.time(chunk, () => framer.feedTo(chunk, onSentence));
      at += n;
    }
    now += 1000;
    if (!allFinite(state.snapshot(now)) || !allFinite(state.peek())) nonFinite++;
  }
  for (const s of framer.end()) onSentence(s);
  const c = framer.counters;
  const ms = performance.now() - t0;
  const heapGrowth = settledHeap() - heap0;
  report('nmea stream', clock, { lines: LINES, heapGrowthKiB: Math.round(heapGrowth / 1024) });
  expect(await clock.confirmSlow((chunk) => new NmeaFramer().feedTo(chunk, (x) => new NmeaParser().parse(x)))).toEqual([]);
  expect(heapGrowth).toBeLessThan(HEAP_SLACK);
  console.log(
    `fuzz: ${LINES} lines, ${bytesTotal} bytes, ${records} records in ${(ms / 1000).toFixed(1)} s; ` +
      `framer ${JSON.stringify(c)}; parser ${JSON.stringify(parser.counters)}; ${fixes} epoch fixes`,
  );
  expect(c.accepted + framerDropped(c)).toBe(records);
  expect(acceptedChars + c.droppedBytes + lineEnds).toBe(bytesTotal);
  expect(c.accepted).toBeGreaterThanOrEqual(pristine);
  expect(badAccepted).toBe(0);
  expect(nonFinite).toBe(0);
  expect(parser.counters.parsed + parser.counters.proprietary + parser.counters.talker + parser.counters.unsupported + parser.counters.malformed).toBe(c.accepted);
  for (const k of ['checksum', 'no_checksum', 'too_long', 'truncated', 'garbage'] as const) expect(c[k], k).toBeGreaterThan(0);
});

const FC_RUNS = runs(300_000); // generated on top of the 1,000,000 mutated lines above
const FRAMING = [0x24, 0x21, 0x2a, 0x2c, 0x0d, 0x0a, 0x00, 0x30, 0x39, 0x41, 0x46, 0x2e, 0x2d];
const sentences = corpus.filter((_, i) => i % 7 === 0).slice(0, 4000).map((l) => Buffer.from(`${l}\r\n`, 'latin1'));

it(`fast-check: ${FC_RUNS.toLocaleString('en')} generated and mutated inputs through framer, parser and state, each well under ${HANG_MS} ms`, async () => {
  const heap0 = settledHeap();
  const framer = new NmeaFramer();
  const parser = new NmeaParser();
  const state = new GnssState({ staleAfterMs: 3000 });
  const clock = new InputClock<Buffer>();
  let now = 0;
  let accepted = 0;
  const feed = (f: NmeaFramer, b: Buffer, cuts: number[]): void => {
    for (const chunk of chunked(b, cuts)) {
      f.feedTo(chunk, (s) => {
        accepted++;
        if (!wellFormed(s)) throw new Error(`framer let through ${JSON.stringify(s)}`);
        const p = parser.parse(s);
        if (p !== null && !allFinite(p)) throw new Error(`non-finite value from ${JSON.stringify(s)}`);
        const fix = p === null ? null : state.apply(p, now);
        if (fix !== null && !allFinite(fix)) throw new Error(`non-finite fix after ${JSON.stringify(s)}`);
      });
    }
  };
  const input = fc.tuple(fc.oneof({ arbitrary: mutatedBytes(sentences, FRAMING), weight: 3 }, { arbitrary: generatedBytes(FRAMING.concat([...'GPRMCGGAV,.0123456789'].map((x) => x.charCodeAt(0)))), weight: 1 }), fc.array(fc.nat(), { maxLength: 4 }));
  fc.assert(
    fc.property(input, ([b, cuts]) => {
      now += 100;
      clock.time(b, () => feed(framer, b, cuts));
    }),
    fcParams(FC_RUNS, 0x4e4d4541),
  );
  const heapGrowth = settledHeap() - heap0;
  report('nmea fast-check', clock, { accepted, heapGrowthKiB: Math.round(heapGrowth / 1024) });
  expect(await clock.confirmSlow((b) => feed(new NmeaFramer(), b, []))).toEqual([]);
  expect(clock.count).toBe(FC_RUNS);
  expect(accepted).toBeGreaterThan(FC_RUNS / 20);
  expect(heapGrowth).toBeLessThan(HEAP_SLACK);
});
