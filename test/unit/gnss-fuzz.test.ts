// Bad input (issue 3, "Bad input"): over a million random and mutated NMEA lines
// through the framer, parser and state. Nothing may throw, every record the framer
// saw must be counted exactly once (accepted or dropped for one reason), every byte
// accounted for, and no number anywhere may be NaN or infinite.
//
// The lines are real fixture sentences, mutated: bit flips, truncation, duplication,
// NUL bytes, huge numbers and odd fields (re-checksummed, so they reach the parser),
// wrong checksums, binary junk, overlong lines, missing line ends (glued sentences).
// A seeded generator keeps every run the same.
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { framerDropped, NmeaFramer } from '../../firmware-ts/src/drivers/gnss/nmea-framer.js';
import { NmeaParser } from '../../firmware-ts/src/drivers/gnss/nmea-sentences.js';
import { GnssState } from '../../firmware-ts/src/drivers/gnss/gnss-state.js';

const DIR = fileURLToPath(new URL('../fixtures/nmea-gpsd/', import.meta.url));
const LINES = 1_000_000;
const BATCH = 20_000;

const corpus: string[] = [];
for (const f of readdirSync(DIR).filter((x) => x.endsWith('.log'))) {
  for (const line of readFileSync(DIR + f, 'latin1').split('\n')) {
    const l = line.replace(/\r$/, '');
    if (/^[$!][ -~]{5,79}$/.test(l)) corpus.push(l);
  }
}

/** xorshift32: fast, and the same lines on every run. */
let seed = 0x9e3779b9;
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

it(`survives ${LINES.toLocaleString('en')} random and mutated lines, and accounts for every record and byte`, () => {
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
      framer.feedTo(buf.subarray(at, at + n), onSentence);
      at += n;
    }
    now += 1000;
    if (!allFinite(state.snapshot(now)) || !allFinite(state.peek())) nonFinite++;
  }
  for (const s of framer.end()) onSentence(s);
  const c = framer.counters;
  const ms = performance.now() - t0;
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
}, 60_000);
