// Bad input for a Star printer's status (star-status.ts; docs/fuzzing.md): generated
// and mutated ASB answers through the decoder, which never throws and either yields
// status bits or says why the bytes are no ASB; then through the StatusProbe in
// random chunking (fake timers), whose verdict must be the decoder's on the same
// bytes: whole answer -> its bits, nothing -> "no", anything else -> garbage.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { StatusBits } from '../../firmware-ts/src/drivers/printer/escpos.js';
import { decodeStarStatus, encodeStarStatus, starAnswerSize } from '../../firmware-ts/src/drivers/printer/star-status.js';
import { StatusProbe, type ProbeResult } from '../../firmware-ts/src/drivers/printer/status.js';
import { chunked, fcParams, generatedBytes, HEAP_SLACK, InputClock, mutatedBytes, report, runs, settledHeap } from './harness.js';

const bitsOf = (m: number): StatusBits => ({ offline: !!(m & 1), coverOpen: !!(m & 2), error: !!(m & 4), paperNearEnd: !!(m & 8), paperEnd: !!(m & 16), paperStop: !!(m & 16) });
const h = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');

/** Real and encoded answers: every state on USB and LAN, 7-, 8- and 13-byte forms, a LAN answer with ENQ status data. */
const SEEDS: Buffer[] = [
  ...[0, 1, 3, 8, 16, 25, 31].flatMap((m) => [encodeStarStatus(bitsOf(m)), encodeStarStatus(bitsOf(m), { lengthField: true })]),
  h('0f 02 08 00 00 08 00'),
  h('21 04 00 00 00 00 00 0e'),
  Buffer.concat([h('2b 0c 00 00 00 02 02'), Buffer.alloc(6, 0x6e)]),
  Buffer.concat([h('23 86 00 00 00 00 00 00 00 08 00'), Buffer.from('01:B'), h('00 01 06'), Buffer.from(';')]),
];
/** Header and status values, fixed-bit breakers, the LAN Length's bytes. */
const SPECIAL = [0x23, 0x21, 0x0f, 0x06, 0x86, 0x02, 0x00, 0x08, 0x20, 0x0a, 0x01, 0x10, 0x80, 0xff, 0x11, 0x12];

const arbitraryAnswer = fc.oneof({ arbitrary: mutatedBytes(SEEDS, SPECIAL), weight: 3 }, { arbitrary: generatedBytes(SPECIAL, 40), weight: 1 }, { arbitrary: fc.constantFrom(...SEEDS), weight: 1 });

function checkDecoded(b: Buffer): ReturnType<typeof decodeStarStatus> {
  const d = decodeStarStatus(b);
  if (d.ok) {
    if (Object.values(d.bits).some((v) => typeof v !== 'boolean')) throw new Error(`non-boolean bits for ${b.toString('hex')}`);
    if (starAnswerSize(b) !== b.length) throw new Error(`decoded ${b.toString('hex')} but its size is ${String(starAnswerSize(b))}`);
  } else if (typeof d.why !== 'string' || d.why === '') throw new Error(`no reason for ${b.toString('hex')}`);
  return d;
}

describe('fuzz: Star ASB status', () => {
  it(`fast-check: ${runs(1_000_000).toLocaleString('en')} generated and mutated answers through the decoder: bits or a reason, never a throw`, async () => {
    const heap0 = settledHeap();
    const N = runs(1_000_000);
    const clock = new InputClock<Buffer>();
    let ok = 0;
    fc.assert(
      fc.property(arbitraryAnswer, (b) => {
        const d = clock.time(b, () => checkDecoded(b));
        if (d.ok) ok++;
        // Every prefix tells a size that never shrinks, or a reason that stays.
        let last = 0;
        for (let k = 0; k <= b.length; k++) {
          const s = starAnswerSize(b.subarray(0, k));
          if (typeof s === 'string') break;
          if (s < last) throw new Error(`size shrank from ${last} to ${s} at ${k} of ${b.toString('hex')}`);
          last = s;
        }
      }),
      fcParams(N, 0x53544152),
    );
    const heapGrowth = settledHeap() - heap0;
    report('star asb decoder', clock, { whole: ok, heapGrowthKiB: Math.round(heapGrowth / 1024) });
    expect(await clock.confirmSlow((b) => decodeStarStatus(b))).toEqual([]);
    expect(clock.count).toBe(N);
    expect(ok).toBeGreaterThan(N / 50); // the seeds and harmless mutations decode: the property reaches the bit mapping
    expect(heapGrowth).toBeLessThan(HEAP_SLACK);
  });

  describe('through the StatusProbe', () => {
    beforeAll(() => {
      vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] }); // performance.now stays real for the clock
    });
    afterAll(() => {
      vi.useRealTimers();
    });

    it(`fast-check: ${runs(50_000, 0.05).toLocaleString('en')} answers in random chunks: the probe's verdict is the decoder's`, async () => {
      const N = runs(50_000, 0.05);
      const clock = new InputClock<Buffer>();
      const verdicts = { yes: 0, no: 0, garbage: 0 };
      await fc.assert(
        fc.asyncProperty(arbitraryAnswer, fc.array(fc.nat(), { maxLength: 4 }), async (b, cuts) => {
          const t0 = performance.now();
          const probe: StatusProbe = new StatusProbe(
            () => {
              for (const c of chunked(b, cuts)) probe.data(c); // as the request goes out: the worst case for the waiter
              return Promise.resolve();
            },
            100,
            () => undefined,
            'star',
          );
          const pending = probe.probe();
          await vi.advanceTimersByTimeAsync(101);
          const r: ProbeResult = await pending;
          clock.note(b, performance.now() - t0);
          verdicts[r.answers]++;
          const d = decodeStarStatus(b);
          if (b.length === 0) expect(r).toEqual({ answers: 'no' });
          else if (d.ok) expect(r).toEqual({ answers: 'yes', bits: d.bits });
          else {
            // Garbage, carrying the bytes as they came: the answer's part whole, then (some of) what followed it.
            if (r.answers !== 'garbage') throw new Error(`${r.answers} for ${b.toString('hex')}, which the decoder rejects: ${d.why}`);
            expect(r.bytes.length).toBeGreaterThanOrEqual(starPrefix(b));
            expect(b.subarray(0, r.bytes.length)).toEqual(r.bytes);
          }
        }),
        fcParams(N, 0x50524f42),
      );
      report('star asb probe', clock, verdicts);
      expect(clock.count).toBe(N);
      expect(verdicts.yes).toBeGreaterThan(N / 50);
      expect(verdicts.garbage).toBeGreaterThan(N / 50);
    });
  });
});

/** How many bytes the probe takes as the answer before the rest count as unasked-for. */
function starPrefix(b: Buffer): number {
  for (let k = 1; k <= b.length; k++) {
    const s = starAnswerSize(b.subarray(0, k));
    if (typeof s === 'string' || k >= s) return k;
  }
  return b.length;
}
