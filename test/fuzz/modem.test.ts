// Bad input (issue 3): well over 1,000,000 random and mutated AT response lines and
// byte runs (overlong, binary, truncated, NUL bytes, huge numbers, glued lines)
// through the modem's framer, the AT engine with commands running, and the status
// parsers. Nothing may throw, every record must be accounted for, and every
// parsed value must stay in its documented range. The corpus adds the answers the
// modem simulator gives to a real command script; every feed is timed (HANG_MS) and
// the heap after GC must not grow.
import { EventEmitter } from 'node:events';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { AtEngine } from '../../firmware-ts/src/drivers/modem/at-engine.js';
import { AT_MAX_LINE, AtFramer } from '../../firmware-ts/src/drivers/modem/at-parser.js';
import { finalResult } from '../../firmware-ts/src/drivers/modem/at-codes.js';
import {
  parseCesq, parseCops, parseCpin, parseCrsmIccid, parseCsq, parseIccid, parseImei, parseRegAnswer, parseRegUrc,
} from '../../firmware-ts/src/drivers/modem/status.js';
import { parseQcsq } from '../../firmware-ts/src/drivers/modem/vendors/quectel.js';
import { parseCpsiLte } from '../../firmware-ts/src/drivers/modem/vendors/simcom.js';
import { seededRandom } from '../../devices/shared/random.js';
import { ModemSim } from '../../devices/modem-sim/modem-sim.js';
import type { SimPort } from '../../firmware-ts/src/transport/sim-link.js';
import { chunked, fcParams, generatedBytes, HEAP_SLACK, InputClock, mutatedBytes, report, runs, seed, settledHeap } from './harness.js';

const rng = (salt: number) => seededRandom(seed(salt));

const VALID = [
  'OK', 'ERROR', '+CME ERROR: 10', '+CME ERROR: SIM not inserted', '+CMS ERROR: 500', '+CSQ: 20,99', '+CSQ: 99,99',
  '+CREG: 2,1,"2F1A","01A2B3C4",7', '+CREG: 1,"2F1A","01A2B3C4",7', '+CEREG: 2,5,"2F1A","01A2B3C4",7', '+CEREG: 2',
  '+COPS: 0,0,"TR TURKCELL",7', '+COPS: 0', '+CPIN: READY', '+CPIN: NOT READY', '+CESQ: 99,99,255,255,20,49',
  '+QCSQ: "LTE",-52,-81,195,-10', '+CPSI: LTE,Online,286-01,0x2F1A,27111108,257,EUTRAN-BAND3,1849,5,5,-94,-850,-545,15',
  'RDY', 'RING', 'NO CARRIER', 'POWERED DOWN', '+CMTI: "SM",3', '+QIND: SMS DONE', '+QIND: "csq",25,99', '+CFUN: 1',
  '867698041234561', '+QCCID: 89900112345678901234', '+CRSM: 144,0,"98091021436587092143"', '+CMGS: 17', 'Quectel', 'EC25',
  '+CMT: "+905321234567",,"26/11/28,09:00:00+12"', 'AT+CSQ', '> ',
];
const SCRIPT = [
  'ATE1', 'AT', 'ATI', 'AT+CGMI', 'AT+CGMM', 'AT+CGMR', 'AT+CGSN', 'AT+CMEE=2', 'AT+CPIN?', 'AT+QCCID', 'AT+CCID', 'AT+CRSM=176,12258,0,0,10',
  'AT+CSQ', 'AT+QCSQ', 'AT+CESQ', 'AT+CREG=2', 'AT+CEREG=2', 'AT+CREG?', 'AT+CEREG?', 'AT+COPS=3,0', 'AT+COPS?', 'AT+CFUN?', 'AT+CMEE=1',
  'AT+NOPE', 'AT+CMGF=0', 'AT+CMGS="+905321234567"', 'AT+CMGF=1', 'AT+CSCS="UCS2"', 'AT+CSCS?', 'AT+CMEE=0', 'AT+QCCID', 'ATE0', 'AT+CSQ',
];
/** What the modem simulator answers to SCRIPT, byte for byte: echo, URCs, prompts, finals. */
let simTranscript = Buffer.alloc(0);
beforeAll(async () => {
  const sim = new ModemSim({ bootOnFirstAttach: false });
  const out: Buffer[] = [];
  const port = new (class extends EventEmitter implements SimPort {
    open = true;
    write(d: Buffer | string): void {
      out.push(Buffer.from(d as string, 'latin1'));
    }
    unplug(): void {}
  })();
  sim.attach(port);
  for (const cmd of SCRIPT) {
    port.emit('data', Buffer.from(`${cmd}\r`, 'latin1'));
    if (cmd.startsWith('AT+CMGS')) port.emit('data', Buffer.from('Takip no 42\x1a', 'latin1'));
    await new Promise((res) => setTimeout(res, 5));
  }
  sim.setSim('absent');
  port.emit('data', Buffer.from('AT+CPIN?\r', 'latin1'));
  sim.injectUrc('+CMTI: "SM",3', { mid: true });
  await new Promise((res) => setTimeout(res, 20));
  sim.dispose();
  simTranscript = Buffer.concat(out);
  const lines = simTranscript.toString('latin1').split(/\r\n|\r|\n/).filter((l) => l.trim() !== '');
  expect(lines.length).toBeGreaterThan(SCRIPT.length);
  VALID.push(...new Set(lines.filter((l) => !VALID.includes(l))));
});

