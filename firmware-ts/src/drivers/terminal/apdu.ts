// ZVT APDUs (PA00P016 §5.2): a 2-byte control field (CLASS INSTR for commands,
// CCRC APRC for answers), a length field and a data block. The length is one
// byte (0-254); FF announces an extended length of two bytes, low byte first
// (PA00P016 §5.2.4), so a block can hold 0-65535 bytes. The control and length
// fields never count towards the length. Everything here is pure and never throws
// on received bytes: decoders report, they do not crash.

export interface Apdu {
  /** CLASS (command) or CCRC (answer). */
  cls: number;
  /** INSTR (command) or APRC (answer). */
  instr: number;
  data: Buffer;
}

/** The largest data block the length field can express (PA00P016 §5.2.4). */
export const MAX_APDU_DATA = 0xffff;

/** Control fields this driver sends or handles (PA00P015 §2, §3; summary in §14). */
export const CMD = {
  registration: [0x06, 0x00],
  authorization: [0x06, 0x01],
  repeatReceipt: [0x06, 0x20],
  reversal: [0x06, 0x30],
  refund: [0x06, 0x31],
  endOfDay: [0x06, 0x50],
  abort: [0x06, 0xb0],
  statusEnquiry: [0x05, 0x01],
  // PT -> ECR
  statusInfo: [0x04, 0x0f],
  intermediate: [0x04, 0xff],
  completion: [0x06, 0x0f],
  ptAbort: [0x06, 0x1e],
  printLine: [0x06, 0xd1],
  printTextBlock: [0x06, 0xd3],
} as const satisfies Record<string, readonly [number, number]>;

export type CommandName = keyof typeof CMD;

export function is(a: Apdu, c: readonly [number, number]): boolean {
  return a.cls === c[0] && a.instr === c[1];
}

/** 80 00 (positive answer) or 84 xx (negative answer; 84 00 is positive too, PA00P016 §5.2.3). */
export function isAnswer(a: Apdu): boolean {
  return a.cls === 0x80 || a.cls === 0x84;
}

export function apdu(c: readonly [number, number], data: Buffer | readonly number[] = Buffer.alloc(0)): Apdu {
  return { cls: c[0], instr: c[1], data: Buffer.isBuffer(data) ? data : Buffer.from(data) };
}

/** The ECR's/PT's positive acknowledgement 80 00 00. */
export const ACK_APDU: Apdu = { cls: 0x80, instr: 0x00, data: Buffer.alloc(0) };

export function encodeApdu(a: Apdu): Buffer {
  const n = a.data.length;
  if (n > MAX_APDU_DATA) throw new RangeError(`APDU data of ${n} bytes exceeds ${MAX_APDU_DATA}`);
  if (n < 0xff) {
    const out = Buffer.allocUnsafe(3 + n);
    out[0] = a.cls;
    out[1] = a.instr;
    out[2] = n;
    a.data.copy(out, 3);
    return out;
  }
  const out = Buffer.allocUnsafe(5 + n);
  out[0] = a.cls;
  out[1] = a.instr;
  out[2] = 0xff;
  out[3] = n & 0xff; // PA00P016 §5.2.4: Lo_Byte, Hi_Byte
  out[4] = n >> 8;
  a.data.copy(out, 5);
  return out;
}

/**
 * How long the APDU starting at buf[off] is, header included: a number, or
 * `null` while the header itself is still incomplete.
 */
export function apduTotalLength(buf: Buffer, off = 0): number | null {
  const avail = buf.length - off;
  if (avail < 3) return null;
  const l = buf[off + 2]!;
  if (l !== 0xff) return 3 + l;
  if (avail < 5) return null;
  return 5 + (buf[off + 3]! | (buf[off + 4]! << 8));
}

export type ParseResult<T> = { ok: true; value: T } | { ok: false; error: string };

/** One complete APDU in exactly these bytes (a serial frame's payload). */
export function decodeApdu(buf: Buffer): ParseResult<Apdu> {
  const total = apduTotalLength(buf);
  if (total === null) return { ok: false, error: `APDU of ${buf.length} bytes is shorter than its header` };
  if (total !== buf.length) return { ok: false, error: `APDU length field says ${total} bytes, frame holds ${buf.length}` };
  const hdr = buf[2] === 0xff ? 5 : 3;
  return { ok: true, value: { cls: buf[0]!, instr: buf[1]!, data: Buffer.from(buf.subarray(hdr, total)) } };
}

export function hex(b: Buffer | readonly number[], max = 64): string {
  const arr = Buffer.isBuffer(b) ? b : Buffer.from(b);
  const s = arr.subarray(0, max).toString('hex').replace(/(..)(?!$)/g, '$1 ').toUpperCase();
  return arr.length > max ? `${s} …(+${arr.length - max})` : s;
}

/** "06 01" for logs; the data block is never logged (it can hold card data). */
export function describe(a: Apdu): string {
  return `${hex([a.cls, a.instr])} (${a.data.length} bytes)`;
}
