// Bad input (issue 4): 1,200,000 mutated frames and replies (bit flips, inserted,
// dropped and duplicated bytes, truncations, glued frames, pure noise, random
// chunking) through the host's reply decoder and through the board simulator's
// frame decoder and command handling. Nothing may throw or hang, every decoded
// frame or reply must be well formed, and the decoders' buffers stay bounded. Every
// input is timed (HANG_MS), the heap after GC must not grow, and a fast-check property
// adds generated and mutated frames.
import { EventEmitter } from 'node:events';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildFrame, ReplyDecoder, scrollPayload, servingPayload } from '../../firmware-ts/src/drivers/display/protocol.js';
import type { SimPort } from '../../firmware-ts/src/transport/sim-link.js';
import { FrameDecoder, MAX_BODY } from '../../devices/display-sim/frame-decoder.js';
import { DisplaySim } from '../../devices/display-sim/display-sim.js';
import { seededRandom } from '../../devices/shared/random.js';
import { chunked, fcParams, generatedBytes, HEAP_SLACK, InputClock, mutatedBytes, report, runs, seed, settledHeap } from './harness.js';

const rng = (salt: number) => seededRandom(seed(salt));

/** What the decoders hold between pushes (private, read here only to prove it bounded). */
const held = (r: ReplyDecoder, f: FrameDecoder) => ({
  reply: (r as unknown as { pending: number[] }).pending.length,
  frame: (f as unknown as { body: number[] }).body.length,
});

const SEEDS: Buffer[] = [
  buildFrame(1, 'P'),
  buildFrame(1, 'C'),
  buildFrame(1, 'N', servingPayload(1, { ticket: 'A042', counter: '2' }, true)),
  buildFrame(1, 'N', servingPayload(4, { ticket: 'Ç100', counter: '12' }, true)),
  buildFrame(1, 'N', servingPayload(2, null, true)),
  buildFrame(1, 'S', scrollPayload('Hoş geldiniz, İnegöl Belediyesi VİM aracı', true)),
  buildFrame(1, 'S', scrollPayload('Ş'.repeat(200), true)),
  buildFrame(7, 'S', Buffer.from('X', 'latin1')),
  Buffer.from([0x06, 0x30, 0x31, 0x30]),
  Buffer.from([0x15, 0x30, 0x31, 0x33]),
  Buffer.from([0x15, 0x39, 0x39, 0x34]),
];

function mutate(r: () => number, base: Buffer): Buffer {
  const b = [...base];
  const n = 1 + Math.floor(r() * 4);
  for (let k = 0; k < n; k++) {
    const i = Math.floor(r() * (b.length + 1));
    switch (Math.floor(r() * 8)) {
      case 0: if (i < b.length) b[i]! ^= 1 << Math.floor(r() * 8); break; // bit flip
      case 1: b.splice(i, 0, Math.floor(r() * 256)); break; // insert
      case 2: b.splice(i, 1); break; // drop
      case 3: b.splice(i, 0, [0x02, 0x03, 0x06, 0x15][Math.floor(r() * 4)]!); break; // framing byte
      case 4: b.length = Math.min(b.length, i); break; // truncate
      case 5: b.push(...SEEDS[Math.floor(r() * SEEDS.length)]!); break; // glue another
      case 6: if (i < b.length) b.splice(i, 0, b[i]!); break; // duplicate
      default: for (let j = 0; j < 1 + r() * 20; j++) b.push(Math.floor(r() * 256)); // noise
    }
  }
  return Buffer.from(b);
}

class NullPort extends EventEmitter implements SimPort {
  open = true;
  out = 0;
  write(d: Buffer | string): void {
    this.out += d.length;
  }
  unplug(): void {}
}