const COMMANDS = ['AT+CSQ', 'AT+CREG?', 'AT+CGSN', 'AT', 'AT+COPS?', 'AT+CPIN?', 'AT+QCSQ', 'AT+CESQ'];

type Gen = () => string;

function generators(r: () => number): Gen[] {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const bytes = (n: number, lo = 0, hi = 256): string => {
    let s = '';
    for (let i = 0; i < n; i++) s += String.fromCharCode(lo + Math.floor(r() * (hi - lo)));
    return s;
  };
  const huge = (): string => (r() < 0.5 ? '9'.repeat(1 + Math.floor(r() * 60)) : `-${'1'.repeat(1 + Math.floor(r() * 40))}`);
  return [
    () => pick(VALID), // valid
    () => pick(VALID), // (twice as likely)
    () => pick(VALID).slice(0, Math.floor(r() * 20)), // truncated
    () => pick(VALID).replace(/\d+/g, huge), // huge numbers
    () => {
      const v = pick(VALID); // one byte flipped
      const i = Math.floor(r() * (v.length + 1));
      return v.slice(0, i) + bytes(1) + v.slice(i + 1);
    },
    () => pick(VALID).replace(/,/g, () => (r() < 0.5 ? ',,' : '')), // fields missing or doubled
    () => pick(VALID) + pick(VALID), // glued
    () => bytes(Math.floor(r() * 80), 0x20, 0x7f), // printable noise
    () => bytes(Math.floor(r() * 80)), // binary noise, NULs, CR/LF inside
    () => '\x00'.repeat(1 + Math.floor(r() * 8)) + pick(VALID), // NUL padding
    () => pick(VALID).padEnd(AT_MAX_LINE + 1 + Math.floor(r() * (r() < 0.02 ? 20_000 : 100)), pick(['9', 'A', ',', '"'])), // overlong
    () => `+${pick(['CSQ', 'CREG', 'CEREG', 'COPS', 'CESQ', 'QCSQ', 'CPSI', 'CPIN', 'CME ERROR', 'CMS ERROR'])}: ${bytes(Math.floor(r() * 40), 0x20, 0x7f)}`,
  ];
}

const PARSERS: ((l: string) => unknown)[] = [
  parseCsq, parseCesq, parseCops, parseCpin, parseCrsmIccid, parseQcsq, parseCpsiLte, finalResult,
  (l) => parseRegAnswer(l, '+CREG'), (l) => parseRegUrc(l, '+CEREG'), (l) => parseIccid([l]), (l) => parseImei([l]),
];

