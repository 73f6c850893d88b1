// The ESC/POS (and Star Line Mode) commands we build ourselves, and the DLE EOT
// status bytes. Everything else (styles, alignment, size, cut) comes from
// node-thermal-printer's EPSON and STAR types, used purely as a buffer builder.
// References: Epson "ESC/POS Command Reference" (ESC t, GS ( k, GS k, DLE EOT);
// Star "Line Mode Command Specifications" (ESC GS t, ESC GS y, ESC b).
import type { CodePage } from './encoding.js';

export type PrinterType = 'epson' | 'star';

export const ESC = 0x1b;
export const GS = 0x1d;
export const DLE = 0x10;
export const EOT = 0x04;
export const LF = 0x0a;

/** Known code-table numbers per make; clones differ, so the config may override them. */
export const DEFAULT_CODE_TABLES: Record<PrinterType, Partial<Record<CodePage, number>>> = {
  // Epson: ESC t 13 = PC857 (Turkish), ESC t 48 = WPC1254 on the models that have it.
  epson: { CP857: 13, CP1254: 48 },
  // Star Line Mode: ESC GS t 12 = PC857. Star has no documented CP1254 table number.
  star: { CP857: 12 },
};

export function resolveCodeTable(type: PrinterType, cp: CodePage, configured: number | undefined): number {
  if (configured !== undefined) return configured;
  const n = DEFAULT_CODE_TABLES[type][cp];
  if (n === undefined) throw new Error(`no known ${type} code table number for ${cp}; set codePageTable in the printer's config`);
  return n;
}

/** `ESC @`: initialise; resets styles *and the code table* to the power-on default. */
export const INIT = Buffer.from([ESC, 0x40]);

/** Select character code table: `ESC t n` (Epson) or `ESC GS t n` (Star). */
export function selectCodeTable(type: PrinterType, n: number): Buffer {
  return type === 'star' ? Buffer.from([ESC, GS, 0x74, n]) : Buffer.from([ESC, 0x74, n]);
}

export type QrCorrection = 'L' | 'M' | 'Q' | 'H';
const QR_EC: Record<QrCorrection, number> = { L: 48, M: 49, Q: 50, H: 51 };

/**
 * A QR code. The payload is the UTF-8 encoding of the text: QR readers (phones)
 * take 8-bit byte mode data as UTF-8 in practice, so Turkish letters survive, which
 * they would not in the printer's code page. The byte count in pL pH is the UTF-8
 * length (node-thermal-printer counts UTF-16 units there, which is wrong for
 * anything beyond ASCII, hence our own builder).
 */
export function qrCode(type: PrinterType, text: string, opts: { size?: number; correction?: QrCorrection } = {}): Buffer {
  const data = Buffer.from(text, 'utf8');
  const size = opts.size ?? 6;
  const ec = opts.correction ?? 'M';
  if (data.length === 0) throw new RangeError('QR payload is empty');
  if (data.length > 7089) throw new RangeError(`QR payload is ${data.length} bytes; the limit is 7089`);
  if (!Number.isInteger(size) || size < 1 || size > 16) throw new RangeError('QR module size must be 1..16');
  if (type === 'star') {
    return Buffer.concat([
      Buffer.from([ESC, GS, 0x79, 0x53, 0x30, 2]), // ESC GS y S 0 n: model 2
      Buffer.from([ESC, GS, 0x79, 0x53, 0x31, QR_EC[ec] - 48]), // ESC GS y S 1 n: error correction
      Buffer.from([ESC, GS, 0x79, 0x53, 0x32, Math.min(size, 8)]), // ESC GS y S 2 n: cell size
      Buffer.from([ESC, GS, 0x79, 0x44, 0x31, 0x00, data.length & 0xff, data.length >> 8]), // ESC GS y D 1 m nL nH d...
      data,
      Buffer.from([ESC, GS, 0x79, 0x50]), // ESC GS y P: print
    ]);
  }
  const store = data.length + 3;
  return Buffer.concat([
    Buffer.from([GS, 0x28, 0x6b, 4, 0, 0x31, 0x41, 0x32, 0x00]), // GS ( k fn 165: model 2
    Buffer.from([GS, 0x28, 0x6b, 3, 0, 0x31, 0x43, size]), // GS ( k fn 167: module size
    Buffer.from([GS, 0x28, 0x6b, 3, 0, 0x31, 0x45, QR_EC[ec]]), // GS ( k fn 169: error correction
    Buffer.from([GS, 0x28, 0x6b, store & 0xff, store >> 8, 0x31, 0x50, 0x30]), // GS ( k fn 180: store pL pH
    data,
    Buffer.from([GS, 0x28, 0x6b, 3, 0, 0x31, 0x51, 0x30]), // GS ( k fn 181: print
  ]);
}