describe('display decoders under fuzz', () => {
  it(`survive ${runs(1_200_000, 1.2).toLocaleString('en')} mutated frames without a throw, a hang or a malformed result`, async () => {
    const heap0 = settledHeap();
    const clock = new InputClock<Buffer>();
    const r = rng(0x5eed);
    const replies = new ReplyDecoder();
    const frames = new FrameDecoder();
    const sim = new DisplaySim({ rows: 4 });
    const port = new NullPort();
    sim.attach(port, {});
    let decodedFrames = 0;
    let decodedReplies = 0;
    const N = runs(1_200_000, 1.2);
    const t0 = Date.now();
    for (let n = 0; n < N; n++) {
      const base = SEEDS[n % SEEDS.length]!;
      const m = r() < 0.05 ? base : mutate(r, base);
      const t0 = performance.now();
      // Random chunking, as a UART and a kernel deliver it.
      let at = 0;
      while (at < m.length) {
        const len = 1 + Math.floor(r() * m.length);
        const chunk = m.subarray(at, at + len);
        at += len;
        for (const rep of replies.push(chunk)) {
          decodedReplies++;
          if (rep.address < 1 || rep.address > 99 || !'01234'.includes(rep.code) || (rep.kind === 'ack') !== (rep.code === '0')) {
            throw new Error(`malformed reply ${JSON.stringify(rep)} from ${m.toString('hex')}`);
          }
        }
        for (const f of frames.push(chunk)) {
          if (f.kind !== 'frame') continue;
          decodedFrames++;
          if (f.address > 99 || f.payload.length > MAX_BODY - 3 || f.payload.some((b) => b < 0x20 || b === 0x7f)) {
            throw new Error(`malformed frame from ${m.toString('hex')}`);
          }
        }
        port.emit('data', chunk);
      }
      clock.note(m, performance.now() - t0);
      const h = held(replies, frames);
      if (h.reply > 3 || h.frame > MAX_BODY) throw new Error(`decoders hold ${JSON.stringify(h)}`);
    }
    const ms = Date.now() - t0;
    expect(decodedFrames).toBeGreaterThan(N / 20);
    expect(decodedReplies).toBeGreaterThan(N / 50);
    expect(sim.counters.frames + sim.counters.badChecksum + sim.counters.dropped).toBeGreaterThan(N / 2);
    // Whatever it went through, the board still shows well-formed rows.
    for (const row of sim.shown().rows) expect(row).toMatch(/^$|^\S{1,6} -> \S{1,3}$/u);
    const heapGrowth = settledHeap() - heap0;
    report('display stream', clock, { ms, frames: decodedFrames, replies: decodedReplies, heapGrowthKiB: Math.round(heapGrowth / 1024) });
    expect(await clock.confirmSlow((m) => (new ReplyDecoder().push(m), new FrameDecoder().push(m)))).toEqual([]);
    expect(heapGrowth).toBeLessThan(HEAP_SLACK);
  });

  it(`fast-check: ${runs(300_000).toLocaleString('en')} generated and mutated inputs through the reply decoder, the frame decoder and the board`, async () => {
    const heap0 = settledHeap();
    const N = runs(300_000);
    const replies = new ReplyDecoder();
    const frames = new FrameDecoder();
    const sim = new DisplaySim({ rows: 4 });
    const port = new NullPort();
    sim.attach(port, {});
    const clock = new InputClock<Buffer>();
    let decoded = 0;
    const special = [0x02, 0x03, 0x06, 0x15, 0x30, 0x31, 0x39, 0x4e, 0x53, 0x50, 0x43, 0x7f, 0x20];
    const input = fc.tuple(fc.oneof({ arbitrary: mutatedBytes(SEEDS, special), weight: 3 }, { arbitrary: generatedBytes(special), weight: 1 }), fc.array(fc.nat(), { maxLength: 4 }));
    const feed = (rd: ReplyDecoder, fd: FrameDecoder, b: Buffer, cuts: number[]): void => {
      for (const chunk of chunked(b, cuts)) {
        for (const rep of rd.push(chunk)) {
          decoded++;
          if (rep.address < 1 || rep.address > 99 || (rep.kind === 'ack') !== (rep.code === '0')) throw new Error(`malformed reply ${JSON.stringify(rep)}`);
        }
        for (const f of fd.push(chunk)) {
          if (f.kind !== 'frame') continue;
          decoded++;
          if (f.address > 99 || f.payload.length > MAX_BODY - 3 || f.payload.some((x) => x < 0x20 || x === 0x7f)) throw new Error('malformed frame');
        }
        port.emit('data', chunk);
      }
    };
    fc.assert(
      fc.property(input, ([b, cuts]) => {
        clock.time(b, () => feed(replies, frames, b, cuts));
        const h = held(replies, frames);
        if (h.reply > 3 || h.frame > MAX_BODY) throw new Error(`decoders hold ${JSON.stringify(h)}`);
      }),
      fcParams(N, 0x4c454400),
    );
    for (const row of sim.shown().rows) expect(row).toMatch(/^$|^\S{1,6} -> \S{1,3}$/u);
    const heapGrowth = settledHeap() - heap0;
    report('display fast-check', clock, { decoded, board: sim.counters, heapGrowthKiB: Math.round(heapGrowth / 1024) });
    expect(await clock.confirmSlow((b) => feed(new ReplyDecoder(), new FrameDecoder(), b, []))).toEqual([]);
    expect(clock.count).toBe(N);
    expect(decoded).toBeGreaterThan(N / 20);
    expect(heapGrowth).toBeLessThan(HEAP_SLACK);
  });
});
