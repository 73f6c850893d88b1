// ZVT bitmaps (BMPs) and the TLV container (PA00P015 §13, §9.3; LLVAR/LLLVAR in
// PA00P016 §5.2.8). A data block is a sequence of <BMP number><value>; the value's
// length follows from the number (fixed), from an FxFy / FxFyFz prefix (LL/LLL-Var)
// or, for 06, from the TLV length (§9.3.2). An unknown BMP makes the rest of the
// block unreadable, so parsing stops there and says so; it never throws.

/** Fixed length in bytes, or 'LL' / 'LLL' (PA00P015 §13). */
type BmpLen = number | 'LL' | 'LLL' | 'TLV';

const BMP_LEN = new Map<number, BmpLen>([
  [0x01, 1], [0x02, 1], [0x03, 1], [0x04, 6], [0x05, 1], [0x06, 'TLV'], [0x0b, 3], [0x0c, 3], [0x0d, 2], [0x0e, 2],
  [0x17, 2], [0x19, 1], [0x22, 'LL'], [0x23, 'LL'], [0x24, 'LLL'], [0x27, 1], [0x29, 4], [0x2a, 15], [0x2d, 'LL'],
  [0x2e, 'LLL'], [0x37, 3], [0x3a, 2], [0x3b, 8], [0x3c, 'LLL'], [0x3d, 3], [0x49, 2], [0x4c, 'LL'], [0x60, 'LLL'],
  [0x70, 4], [0x71, 4], [0x72, 1], [0x73, 1], [0x74, 1], [0x75, 1], [0x87, 2], [0x88, 3], [0x8a, 1], [0x8b, 'LL'],
  [0x8c, 1], [0x9a, 'LLL'], [0xa0, 1], [0xa7, 'LL'], [0xaa, 3], [0xaf, 'LLL'], [0xba, 5], [0xd0, 1], [0xd1, 'LL'],
  [0xd2, 1], [0xd3, 1], [0xe0, 1], [0xe9, 1], [0xea, 1], [0xeb, 8], [0xf0, 1], [0xf9, 1], [0xfa, 1], [0xfb, 1],
  [0xfc, 1], [0xfd, 1],
]);
for (let n = 0xe1; n <= 0xe8; n++) BMP_LEN.set(n, 'LL');
for (let n = 0xf1; n <= 0xf8; n++) BMP_LEN.set(n, 'LL');

export interface Bmps {
  /** Values by BMP number (the last one wins if a number repeats). */
  fields: Map<number, Buffer>;
  /** Set when parsing stopped early: the rest of the block was not read. */
  error?: string;
}

/** Reads an FxFy / FxFyFz length prefix (PA00P016 §5.2.8). */
function readVarLen(buf: Buffer, off: number, digits: number): number | null {
  if (off + digits > buf.length) return null;
  let n = 0;
  for (let i = 0; i < digits; i++) {
    const b = buf[off + i]!;
    if ((b & 0xf0) !== 0xf0 || (b & 0x0f) > 9) return null;
    n = n * 10 + (b & 0x0f);
  }
  return n;
}

/** TLV length (PA00P015 §9.3.2): 0-127 in one byte, 81 xx, or 82 hi lo. */
function readTlvLen(buf: Buffer, off: number): { len: number; size: number } | null {
  if (off >= buf.length) return null;
  const b = buf[off]!;
  if (b < 0x80) return { len: b, size: 1 };
  if (b === 0x81 && off + 1 < buf.length) return { len: buf[off + 1]!, size: 2 };
  if (b === 0x82 && off + 2 < buf.length) return { len: (buf[off + 1]! << 8) | buf[off + 2]!, size: 3 };
  return null;
}

export function parseBmps(data: Buffer, start = 0): Bmps {
  const fields = new Map<number, Buffer>();
  let off = start;
  while (off < data.length) {
    const bmp = data[off]!;
    const kind = BMP_LEN.get(bmp);
    const at = `BMP ${bmp.toString(16).padStart(2, '0')} at byte ${off}`;
    if (kind === undefined) return { fields, error: `unknown ${at}; rest of the block skipped` };
    off++;
    let len: number;
    if (typeof kind === 'number') len = kind;
    else if (kind === 'TLV') {
      const l = readTlvLen(data, off);
      if (!l) return { fields, error: `bad TLV length in ${at}` };
      off += l.size;
      len = l.len;
    } else {
      const digits = kind === 'LL' ? 2 : 3;
      const l = readVarLen(data, off, digits);
      if (l === null) return { fields, error: `bad ${kind}-Var prefix in ${at}` };
      off += digits;
      len = l;
    }
    if (off + len > data.length) return { fields, error: `${at} needs ${len} bytes, ${data.length - off} left` };
    fields.set(bmp, data.subarray(off, off + len));
    off += len;
  }
  return { fields };
}

