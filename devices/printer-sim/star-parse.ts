// A streaming tokenizer for Star Line Mode (Star Micronics "Line Mode Command
// Specifications"), the command set of node-thermal-printer's STAR type, into the
// same commands as the ESC/POS one, so the page model is shared. The two sets reuse
// bytes with other meanings: in Star mode `ESC d n` cuts (ESC/POS: feed) and `ESC a n`
// feeds (ESC/POS: justify). Star Line Mode has no DLE EOT: a printer in Star mode skips
// it unanswered. Its status is the ASB (Automatic Status Back), which `ESC ACK SOH`
// asks for in real time (Star "Line Mode Command Specifications", "Automatic Status");
// this tokenizer turns that request into an `asb` command, which the simulator answers
// with firmware-ts's encodeStarStatus. ENQ and EOT (one-byte status) and the
// unsolicited ASB that `ESC RS a n` turns on are not simulated: no answer.
import { StreamTokenizer, type Step } from './escpos-parse.js';

const ALIGN = ['left', 'center', 'right'] as const;

/** n or its ASCII digit ('0' = 0x30), as Star accepts both for small parameters. */
const digit = (n: number): number => (n >= 0x30 && n <= 0x39 ? n - 0x30 : n);

/** ESC b n1: Star barcode types (n1, ASCII digit) by the name the page reports. */
const STAR_BARCODES: Record<number, string> = { 0: 'UPC-E', 1: 'UPC-A', 2: 'EAN8', 3: 'EAN13', 4: 'CODE39', 5: 'ITF', 6: 'CODE128', 7: 'CODE93', 8: 'NW-7' };

/** ESC x commands with a fixed count of parameter bytes that change nothing the page decodes. */
const ESC_SKIP: Record<number, [string, number]> = {
  0x30: ['ESC 0', 0], 0x31: ['ESC 1', 0], 0x32: ['ESC 2', 0], 0x33: ['ESC 3', 1], 0x7a: ['ESC z', 1], 0x4a: ['ESC J', 1], 0x49: ['ESC I', 1],
  0x5f: ['ESC _', 1], 0x3d: ['ESC =', 1], 0x70: ['ESC p', 1], 0x6c: ['ESC l', 1], 0x51: ['ESC Q', 1], 0x52: ['ESC R', 1], 0x43: ['ESC C', 1],
  0x4e: ['ESC N', 1], 0x4f: ['ESC O', 0], 0x07: ['ESC BEL', 2],
};

export class StarLineTokenizer extends StreamTokenizer {
  protected one(b: Buffer, i: number): Step {
    const c = b[i];
    if (c === undefined) return null;
    if (c >= 0x20 && c !== 0x7f) {
      let j = i;
      while (j < b.length && b[j]! >= 0x20 && b[j] !== 0x7f) j++;
      return { cmd: { k: 'text', bytes: Buffer.from(b.subarray(i, j)) }, next: j };
    }
    switch (c) {
      case 0x0a: // LF
        return { cmd: { k: 'lf' }, next: i + 1 };
      case 0x0c: // FF: form feed (ends the line)
      case 0x0b: // VT: vertical tab (node-thermal-printer's feed before a cut)
        return { cmd: { k: 'feed', lines: 1 }, next: i + 1 };
      case 0x09:
        return { cmd: { k: 'text', bytes: Buffer.from(' ') }, next: i + 1 };
      case 0x0d: // CR
      case 0x00:
      case 0x0f: // SI / DC2: upside-down printing on/off
      case 0x12:
      case 0x18: // CAN
      case 0x07: // BEL, FS, SUB: drive the cash drawer
      case 0x1c:
      case 0x1a:
      case 0x05: // ENQ, EOT: one-byte status queries (not simulated: no answer)
      case 0x04:
        return { cmd: { k: 'ignored', name: `0x${c.toString(16).padStart(2, '0')}` }, next: i + 1 };
      case 0x1b:
        return this.esc(b, i);
      case 0x10:
        // DLE EOT n is ESC/POS's status query; a printer in Star mode skips it and answers nothing.
        if (b[i + 1] === undefined || (b[i + 1] === 0x04 && b[i + 2] === undefined)) return null;
        if (b[i + 1] === 0x04) return { cmd: { k: 'ignored', name: 'DLE EOT (no answer in Star mode)' }, next: i + 3 };
        return { cmd: { k: 'unknown', bytes: Buffer.from([c]) }, next: i + 1 };
      default:
        return { cmd: { k: 'unknown', bytes: Buffer.from([c]) }, next: i + 1 };
    }
  }

