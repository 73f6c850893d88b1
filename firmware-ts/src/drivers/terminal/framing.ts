// ZVT transport framing, both kinds (PA00P016 §3, §4).
//
// Serial (PA00P016 §3.1): DLE STX <APDU, every DLE doubled> DLE ETX CRC-lo CRC-hi.
// The receiver answers every message at once with ACK (06) or NAK (15), which are
// bare bytes, not framed (§3.2). The checksum the spec calls "CRC-XModem" (§3.3) is,
// on the wire, the reflected CCITT polynomial 0x8408 with init 0 (CRC-16/KERMIT),
// over the un-doubled APDU plus ETX, low byte first; real terminals' captures agree
// (test/unit/zvt-codec.test.ts).
//
// TCP (PA00P016 §4): bare APDUs, which the receiver must reassemble from arbitrary
// fragments (§4 item 3). There is no frame marker to resync on, so a byte that
// cannot start an APDU (an unknown CLASS) is dropped and counted.
//
// Both decoders are push parsers that never throw and keep bounded state.
import { apduTotalLength, decodeApdu, encodeApdu, type Apdu } from './apdu.js';

export const DLE = 0x10;
export const STX = 0x02;
export const ETX = 0x03;
export const ACK = 0x06;
export const NAK = 0x15;

const CRC_TABLE = (() => {
  const t = new Uint16Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x8408 : c >>> 1;
    t[i] = c;
  }
  return t;
})();

/** CRC-16/KERMIT (poly 0x8408 reflected, init 0, no final xor): PA00P016 §3.3 as terminals implement it. */
export function crc16(buf: Uint8Array, crc = 0, start = 0, end = buf.length): number {
  for (let i = start; i < end; i++) crc = (crc >>> 8) ^ CRC_TABLE[(crc ^ buf[i]!) & 0xff]!;
  return crc;
}

/** The checksum of one APDU as the serial frame carries it: over APDU + ETX. */
export function frameCrc(apduBytes: Uint8Array): number {
  return crc16(Uint8Array.of(ETX), crc16(apduBytes));
}

/** DLE STX APDU(DLE doubled) DLE ETX CRC-lo CRC-hi (PA00P016 §3.1, §3.3). */
export function encodeSerialFrame(a: Apdu | Buffer): Buffer {
  const raw = Buffer.isBuffer(a) ? a : encodeApdu(a);
  let dles = 0;
  for (const b of raw) if (b === DLE) dles++;
  const out = Buffer.allocUnsafe(raw.length + dles + 6);
  let o = 0;
  out[o++] = DLE;
  out[o++] = STX;
  for (const b of raw) {
    out[o++] = b;
    if (b === DLE) out[o++] = DLE;
  }
  out[o++] = DLE;
  out[o++] = ETX;
  const crc = frameCrc(raw);
  out[o++] = crc & 0xff;
  out[o++] = crc >> 8;
  return out;
}

export interface DecoderStats {
  apdus: number;
  /** Bytes outside any frame (serial) or that cannot start an APDU (TCP). */
  garbageBytes: number;
  crcErrors: number;
  /** Frames whose APDU length field disagrees with the frame, or DLE followed by a bad byte. */
  malformed: number;
  /** Frames or APDUs bigger than the limit. */
  oversize: number;
  /** Frames abandoned by a new DLE STX or an inter-byte timeout. */
  truncated: number;
}

export const emptyStats = (): DecoderStats => ({ apdus: 0, garbageBytes: 0, crcErrors: 0, malformed: 0, oversize: 0, truncated: 0 });

export type SerialEvent =
  | { kind: 'apdu'; apdu: Apdu }
  | { kind: 'ack' }
  | { kind: 'nak' }
  /** A message arrived but is not error-free: the receiver answers NAK (PA00P016 §3.2.2). */
  | { kind: 'bad'; reason: string };

const enum S {
  Idle,
  IdleDle,
  Body,
  BodyDle,
  Crc1,
  Crc2,
}

export class SerialDecoder {
  readonly stats = emptyStats();
  private state = S.Idle;
  private buf: Buffer;
  private len = 0;
  private crcLo = 0;

  constructor(private readonly maxApdu = 0xffff + 5) {
    this.buf = Buffer.allocUnsafe(Math.min(512, maxApdu));
  }

  /** True while a frame is half received (the driver's T1 timer watches this). */
  get inFrame(): boolean {
    return this.state !== S.Idle && this.state !== S.IdleDle;
  }

  /** Abandons a half-received frame (T1 expired, PA00P016 §3.4.1). */
  reset(): void {
    if (this.inFrame) this.stats.truncated++;
    this.state = S.Idle;
    this.len = 0;
  }