/** CODE128 data: printable ASCII only (what a scanner gives back). */
export function checkCode128(data: string): void {
  if (!/^[\x20-\x7e]{1,80}$/.test(data)) throw new RangeError('CODE128 data must be 1-80 printable ASCII characters');
}

/** CODE128, code set B. Epson: `GS k 73 n {B d...` with '{' doubled; Star: `ESC b 6 2 3 h d... RS`. */
export function code128(type: PrinterType, data: string, height = 80): Buffer {
  checkCode128(data);
  if (type === 'star') {
    return Buffer.concat([Buffer.from([ESC, 0x62, 0x36, 0x32, 0x33, height]), Buffer.from(data, 'latin1'), Buffer.from([0x1e])]);
  }
  const body = Buffer.from('{B' + data.replace(/\{/g, '{{'), 'latin1');
  return Buffer.concat([
    Buffer.from([GS, 0x48, 2]), // GS H 2: human-readable text below
    Buffer.from([GS, 0x68, height]), // GS h n: height in dots
    Buffer.from([GS, 0x77, 2]), // GS w 2: module width
    Buffer.from([GS, 0x6b, 73, body.length]), // GS k m=73 n
    body,
  ]);
}

// ---- DLE EOT n: real-time status transmission (one byte back, even while offline) ----

/** `DLE EOT n`: 1 printer status, 2 offline cause, 4 roll paper sensor. */
export function dleEot(n: 1 | 2 | 4): Buffer {
  return Buffer.from([DLE, EOT, n]);
}

/** Every DLE EOT answer has bit 0 = 0, bit 1 = 1, bit 4 = 1, bit 7 = 0. Anything else is not a status byte. */
export function isStatusByte(b: number): boolean {
  return (b & 0x93) === 0x12;
}

export interface StatusBits {
  /** n=1 bit 3. */
  offline: boolean;
  /** n=2 bit 2. */
  coverOpen: boolean;
  /** n=2 bit 5: printing stopped because the paper ran out. */
  paperStop: boolean;
  /** n=2 bit 6: an error (cutter, head temperature ...). */
  error: boolean;
  /** n=4 bits 2-3. */
  paperNearEnd: boolean;
  /** n=4 bits 5-6. */
  paperEnd: boolean;
}

export function decodeStatus(n1: number, n2: number, n4: number): StatusBits {
  return {
    offline: (n1 & 0x08) !== 0,
    coverOpen: (n2 & 0x04) !== 0,
    paperStop: (n2 & 0x20) !== 0,
    error: (n2 & 0x40) !== 0,
    paperNearEnd: (n4 & 0x0c) !== 0,
    paperEnd: (n4 & 0x60) !== 0,
  };
}

/** The inverse, for the simulator. */
export function encodeStatus(n: 1 | 2 | 4, s: StatusBits): number {
  let b = 0x12;
  if (n === 1 && s.offline) b |= 0x08;
  if (n === 2) {
    if (s.coverOpen) b |= 0x04;
    if (s.paperStop) b |= 0x20;
    if (s.error) b |= 0x40;
  }
  if (n === 4) {
    if (s.paperNearEnd) b |= 0x0c;
    if (s.paperEnd) b |= 0x60;
  }
  return b;
}