  private esc(b: Buffer, i: number): Step {
    const op = b[i + 1];
    if (op === undefined) return null;
    const need = (n: number) => b.length >= i + n;
    switch (op) {
      case 0x40: // ESC @
        return { cmd: { k: 'init' }, next: i + 2 };
      case 0x45: // ESC E: emphasis on
        return { cmd: { k: 'bold', on: true }, next: i + 2 };
      case 0x46: // ESC F: emphasis off
        return { cmd: { k: 'bold', on: false }, next: i + 2 };
      case 0x34: // ESC 4 / ESC 5: white/black reverse on/off
      case 0x35:
        return { cmd: { k: 'invert', on: op === 0x34 }, next: i + 2 };
      case 0x2d: // ESC - n: underline
        return need(3) ? { cmd: { k: 'underline', on: digit(b[i + 2]!) !== 0 }, next: i + 3 } : null;
      case 0x69: // ESC i n1 n2: height n1 + 1, width n2 + 1
        return need(4) ? { cmd: { k: 'size', h: digit(b[i + 2]!) + 1, w: digit(b[i + 3]!) + 1 }, next: i + 4 } : null;
      case 0x57: // ESC W n / ESC h n: width or height alone are not what the STAR type sends
      case 0x68:
        return need(3) ? { cmd: { k: 'ignored', name: `ESC ${String.fromCharCode(op)}` }, next: i + 3 } : null;
      case 0x64: {
        // ESC d n: cut; 0/2 full, 1/3 partial (2, 3 after feeding to the cut position).
        if (!need(3)) return null;
        return { cmd: { k: 'cut', partial: digit(b[i + 2]!) % 2 === 1 }, next: i + 3 };
      }
      case 0x61: // ESC a n: feed n lines
        return need(3) ? { cmd: { k: 'feed', lines: b[i + 2]! }, next: i + 3 } : null;
      case 0x44: {
        // ESC D n1 ... nk NUL: horizontal tab positions.
        const end = b.indexOf(0, i + 2);
        if (end < 0) return b.length - i > 40 ? { cmd: { k: 'unknown', bytes: Buffer.from(b.subarray(i, i + 2)) }, next: i + 2 } : null;
        return { cmd: { k: 'ignored', name: 'ESC D' }, next: end + 1 };
      }
      case 0x62:
        return this.barcode(b, i);
      case 0x06: // ESC ACK SOH: automatic status request, answered at once (even offline)
        if (!need(3)) return null;
        if (b[i + 2] === 0x01) return { cmd: { k: 'asb' }, next: i + 3 };
        return { cmd: { k: 'unknown', bytes: Buffer.from(b.subarray(i, i + 3)) }, next: i + 3 };
      case 0x1e: // ESC RS F n (font), ESC RS a n (status back on/off: not simulated), and the other ESC RS x n
        return need(4) ? { cmd: { k: 'ignored', name: `ESC RS ${String.fromCharCode(b[i + 2]!)}` }, next: i + 4 } : null;
      case 0x1d:
        return this.escGs(b, i);
      case 0x3f: // ESC ? LF NUL: reset the printer
        return need(4) ? { cmd: { k: 'init' }, next: i + 4 } : null;
      default: {
        const skip = ESC_SKIP[op];
        if (skip) return need(2 + skip[1]) ? { cmd: { k: 'ignored', name: skip[0] }, next: i + 2 + skip[1] } : null;
        return { cmd: { k: 'unknown', bytes: Buffer.from(b.subarray(i, i + 2)) }, next: i + 2 };
      }
    }
  }

  /** ESC b n1 n2 n3 n4 d... RS: type, under-bar text, mode, height, then the data. */
  private barcode(b: Buffer, i: number): Step {
    if (b.length < i + 6) return null;
    const end = b.indexOf(0x1e, i + 6);
    if (end < 0) return b.length - i > 300 ? { cmd: { k: 'unknown', bytes: Buffer.from(b.subarray(i, i + 2)) }, next: i + 2 } : null;
    const type = digit(b[i + 2]!);
    return { cmd: { k: 'barcode', type, symbology: STAR_BARCODES[type] ?? `star type ${type}`, data: Buffer.from(b.subarray(i + 6, end)) }, next: end + 1 };
  }

  /** ESC GS x: justification, code table, and the QR code (ESC GS y). */
  private escGs(b: Buffer, i: number): Step {
    const op = b[i + 2];
    if (op === undefined) return null;
    const n = b[i + 3];
    if (op === 0x61) return n === undefined ? null : { cmd: { k: 'align', a: ALIGN[digit(n)] ?? 'left' }, next: i + 4 }; // ESC GS a n
    if (op === 0x74) return n === undefined ? null : { cmd: { k: 'table', n }, next: i + 4 }; // ESC GS t n
    if (op !== 0x79) return { cmd: { k: 'unknown', bytes: Buffer.from(b.subarray(i, i + 3)) }, next: i + 3 };
    // ESC GS y S 0|1|2 n: model, error correction, cell size; D 1 m nL nH d...: store; P: print.
    if (n === undefined) return null;
    if (n === 0x53) return b.length < i + 6 ? null : { cmd: { k: 'ignored', name: `ESC GS y S ${String.fromCharCode(b[i + 4]!)}` }, next: i + 6 };
    if (n === 0x50) return { cmd: { k: 'qr-print' }, next: i + 4 };
    if (n === 0x44) {
      if (b.length < i + 8) return null;
      const len = b[i + 6]! + b[i + 7]! * 256;
      if (b.length < i + 8 + len) return null;
      return { cmd: { k: 'qr-store', data: Buffer.from(b.subarray(i + 8, i + 8 + len)) }, next: i + 8 + len };
    }
    return { cmd: { k: 'unknown', bytes: Buffer.from(b.subarray(i, i + 4)) }, next: i + 4 };
  }
}

/** The command set a simulated printer speaks. */
export type CommandSet = 'escpos' | 'star';
