// Fuzzing the ZVT decoders (issue 4 "Bad input"): 1,000,000 mutated frames through
// each of the TCP reassembler and the serial DLE/CRC decoder (2,000,000 in all), plus the BMP/TLV parsers on
// every APDU that comes out. Nothing may throw or hang; drops are counted. Every
// push is timed (HANG_MS), the heap after GC must not grow, a fast-check property adds
// generated and mutated frames, and an APDU trickled one byte a segment costs linear time.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeApdu } from '../../firmware-ts/src/drivers/terminal/apdu.js';
import { SerialDecoder, TcpDecoder, encodeSerialFrame } from '../../firmware-ts/src/drivers/terminal/framing.js';
import { decodeStatusCompletion, decodeTransaction } from '../../firmware-ts/src/drivers/terminal/transaction.js';
import { chunked, fcParams, generatedBytes, HEAP_SLACK, InputClock, mutatedBytes, report, runs, seed, settledHeap, xorshift } from './harness.js';

// Seeds: real-terminal APDUs (Portalum.Zvt StatusInformationParserTest.cs, wirelane/ecrterm
// test_parsing.py) and the driver's own exchanges.
const SEEDS = [
  '040F772700040000000020400B0004700C2239530D10060E2512170001197022F0F8EEEEEEEEEEEE477129280048692A3130303436313736332020202020203B36313138303400003CF0F1F447454E2E4E522E3A363131383034490978870470880004708A2E8BF1F74465626974204D61737465726361726400',
  '040F1E276C29280048693CF0F1F941626272756368206475726368204B756E6465',
  '060F0BF0F0F7322E31342E313500',
  '04FF020A00', '800000', '841E016F', '061E016C', '060F00',
  '0600081234561E09490301', '06010A04000000012345490949', '06D10700486F6C6C6F',
].map((s) => Buffer.from(s.replace(/\s/g, ''), 'hex'));

const rng = (salt: number) => xorshift(seed(salt));

function mutate(src: Buffer, r: () => number): Buffer {
  const b = Buffer.from(src);
  const n = 1 + (r() % 4);
  for (let i = 0; i < n; i++) {
    const op = r() % 6;
    const at = b.length === 0 ? 0 : r() % b.length;
    if (op <= 2 && b.length > 0) b[at] = r() & 0xff; // flip a byte
    else if (op === 3 && b.length > 0) b[at] = [0x10, 0x02, 0x03, 0x06, 0x15, 0xff][r() % 6]!; // protocol bytes
    else if (op === 4) return b.subarray(0, at); // truncate
    else return Buffer.concat([b.subarray(0, at), Buffer.from([r() & 0xff, r() & 0xff]), b.subarray(at)]); // insert
  }
  return b;
}

