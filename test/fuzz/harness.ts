// Shared pieces of the fuzz suite (issue 10 "Fuzz"; docs/fuzzing.md): how many inputs
// each target gets (FUZZ_RUNS), the seed (FUZZ_SEED), the per-input clock with the
// 100 ms hang bound, and the heap measured after a forced GC.
import fc from 'fast-check';
import { gc } from '../helpers/gc.js';

/** An input slower than this is a hang (issue 10: "no hang over 100 ms per input"). */
export const HANG_MS = 100;

/**
 * The number of inputs for a target: FUZZ_RUNS when set (`npm run fuzz` sets 1,000,000),
 * else the target's CI default. `share` scales it for a target that is split in parts.
 */
export function runs(ciDefault: number, share = 1): number {
  const env = process.env.FUZZ_RUNS;
  if (env === undefined || env === '') return ciDefault;
  const n = Number(env.replace(/_/g, ''));
  if (!Number.isSafeInteger(n) || n < 1) throw new Error(`FUZZ_RUNS must be a whole number >= 1, got "${env}"`);
  return Math.max(1, Math.round(n * share));
}

/**
 * The seed of every generator in the suite: fixed by default so CI is repeatable,
 * FUZZ_SEED=<n> to replay a failure, FUZZ_SEED=random for a fresh one (printed).
 */
export function seed(targetSalt: number): number {
  const env = process.env.FUZZ_SEED;
  const base = env === 'random' ? (Date.now() ^ (Math.random() * 0x7fffffff)) | 0 : env ? Number(env) | 0 : 0x5eed1;
  if (env === 'random') console.log(`fuzz: FUZZ_SEED=${base}`);
  return (base ^ targetSalt) | 0;
}

/** fast-check parameters: the seed above, and FUZZ_PATH to replay one shrunk counterexample. */
export function fcParams(numRuns: number, targetSalt: number): fc.Parameters<unknown> {
  const path = process.env.FUZZ_PATH;
  return { numRuns, seed: seed(targetSalt), ...(path ? { path } : {}), endOnFailure: false, verbose: 1 };
}

/** xorshift32 seeded from `seed`: the hand-written mutators use it (fast, repeatable). */
export function xorshift(s: number): () => number {
  let x = s >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x;
  };
}

/** Heap in use after two full GCs, in bytes. */
export function settledHeap(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

/**
 * Times every input of a target. Inputs over HANG_MS are kept (a few) so they can be
 * timed again alone: on a loaded 2-core machine a GC pause or the scheduler can stall
 * one input; a real hang is slow every time.
 */
export class InputClock<I = unknown> {
  count = 0;
  maxMs = 0;
  totalMs = 0;
  readonly slow: { input: I; ms: number }[] = [];

  time<R>(input: I, fn: () => R): R {
    const t0 = performance.now();
    const r = fn();
    this.note(input, performance.now() - t0);
    return r;
  }

  async timeAsync<R>(input: I, fn: () => Promise<R>): Promise<R> {
    const t0 = performance.now();
    const r = await fn();
    this.note(input, performance.now() - t0);
    return r;
  }

  note(input: I, ms: number): void {
    this.count++;
    this.totalMs += ms;
    if (ms > this.maxMs) this.maxMs = ms;
    if (ms > HANG_MS && this.slow.length < 20) this.slow.push({ input, ms });
  }

  /** The slow inputs timed again (best of three); returns those still over HANG_MS. */
  async confirmSlow(rerun: (input: I) => unknown): Promise<{ input: I; ms: number }[]> {
    const still: { input: I; ms: number }[] = [];
    for (const s of this.slow) {
      let best = Infinity;
      for (let k = 0; k < 3 && best > HANG_MS; k++) {
        const t0 = performance.now();
        await rerun(s.input);
        best = Math.min(best, performance.now() - t0);
      }
      if (best > HANG_MS) still.push({ input: s.input, ms: best });
    }
    return still;
  }
}

/** One line per target for the CI log: count, max per-input time, mean, heap growth. */
export function report(target: string, clock: InputClock<never> | InputClock<unknown> | { count: number; maxMs: number; totalMs: number }, extra: Record<string, unknown> = {}): void {
  const mean = clock.count ? (clock.totalMs / clock.count) * 1000 : 0;
  const parts = Object.entries(extra).map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`);
  console.log(`fuzz[${target}]: ${clock.count.toLocaleString('en')} inputs, max ${clock.maxMs.toFixed(2)} ms/input, mean ${mean.toFixed(1)} µs${parts.length ? ', ' + parts.join(', ') : ''}`);
}

/** Bytes the heap may grow over a whole run after GC: retained state, not garbage. */
export const HEAP_SLACK = 24 * 1024 * 1024;

/** fast-check byte mutations of a real capture: flips, protocol bytes, truncation, insertion, duplication, glue. */
export function mutatedBytes(seeds: readonly Buffer[], special: readonly number[]): fc.Arbitrary<Buffer> {
  const op = fc.tuple(fc.integer({ min: 0, max: 6 }), fc.nat(), fc.integer({ min: 0, max: 255 }));
  return fc.tuple(fc.constantFrom(...seeds), fc.array(op, { minLength: 1, maxLength: 6 }), fc.constantFrom(...seeds)).map(([base, ops, other]) => {
    let b = Buffer.from(base);
    for (const [kind, pos, v] of ops) {
      const at = pos % (b.length + 1);
      switch (kind) {
        case 0: if (at < b.length) b[at] = b[at]! ^ (1 << (v & 7)); break; // bit flip
        case 1: if (at < b.length) b[at] = special[v % special.length]!; break; // a framing byte
        case 2: b = b.subarray(0, at); break; // truncated
        case 3: b = Buffer.concat([b.subarray(0, at), Buffer.from([v]), b.subarray(at)]); break; // inserted
        case 4: b = Buffer.concat([b.subarray(0, at), b.subarray(Math.min(b.length, at + 1 + (v & 7)))]); break; // dropped
        case 5: b = Buffer.concat([b.subarray(0, at), b.subarray(at, at + 1 + (v & 15)), b.subarray(at)]); break; // duplicated run
        default: b = Buffer.concat([b, other]); // glued to another frame
      }
    }
    return b;
  });
}

/** Generated bytes: random, and random over the protocol's own alphabet (which reaches deeper). */
export function generatedBytes(alphabet: readonly number[], maxLength = 300): fc.Arbitrary<Buffer> {
  return fc.oneof(
    fc.uint8Array({ maxLength }).map((a) => Buffer.from(a)),
    fc.array(fc.constantFrom(...alphabet), { maxLength }).map((a) => Buffer.from(a)),
  );
}

/** Splits a buffer at generated points, as a UART or a socket delivers it. */
export function chunked(b: Buffer, cuts: readonly number[]): Buffer[] {
  const at = [...new Set(cuts.map((c) => c % (b.length + 1)))].sort((x, y) => x - y);
  const out: Buffer[] = [];
  let prev = 0;
  for (const c of [...at, b.length]) {
    if (c > prev) out.push(b.subarray(prev, c));
    prev = Math.max(prev, c);
  }
  return out;
}