  push(chunk: Uint8Array, emit: (e: SerialEvent) => void): void {
    for (let i = 0; i < chunk.length; i++) {
      const b = chunk[i]!;
      switch (this.state) {
        case S.Idle:
          if (b === DLE) this.state = S.IdleDle;
          else if (b === ACK) emit({ kind: 'ack' });
          else if (b === NAK) emit({ kind: 'nak' });
          else this.stats.garbageBytes++;
          break;
        case S.IdleDle:
          if (b === STX) {
            this.state = S.Body;
            this.len = 0;
          } else {
            this.stats.garbageBytes++;
            if (b !== DLE) this.state = S.Idle;
          }
          break;
        case S.Body:
          if (b === DLE) this.state = S.BodyDle;
          else this.add(b, emit);
          break;
        case S.BodyDle:
          if (b === DLE) {
            this.state = S.Body;
            this.add(b, emit);
          } else if (b === ETX) this.state = S.Crc1;
          else if (b === STX) {
            // A new frame began inside this one: the sender gave up on the old one.
            this.stats.truncated++;
            this.state = S.Body;
            this.len = 0;
          } else {
            this.stats.malformed++;
            this.state = S.Idle;
            emit({ kind: 'bad', reason: `DLE followed by ${b.toString(16).padStart(2, '0')} inside a frame` });
          }
          break;
        case S.Crc1:
          this.crcLo = b;
          this.state = S.Crc2;
          break;
        case S.Crc2:
          this.state = S.Idle;
          this.finish(this.crcLo | (b << 8), emit);
          break;
      }
    }
  }

  private add(b: number, emit: (e: SerialEvent) => void): void {
    if (this.len >= this.maxApdu) {
      this.stats.oversize++;
      this.state = S.Idle;
      emit({ kind: 'bad', reason: `frame longer than ${this.maxApdu} bytes` });
      return;
    }
    if (this.len === this.buf.length) {
      const bigger = Buffer.allocUnsafe(Math.min(this.maxApdu, this.buf.length * 2));
      this.buf.copy(bigger, 0, 0, this.len);
      this.buf = bigger;
    }
    this.buf[this.len++] = b;
  }

  private finish(got: number, emit: (e: SerialEvent) => void): void {
    const want = crc16(Uint8Array.of(ETX), crc16(this.buf, 0, 0, this.len));
    if (got !== want) {
      this.stats.crcErrors++;
      emit({ kind: 'bad', reason: `CRC ${got.toString(16).padStart(4, '0')} != ${want.toString(16).padStart(4, '0')}` });
      return;
    }
    const r = decodeApdu(this.buf.subarray(0, this.len));
    if (!r.ok) {
      this.stats.malformed++;
      emit({ kind: 'bad', reason: r.error });
      return;
    }
    this.stats.apdus++;
    emit({ kind: 'apdu', apdu: r.value });
  }
}

/** CLASS/CCRC bytes that can start an APDU from a PT or an ECR (PA00P015 §14, PA00P016 §5.2.3). */
const KNOWN_CLASS = new Set([0x04, 0x05, 0x06, 0x08, 0x80, 0x84]);

export class TcpDecoder {
  readonly stats = emptyStats();
  // The bytes not yet taken are buf[start, end). A fragment is appended in place (the
  // buffer doubles when full), so an APDU trickling in one byte per segment costs
  // O(n), not the O(n^2) of concatenating everything held on each push (found by the
  // fuzz suite: a 64 KiB APDU in 1-byte segments took over 2 s).
  private buf: Buffer = Buffer.alloc(0);
  private start = 0;
  private end = 0;

  constructor(private readonly maxApdu = 0xffff + 5) {}

  /** Bytes of an incomplete APDU waiting for the rest (the driver's T3 case b timer watches this). */
  get buffered(): number {
    return this.end - this.start;
  }

  reset(): void {
    if (this.buffered > 0) this.stats.truncated++;
    this.start = this.end = 0;
  }

  push(chunk: Buffer, emit: (a: Apdu) => void): void {
    this.append(chunk);
    const buf = this.buf.subarray(0, this.end);
    let off = this.start;
    while (off < buf.length) {
      if (!KNOWN_CLASS.has(buf[off]!)) {
        this.stats.garbageBytes++;
        off++;
        continue;
      }
      const total = apduTotalLength(buf, off);
      if (total === null) break;
      if (total > this.maxApdu) {
        this.stats.oversize++;
        off++;
        continue;
      }
      if (buf.length - off < total) break;
      const hdr = buf[off + 2] === 0xff ? 5 : 3;
      this.stats.apdus++;
      emit({ cls: buf[off]!, instr: buf[off + 1]!, data: Buffer.from(buf.subarray(off + hdr, off + total)) });
      off += total;
    }
    this.start = off;
    if (this.start === this.end) {
      this.start = this.end = 0;
      // A burst far larger than any APDU is not kept allocated once it is all taken.
      if (this.buf.length > 4 * this.maxApdu) this.buf = Buffer.alloc(0);
    }
  }

  private append(chunk: Buffer): void {
    if (this.end + chunk.length > this.buf.length) {
      const held = this.end - this.start;
      if (held + chunk.length <= this.buf.length) {
        this.buf.copy(this.buf, 0, this.start, this.end);
      } else {
        const bigger = Buffer.allocUnsafe(Math.max(held + chunk.length, 2 * this.buf.length, 4096));
        this.buf.copy(bigger, 0, this.start, this.end);
        this.buf = bigger;
      }
      this.start = 0;
      this.end = held;
    }
    chunk.copy(this.buf, this.end);
    this.end += chunk.length;
  }
}