describe('ZVT decoder fuzz', () => {
  it(`${runs(1_000_000).toLocaleString('en')} mutated frames through each of the TCP and serial decoders: no throw, no hang, bounded state`, async () => {
    const heap0 = settledHeap();
    const clock = new InputClock<[boolean, Buffer]>();
    const r = rng(0x2f1e4a7);
    const tcpFrames = SEEDS.map((s) => s);
    const serialFrames = SEEDS.map((s) => encodeSerialFrame(s));
    const tcp = new TcpDecoder(4096);
    const serial = new SerialDecoder(4096);
    let apdus = 0;
    let parsed = 0;
    const onApdu = (a: { cls: number; instr: number; data: Buffer }): void => {
      apdus++;
      if (a.cls === 0x04 && a.instr === 0x0f) {
        decodeTransaction(a.data);
        parsed++;
      } else if (a.cls === 0x06 && a.instr === 0x0f) decodeStatusCompletion(a.data);
    };
    const t0 = Date.now();
    const N = 2 * runs(1_000_000); // alternating: 1,000,000 per decoder
    for (let i = 0; i < N; i++) {
      const k = r() % SEEDS.length;
      if (i & 1) {
        const m = mutate(tcpFrames[k]!, r);
        clock.time([true, m], () => tcp.push(m, onApdu));
        // Like the driver's T3 case-b timer: a stuck partial APDU is dropped now and then.
        if ((i & 0x3ff) === 1) tcp.reset();
      } else {
        const m = mutate(serialFrames[k]!, r);
        clock.time([false, m], () =>
          serial.push(m, (e) => {
            if (e.kind === 'apdu') onApdu(e.apdu);
          }),
        );
        if ((i & 0x3ff) === 0) serial.reset();
      }
      if (tcp.buffered > 4096 + 64) throw new Error(`TCP decoder holds ${tcp.buffered} bytes`);
    }
    const ms = Date.now() - t0;
    const drops = {
      tcp: tcp.stats,
      serial: serial.stats,
    };
    // Intact frames still decode after all that.
    const good: number[] = [];
    tcp.reset();
    serial.reset();
    tcp.push(encodeApdu({ cls: 0x80, instr: 0, data: Buffer.alloc(0) }), (a) => good.push(a.cls));
    serial.push(Buffer.concat([Buffer.from([0x10, 0x03, 0x00]), encodeSerialFrame(SEEDS[2]!)]), (e) => e.kind === 'apdu' && good.push(e.apdu.cls));
    expect(good).toContain(0x06);
    expect(apdus).toBeGreaterThan(N / 100);
    expect(parsed).toBeGreaterThan(N / 2000);
    expect(drops.serial.crcErrors + drops.serial.malformed + drops.serial.truncated).toBeGreaterThan(N / 10);
    expect(drops.tcp.garbageBytes).toBeGreaterThan(N / 200);
    console.log(`zvt fuzz: ${N} frames in ${ms} ms; apdus ${apdus}; tcp drops ${JSON.stringify(drops.tcp)}; serial drops ${JSON.stringify(drops.serial)}`);
    const heapGrowth = settledHeap() - heap0;
    report('zvt stream', clock, { heapGrowthKiB: Math.round(heapGrowth / 1024) });
    expect(await clock.confirmSlow(([isTcp, m]) => (isTcp ? new TcpDecoder(4096).push(m, onApdu) : new SerialDecoder(4096).push(m, () => undefined)))).toEqual([]);
    expect(heapGrowth).toBeLessThan(HEAP_SLACK);
  });

  it(`fast-check: ${runs(500_000).toLocaleString('en')} generated and mutated inputs through both decoders (driver's 64 KiB limit), chunked; state stays bounded`, async () => {
    const heap0 = settledHeap();
    const N = runs(500_000);
    const tcp = new TcpDecoder();
    const serial = new SerialDecoder();
    const clock = new InputClock<Buffer>();
    let apdus = 0;
    const onApdu = (a: { cls: number; instr: number; data: Buffer }): void => {
      apdus++;
      if (a.cls === 0x04 && a.instr === 0x0f) decodeTransaction(a.data);
      else if (a.cls === 0x06 && a.instr === 0x0f) decodeStatusCompletion(a.data);
    };
    const seeds = [...SEEDS, ...SEEDS.map((s) => encodeSerialFrame(s))];
    const special = [0x10, 0x02, 0x03, 0x06, 0x15, 0xff, 0x04, 0x0f, 0x80, 0x84];
    const input = fc.tuple(fc.oneof({ arbitrary: mutatedBytes(seeds, special), weight: 3 }, { arbitrary: generatedBytes(special), weight: 1 }), fc.array(fc.nat(), { maxLength: 4 }));
    let i = 0;
    fc.assert(
      fc.property(input, ([b, cuts]) => {
        clock.time(b, () => {
          for (const c of chunked(b, cuts)) {
            tcp.push(c, onApdu);
            serial.push(c, (e) => e.kind === 'apdu' && onApdu(e.apdu));
          }
        });
        // What the driver holds is one incomplete APDU at most (PA00P016 §4: <= 65,540 bytes).
        if (tcp.buffered > 0xffff + 5) throw new Error(`TCP decoder holds ${tcp.buffered} bytes`);
        // The driver's T3/T1 timers drop a stuck partial APDU now and then.
        if (++i % 512 === 0) {
          tcp.reset();
          serial.reset();
        }
      }),
      fcParams(N, 0x5a565400),
    );
    const heapGrowth = settledHeap() - heap0;
    report('zvt fast-check', clock, { apdus, tcp: tcp.stats, serial: serial.stats, heapGrowthKiB: Math.round(heapGrowth / 1024) });
    expect(await clock.confirmSlow((b) => new TcpDecoder().push(b, onApdu))).toEqual([]);
    expect(clock.count).toBe(N);
    expect(apdus).toBeGreaterThan(N / 100);
    expect(heapGrowth).toBeLessThan(HEAP_SLACK);
  });

  it('reassembles a 64 KiB APDU trickled one byte per TCP segment in linear time (as the serial decoder does)', () => {
    // PA00P016 §4 item 3: fragments of any size. The decoder used to copy all it held on every push.
    const apdu = Buffer.concat([Buffer.from([0x06, 0x0f, 0xff, 0xff, 0xff]), Buffer.alloc(0xffff, 0x41)]);
    const frame = encodeSerialFrame(apdu);
    const got: number[] = [];
    const serial = new SerialDecoder();
    let t0 = performance.now();
    for (let i = 0; i < frame.length; i++) serial.push(frame.subarray(i, i + 1), (e) => e.kind === 'apdu' && got.push(e.apdu.data.length));
    const serialMs = performance.now() - t0;
    const tcp = new TcpDecoder();
    const clock = new InputClock();
    t0 = performance.now();
    for (let i = 0; i < apdu.length; i++) clock.time(null, () => tcp.push(apdu.subarray(i, i + 1), (a) => got.push(a.data.length)));
    const tcpMs = performance.now() - t0;
    report('zvt tcp trickle', clock, { tcpMs: Math.round(tcpMs), serialMs: Math.round(serialMs) });
    expect(got).toEqual([0xffff, 0xffff]);
    expect(tcp.buffered).toBe(0);
    // Quadratic copying took ~40x the serial decoder's time here; linear work stays within a few times.
    expect(tcpMs).toBeLessThan(5 * serialMs + 150);
  });
});