describe('modem fuzz', () => {
  it(`accounts for every record of ${runs(300_000, 0.3).toLocaleString('en')} generated lines in the framer`, () => {
    const r = rng(20261128);
    const gens = generators(r);
    const got = { lines: 0, prompts: 0 };
    const framer = new AtFramer({ line: () => got.lines++, prompt: () => got.prompts++ });
    const want = { lines: 0, too_long: 0, binary: 0, nul: 0 };
    const N = runs(300_000, 0.3);
    let batch: string[] = [];
    for (let i = 0; i < N; i++) {
      // No CR/LF inside and no leading ">" here, so the expected class of each record is known.
      const raw = gens[Math.floor(r() * gens.length)]!().replace(/[\r\n]/g, ' ').replace(/>/g, '<');
      const stripped = raw.split('\x00').join('');
      want.nul += raw.length - stripped.length;
      if (stripped.length > AT_MAX_LINE) want.too_long++;
      else if (/[^\x20-\x7e\t]/.test(stripped)) want.binary++;
      else if (stripped.trim() !== '') want.lines++;
      batch.push(raw, r() < 0.5 ? '\r\n' : '\r');
      if (batch.length > 2000) {
        feedChopped(framer, batch.join(''), r);
        batch = [];
      }
    }
    feedChopped(framer, batch.join(''), r);
    expect(framer.counters).toMatchObject({ ...want, prompts: 0 });
    expect(got.lines).toBe(want.lines);
    expect(framer.records).toBe(want.lines + want.too_long + want.binary);
  });

  it(`runs ${runs(1_000_000).toLocaleString('en')} mutated lines and random byte runs through the engine with commands in flight without throwing`, async () => {
    const heap0 = settledHeap();
    const clock = new InputClock<string>();
    const r = rng(42);
    const gens = generators(r);
    const stream = new (class extends EventEmitter {
      write(): Promise<void> {
        return Promise.resolve();
      }
    })();
    const engine = new AtEngine(stream, { timeoutMs: 60_000, settleMs: 0, maxQueue: 4 });
    engine.attach();
    let urcs = 0;
    engine.on('urc', () => urcs++);
    let settled = 0;
    const N = runs(1_000_000);
    let batch: string[] = [];
    for (let i = 0; i < N; i++) {
      if (!engine.busy) {
        const cmd = COMMANDS[Math.floor(r() * COMMANDS.length)]!;
        const body = r() < 0.05 ? 'Takip no 42' : undefined;
        engine.run(cmd, { body }).then(() => settled++, () => settled++);
      }
      batch.push(gens[Math.floor(r() * gens.length)]!(), '\r\n');
      if (batch.length >= 16) {
        // 8 lines a feed: an input's time is at most its feed's.
        const text = batch.join('');
        clock.time(text, () => feedChopped(stream, text, r));
        batch = [];
      }
      if (i % 50_000 === 0) await new Promise((res) => setImmediate(res));
    }
    feedChopped(stream, `${batch.join('')}\r\nOK\r\n`, r);
    engine.abortAll('fuzz over');
    await new Promise((res) => setImmediate(res));
    const c = engine.stats();
    // Every line the framer handed out went exactly one way.
    expect(c.echo + c.info + c.ok + c.errors + c.strayFinal + c.lateFinal + c.urcs + c.urcBodies + c.unexpected).toBe(c.lines);
    expect(urcs).toBe(c.urcs);
    expect(settled).toBe(c.commands);
    expect(c.lines + c.prompts + c.too_long + c.binary).toBeGreaterThan(N);
    expect(c.too_long).toBeGreaterThan(N / 100);
    expect(c.binary).toBeGreaterThan(N / 100);
    expect(c.nul).toBeGreaterThan(N / 100);
    expect(c.commands).toBeGreaterThan(N / 25);
    expect(c.urcs).toBeGreaterThan(N / 20);
    console.log('modem fuzz (engine):', JSON.stringify(c));
    const heapGrowth = settledHeap() - heap0;
    report('at engine stream', clock, { lines: N, heapGrowthKiB: Math.round(heapGrowth / 1024) });
    expect(await clock.confirmSlow((text) => new AtFramer({ line: () => undefined, prompt: () => undefined }).push(Buffer.from(text, 'latin1')))).toEqual([]);
    expect(heapGrowth).toBeLessThan(HEAP_SLACK);
  });

  it(`keeps every status parser total and in range on ${runs(200_000, 0.2).toLocaleString('en')} mutated answers`, () => {
    const r = rng(7);
    const gens = generators(r);
    let parsed = 0;
    const N = runs(200_000, 0.2);
    for (let i = 0; i < N; i++) {
      const line = gens[Math.floor(r() * gens.length)]!();
      for (const p of PARSERS) if (p(line) !== null) parsed++;
      const csq = parseCsq(line);
      if (csq) expect(csq.rssiDbm === null || (csq.rssiDbm >= -113 && csq.rssiDbm <= -51)).toBe(true);
      const lte = parseCesq(line) ?? parseQcsq(line) ?? parseCpsiLte(line);
      if (lte) {
        expect(lte.rsrpDbm === null || (lte.rsrpDbm >= -141 && lte.rsrpDbm <= -44)).toBe(true);
        expect(lte.rsrqDb === null || (lte.rsrqDb >= -20 && lte.rsrqDb <= -3)).toBe(true);
        expect(lte.sinrDb === null || (lte.sinrDb >= -20 && lte.sinrDb <= 30)).toBe(true);
      }
      const reg = parseRegAnswer(line, '+CREG') ?? parseRegUrc(line, '+CREG');
      if (reg) expect(Number.isSafeInteger(reg.stat) && reg.stat <= 255).toBe(true);
    }
    expect(parsed).toBeGreaterThan(N * 0.15);
  });

  it(`fast-check: ${runs(300_000).toLocaleString('en')} generated and mutated simulator transcripts through the engine and the status parsers`, async () => {
    const heap0 = settledHeap();
    const N = runs(300_000);
    const stream = new (class extends EventEmitter {
      write(): Promise<void> {
        return Promise.resolve();
      }
    })();
    const engine = new AtEngine(stream, { timeoutMs: 60_000, settleMs: 0, maxQueue: 4 });
    engine.attach();
    let lines = 0;
    const framer = new AtFramer({
      line: (l) => {
        lines++;
        checkParsers(l);
      },
      prompt: () => undefined,
    });
    const clock = new InputClock<Buffer>();
    const pieces = simTranscript.toString('latin1').split(/(?<=\r\n)/).map((p) => Buffer.from(p, 'latin1'));
    const seeds = [...pieces.filter((p) => p.length > 0), ...VALID.map((v) => Buffer.from(`\r\n${v}\r\n`, 'latin1'))];
    const alphabet = [...'\r\n+:,"0123456789OKERRCMESQ> '].map((c) => c.charCodeAt(0)).concat([0, 0xff, 0x1a]);
    const input = fc.tuple(fc.oneof({ arbitrary: mutatedBytes(seeds, [0x0d, 0x0a, 0x2c, 0x22, 0x3e, 0x00, 0x2b, 0x3a]), weight: 3 }, { arbitrary: generatedBytes(alphabet, 600), weight: 1 }), fc.array(fc.nat(), { maxLength: 3 }), fc.nat(COMMANDS.length - 1));
    let settled = 0;
    fc.assert(
      fc.property(input, ([b, cuts, k]) => {
        if (!engine.busy) engine.run(COMMANDS[k]!).then(() => settled++, () => settled++);
        clock.time(b, () => {
          for (const chunk of chunked(b, cuts)) {
            stream.emit('data', chunk);
            framer.push(chunk);
          }
        });
      }),
      fcParams(N, 0x41540000),
    );
    engine.abortAll('fuzz over');
    await new Promise((res) => setImmediate(res));
    const c = engine.stats();
    expect(c.echo + c.info + c.ok + c.errors + c.strayFinal + c.lateFinal + c.urcs + c.urcBodies + c.unexpected).toBe(c.lines);
    expect(settled).toBe(c.commands);
    expect(c.commands).toBeGreaterThan(N / 100);
    expect(lines).toBeGreaterThan(N / 2);
    const heapGrowth = settledHeap() - heap0;
    report('at engine fast-check', clock, { lines: c.lines, commands: c.commands, heapGrowthKiB: Math.round(heapGrowth / 1024) });
    expect(await clock.confirmSlow((b) => new AtFramer({ line: checkParsers, prompt: () => undefined }).push(b))).toEqual([]);
    expect(clock.count).toBe(N);
    expect(heapGrowth).toBeLessThan(HEAP_SLACK);
  });
});

