// A streaming tokenizer for the ESC/POS subset in README.md: bytes in any chunking,
// commands out. A command cut by a chunk boundary waits for the rest. Unknown
// commands are reported (not fatal), as a real printer would print or skip them.
export type Cmd =
  | { k: 'text'; bytes: Buffer }
  | { k: 'lf' }
  | { k: 'feed'; lines: number }
  | { k: 'init' }
  | { k: 'mode'; n: number }
  | { k: 'bold'; on: boolean }
  | { k: 'underline'; on: boolean }
  | { k: 'invert'; on: boolean }
  | { k: 'align'; a: 'left' | 'center' | 'right' }
  | { k: 'size'; w: number; h: number }
  | { k: 'table'; n: number }
  | { k: 'cut'; partial: boolean }
  /** `symbology` when the command set names it (Star); else from the ESC/POS type number. */
  | { k: 'barcode'; type: number; data: Buffer; symbology?: string }
  | { k: 'qr-store'; data: Buffer }
  | { k: 'qr-print' }
  | { k: 'status'; n: number }
  /** Star `ESC ACK SOH`: send the automatic status (ASB) now. */
  | { k: 'asb' }
  | { k: 'ignored'; name: string }
  | { k: 'unknown'; bytes: Buffer };

const ALIGN = ['left', 'center', 'right'] as const;
/** ESC x commands with a fixed number of parameter bytes that do not change the decoded text. */
const ESC_SKIP: Record<number, [string, number]> = {
  0x20: ['ESC SP', 1], 0x32: ['ESC 2', 0], 0x33: ['ESC 3', 1], 0x4a: ['ESC J', 1], 0x4d: ['ESC M', 1],
  0x7b: ['ESC {', 1], 0x70: ['ESC p', 3], 0x42: ['ESC B', 2], 0x3d: ['ESC =', 1], 0x52: ['ESC R', 1],
  0x47: ['ESC G', 1], 0x56: ['ESC V', 1], 0x63: ['ESC c', 2],
};
const GS_SKIP: Record<number, [string, number]> = {
  0x48: ['GS H', 1], 0x68: ['GS h', 1], 0x77: ['GS w', 1], 0x66: ['GS f', 1], 0x61: ['GS a', 1], 0x4c: ['GS L', 2], 0x57: ['GS W', 2],
};

/** One command decoded at an offset, or null when more bytes are needed (or none are left). */
export type Step = { cmd: Cmd | null; next: number } | null;

/** Bytes in any chunking, commands out: a command cut by a chunk boundary waits for the rest. */
export abstract class StreamTokenizer {
  private buf: Buffer = Buffer.alloc(0);

  /** Bytes still waiting for the rest of a command. */
  get pending(): number {
    return this.buf.length;
  }

  push(chunk: Buffer): Cmd[] {
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : Buffer.from(chunk);
    const out: Cmd[] = [];
    let i = 0;
    for (;;) {
      const r = this.one(this.buf, i);
      if (r === null) break;
      if (r.cmd) out.push(r.cmd);
      i = r.next;
    }
    this.buf = this.buf.subarray(i);
    return out;
  }

  protected abstract one(b: Buffer, i: number): Step;
}

export class EscPosTokenizer extends StreamTokenizer {
  /** One command at i, or null when more bytes are needed (or none are left). */
  protected one(b: Buffer, i: number): Step {
    if (i >= b.length) return null;
    const c = b[i]!;
    const at = (k: number): number | undefined => b[i + k];
    if (c >= 0x20 && c !== 0x7f) {
      let j = i;
      while (j < b.length && b[j]! >= 0x20 && b[j] !== 0x7f) j++;
      return { cmd: { k: 'text', bytes: Buffer.from(b.subarray(i, j)) }, next: j };
    }
    switch (c) {
      case 0x0a:
        return { cmd: { k: 'lf' }, next: i + 1 };
      case 0x09:
        return { cmd: { k: 'text', bytes: Buffer.from(' ') }, next: i + 1 };
      case 0x0d:
      case 0x00:
        return { cmd: null, next: i + 1 };
      case 0x10: {
        // DLE EOT n: real-time status; DLE DC4 fn m t: real-time request (pulse etc.).
        if (at(1) === undefined) return null;
        if (at(1) === 0x04) return at(2) === undefined ? null : { cmd: { k: 'status', n: at(2)! }, next: i + 3 };
        if (at(1) === 0x14) return b.length < i + 5 ? null : { cmd: { k: 'ignored', name: 'DLE DC4' }, next: i + 5 };
        return { cmd: { k: 'unknown', bytes: Buffer.from(b.subarray(i, i + 2)) }, next: i + 2 };
      }
      case 0x1b:
        return this.esc(b, i);
      case 0x1d:
        return this.gs(b, i);
      default:
        return { cmd: { k: 'unknown', bytes: Buffer.from([c]) }, next: i + 1 };
    }
  }