export interface TlvObject {
  tag: number;
  value: Buffer;
  children?: TlvObject[];
}

/** Parses a TLV container (PA00P015 §9.3): tags of 1-3 bytes, constructed objects recursively (depth-limited). */
export function parseTlv(buf: Buffer, depth = 0): { objects: TlvObject[]; error?: string } {
  const objects: TlvObject[] = [];
  let off = 0;
  while (off < buf.length) {
    const first = buf[off]!;
    let tag = first;
    let p = off + 1;
    if ((first & 0x1f) === 0x1f) {
      // §9.3.1: the tag number continues in following bytes while b8 is set.
      let more = true;
      for (let k = 0; more; k++) {
        if (p >= buf.length || k >= 2) return { objects, error: `bad tag at byte ${off}` };
        const b = buf[p++]!;
        tag = (tag << 8) | b;
        more = (b & 0x80) !== 0;
      }
    }
    const l = readTlvLen(buf, p);
    if (!l) return { objects, error: `bad length for tag ${tag.toString(16)} at byte ${off}` };
    p += l.size;
    if (p + l.len > buf.length) return { objects, error: `tag ${tag.toString(16)} needs ${l.len} bytes, ${buf.length - p} left` };
    const value = buf.subarray(p, p + l.len);
    const obj: TlvObject = { tag, value };
    if ((first & 0x20) !== 0 && depth < 8) {
      const inner = parseTlv(value, depth + 1);
      obj.children = inner.objects;
      if (inner.error) return { objects: [...objects, obj], error: inner.error };
    }
    objects.push(obj);
    off = p + l.len;
  }
  return { objects };
}

export function findTlv(objs: TlvObject[] | undefined, tag: number): TlvObject | undefined {
  for (const o of objs ?? []) {
    if (o.tag === tag) return o;
    const inner = findTlv(o.children, tag);
    if (inner) return inner;
  }
  return undefined;
}

// ---- BCD -------------------------------------------------------------------

/** Packed BCD digits as a string; null if a nibble is not a decimal digit. */
export function bcdDigits(b: Buffer): string | null {
  let s = '';
  for (const x of b) {
    const hi = x >> 4;
    const lo = x & 0x0f;
    if (hi > 9 || lo > 9) return null;
    s += String(hi) + String(lo);
  }
  return s;
}

export function bcdNumber(b: Buffer | undefined): number | null {
  if (!b) return null;
  const s = bcdDigits(b);
  return s === null ? null : Number(s);
}

/** n as `bytes` bytes of packed BCD, e.g. (1234, 3) -> 00 12 34. */
export function toBcd(n: number | string, bytes: number): Buffer {
  const s = String(n);
  if (!/^\d+$/.test(s) || s.length > bytes * 2) throw new RangeError(`${s} does not fit ${bytes} BCD bytes`);
  return Buffer.from(s.padStart(bytes * 2, '0'), 'hex');
}

/** An LL-Var (or LLL-Var) prefix for `len` bytes (PA00P016 §5.2.8). */
export function varLen(len: number, digits: 2 | 3): Buffer {
  const s = String(len).padStart(digits, '0');
  if (s.length > digits) throw new RangeError(`${len} does not fit ${digits} length digits`);
  return Buffer.from([...s].map((d) => 0xf0 | Number(d)));
}

/**
 * BMP 22 (PAN, BCD with 'E' for masked digits, 'F' padding, 'D' separator) as a
 * masked string: only the last four digits stay, whatever the terminal sent, so a
 * full PAN never reaches a log, a record or a tablet.
 */
export function maskedPan(b: Buffer | undefined): string | null {
  if (!b || b.length === 0) return null;
  let digits = '';
  for (const x of b) {
    for (const n of [x >> 4, x & 0x0f]) {
      if (n === 0x0d) return mask(digits); // track-2 style: the PAN ends at the separator
      if (n === 0x0f) continue;
      digits += n <= 9 ? String(n) : '*';
    }
  }
  return mask(digits);
}

function mask(digits: string): string | null {
  if (digits.length === 0) return null;
  const keep = digits.length > 8 ? 4 : 0;
  return '*'.repeat(digits.length - keep) + digits.slice(digits.length - keep);
}

/** ZVT texts are 7-bit ASCII or CP437 (PA00P015 §15); trailing NULs are padding. */
export function zvtText(b: Buffer | undefined): string | null {
  if (!b) return null;
  let s = '';
  for (const c of b.toString('latin1').replace(/\0+$/, '')) if (c === '\r' || c === '\n' || c === '\t' || (c >= ' ' && c !== '\x7f')) s += c;
  return s.length > 0 ? s : null;
}