/** Every status parser on one line: total, and in range when it parses (27.007 §8.5, §8.69). */
function checkParsers(line: string): void {
  for (const p of PARSERS) p(line);
  const csq = parseCsq(line);
  if (csq && !(csq.rssiDbm === null || (csq.rssiDbm >= -113 && csq.rssiDbm <= -51))) throw new Error(`CSQ out of range from ${JSON.stringify(line)}`);
  const lte = parseCesq(line) ?? parseQcsq(line) ?? parseCpsiLte(line);
  if (lte && !((lte.rsrpDbm === null || (lte.rsrpDbm >= -141 && lte.rsrpDbm <= -44)) && (lte.sinrDb === null || (lte.sinrDb >= -20 && lte.sinrDb <= 30)))) {
    throw new Error(`LTE values out of range from ${JSON.stringify(line)}`);
  }
}

/** Feeds a string in random chunk sizes, as a serial port delivers it. */
function feedChopped(target: AtFramer | EventEmitter, s: string, r: () => number): void {
  const buf = Buffer.from(s, 'latin1');
  for (let i = 0; i < buf.length; ) {
    const n = 1 + Math.floor(r() * 512);
    const chunk = buf.subarray(i, i + n);
    if (target instanceof AtFramer) target.push(chunk);
    else target.emit('data', chunk);
    i += n;
  }
}