  private esc(b: Buffer, i: number): { cmd: Cmd | null; next: number } | null {
    const op = b[i + 1];
    if (op === undefined) return null;
    if (op === 0x40) return { cmd: { k: 'init' }, next: i + 2 }; // ESC @
    const n = b[i + 2];
    const skip = ESC_SKIP[op];
    if (skip) return b.length < i + 2 + skip[1] ? null : { cmd: { k: 'ignored', name: skip[0] }, next: i + 2 + skip[1] };
    if (n === undefined) return null;
    const next = i + 3;
    switch (op) {
      case 0x21: // ESC ! n: print mode
        return { cmd: { k: 'mode', n }, next };
      case 0x45: // ESC E n: emphasis
        return { cmd: { k: 'bold', on: (n & 1) === 1 }, next };
      case 0x2d: // ESC - n: underline 0/1/2 or '0'/'1'/'2'
        return { cmd: { k: 'underline', on: (n & 3) !== 0 }, next };
      case 0x61: // ESC a n: justification
        return { cmd: { k: 'align', a: ALIGN[n % 48] ?? 'left' }, next };
      case 0x74: // ESC t n: character code table
        return { cmd: { k: 'table', n }, next };
      case 0x64: // ESC d n: print and feed n lines
        return { cmd: { k: 'feed', lines: n }, next };
      default:
        return { cmd: { k: 'unknown', bytes: Buffer.from(b.subarray(i, i + 2)) }, next: i + 2 };
    }
  }

  private gs(b: Buffer, i: number): { cmd: Cmd | null; next: number } | null {
    const op = b[i + 1];
    if (op === undefined) return null;
    const skip = GS_SKIP[op];
    if (skip) return b.length < i + 2 + skip[1] ? null : { cmd: { k: 'ignored', name: skip[0] }, next: i + 2 + skip[1] };
    const n = b[i + 2];
    if (n === undefined) return null;
    switch (op) {
      case 0x21: // GS ! n: character size, width (n >> 4) + 1, height (n & 15) + 1
        return { cmd: { k: 'size', w: (n >> 4) + 1, h: (n & 15) + 1 }, next: i + 3 };
      case 0x42: // GS B n: white/black reverse
        return { cmd: { k: 'invert', on: (n & 1) === 1 }, next: i + 3 };
      case 0x56: // GS V m [n]: cut; m 65/66 carry a feed amount
        if (n === 65 || n === 66) return b.length < i + 4 ? null : { cmd: { k: 'cut', partial: n === 66 }, next: i + 4 };
        return { cmd: { k: 'cut', partial: n === 1 || n === 49 }, next: i + 3 };
      case 0x72: // GS r n: transmit status (not simulated)
        return { cmd: { k: 'ignored', name: 'GS r' }, next: i + 3 };
      case 0x6b: {
        // GS k m ...: barcode. m 0..6: data up to NUL; m 65..79: n bytes of data.
        if (n <= 6) {
          const end = b.indexOf(0, i + 3);
          if (end < 0) return b.length - i > 300 ? { cmd: { k: 'unknown', bytes: Buffer.from(b.subarray(i, i + 3)) }, next: i + 3 } : null;
          return { cmd: { k: 'barcode', type: n, data: Buffer.from(b.subarray(i + 3, end)) }, next: end + 1 };
        }
        const len = b[i + 3];
        if (len === undefined || b.length < i + 4 + len) return null;
        return { cmd: { k: 'barcode', type: n, data: Buffer.from(b.subarray(i + 4, i + 4 + len)) }, next: i + 4 + len };
      }
      case 0x28: {
        // GS ( x pL pH ...: functions with a 16-bit parameter length.
        if (b.length < i + 5) return null;
        const fnClass = n;
        const plen = b[i + 3]! + b[i + 4]! * 256;
        if (b.length < i + 5 + plen) return null;
        const p = b.subarray(i + 5, i + 5 + plen);
        const next = i + 5 + plen;
        if (fnClass === 0x6b && p[0] === 0x31) {
          // GS ( k, cn 49 = QR: fn 80 store (m, data...), fn 81 print.
          if (p[1] === 0x50) return { cmd: { k: 'qr-store', data: Buffer.from(p.subarray(3)) }, next };
          if (p[1] === 0x51) return { cmd: { k: 'qr-print' }, next };
          return { cmd: { k: 'ignored', name: `GS ( k fn ${p[1]}` }, next };
        }
        return { cmd: { k: 'ignored', name: `GS ( ${String.fromCharCode(fnClass)}` }, next };
      }
      default:
        return { cmd: { k: 'unknown', bytes: Buffer.from(b.subarray(i, i + 2)) }, next: i + 2 };
    }
  }
}
