// Fuzzing the ZVT decoders (issue 4 "Bad input"): 1,000,000 mutated frames through
// each of the TCP reassembler and the serial DLE/CRC decoder (2,000,000 in all), plus the BMP/TLV parsers on
// every APDU that comes out. Nothing may throw or hang; drops are counted.
import { describe, expect, it } from 'vitest';
import { encodeApdu } from '../../firmware-ts/src/drivers/terminal/apdu.js';
import { SerialDecoder, TcpDecoder, encodeSerialFrame } from '../../firmware-ts/src/drivers/terminal/framing.js';
import { decodeStatusCompletion, decodeTransaction } from '../../firmware-ts/src/drivers/terminal/transaction.js';

// Seeds: real-terminal APDUs (Portalum.Zvt StatusInformationParserTest.cs, wirelane/ecrterm
// test_parsing.py) and the driver's own exchanges.
const SEEDS = [
  '040F772700040000000020400B0004700C2239530D10060E2512170001197022F0F8EEEEEEEEEEEE477129280048692A3130303436313736332020202020203B36313138303400003CF0F1F447454E2E4E522E3A363131383034490978870470880004708A2E8BF1F74465626974204D61737465726361726400',
  '040F1E276C29280048693CF0F1F941626272756368206475726368204B756E6465',
  '060F0BF0F0F7322E31342E313500',
  '04FF020A00', '800000', '841E016F', '061E016C', '060F00',
  '0600081234561E09490301', '06010A04000000012345490949', '06D10700486F6C6C6F',
].map((s) => Buffer.from(s.replace(/\s/g, ''), 'hex'));

/** xorshift32: fast, deterministic. */
function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x;
  };
}

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
  it('1,000,000 mutated frames through each of the TCP and serial decoders: no throw, no hang, bounded state', () => {
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
    const N = 2_000_000; // alternating: 1,000,000 per decoder
    for (let i = 0; i < N; i++) {
      const k = r() % SEEDS.length;
      if (i & 1) {
        tcp.push(mutate(tcpFrames[k]!, r), onApdu);
        // Like the driver's T3 case-b timer: a stuck partial APDU is dropped now and then.
        if ((i & 0x3ff) === 1) tcp.reset();
      } else {
        serial.push(mutate(serialFrames[k]!, r), (e) => {
          if (e.kind === 'apdu') onApdu(e.apdu);
        });
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
    expect(apdus).toBeGreaterThan(20_000);
    expect(parsed).toBeGreaterThan(1000);
    expect(drops.serial.crcErrors + drops.serial.malformed + drops.serial.truncated).toBeGreaterThan(200_000);
    expect(drops.tcp.garbageBytes).toBeGreaterThan(10_000);
    console.log(`zvt fuzz: ${N} frames in ${ms} ms; apdus ${apdus}; tcp drops ${JSON.stringify(drops.tcp)}; serial drops ${JSON.stringify(drops.serial)}`);
    expect(ms).toBeLessThan(40_000);
  }, 120_000);
});
