// Star Line Mode status: the ASB (Automatic Status Back) answer to `ESC ACK SOH`,
// decoded onto the same StatusBits as ESC/POS's DLE EOT so stateFromBits serves both.
// References: Star Micronics "STAR Line Mode Command Specifications" (ESC ACK SOH,
// ESC RS a; "Automatic Status": Header 1, Header 2, printer status 1-7) and "STAR
// Command Specifications" 5-1-3 (Automatic Status) and 5-1-4 (status over Ethernet
// and wireless LAN: Header 2 bit 7 set, then a 2-byte Length and that many bytes).
//
// An answer is: Header 1, Header 2, printer status 1..n-2 (n = the count in Header 1,
// both headers included), then, only when Header 2 bit 7 is set, a 2-byte Length
// (0x0000..0x0200) and Length bytes of further status data, which we skip. A TSP100
// or TSP650 idle and online answers `23 06 00 00 00 00 00 00 00` on USB or serial and
// `23 86 00 00 00 00 00 00 00 00 00` on its LAN interface (9 ASB bytes + Length 0).
import type { StatusBits } from './escpos.js';

/** `ESC ACK SOH`: send the automatic status now (real time: answered even while offline). */
export const STAR_STATUS_REQUEST = Buffer.from([0x1b, 0x06, 0x01]);

/** Status 1-5 (bytes 3-7) carry everything StatusBits needs; a shorter ASB cannot be read. */
export const STAR_MIN_LENGTH = 7;
/** The most further status data the spec allows after Header 2 bit 7 (5-1-4: Length <= 0x0200). */
export const STAR_MAX_EXTENSION = 0x200;

/** Header 1: bit 0 = 1, bits 4 and 7 = 0. Header 2: bits 0 and 4 = 0. Status bytes: bits 0, 4, 7 = 0. */
const isHeader1 = (b: number): boolean => (b & 0x91) === 0x01;
const isHeader2 = (b: number): boolean => (b & 0x11) === 0x00;
const isStatus = (b: number): boolean => (b & 0x91) === 0x00;

/** Total ASB bytes, both headers included: bits 1-3 and bits 5-6 of Header 1 (0x0F = 7, 0x21 = 8, 0x23 = 9). */
export function starLength(h1: number): number {
  return ((h1 & 0b0001110) >> 1) | ((h1 & 0b1100000) >> 2);
}

/** The inverse of starLength, for 7..31. */
export function starHeader1(length: number): number {
  return 0x01 | ((length & 0b111) << 1) | ((length & 0b11000) << 2);
}

/**
 * ASB version: bits 1-3 and 5-6 of Header 2 (0x02 = 1, 0x06 = 3, 0x20 = 8, 0x40 = 16,
 * 0x6E = 31, as the spec's table has it; older texts name bit 6 reserved, always 0 there).
 */
export function starVersion(h2: number): number {
  return ((h2 & 0b0001110) >> 1) | ((h2 & 0b1100000) >> 2);
}

/**
 * How many bytes the answer that starts with `got` has in all, as far as those bytes
 * tell (it grows as the headers and the Length arrive), or why they cannot be an ASB.
 * A reader collects bytes until it holds at least this many.
 */
export function starAnswerSize(got: ArrayLike<number>): number | string {
  if (got.length === 0) return 1;
  const h1 = got[0]!;
  if (!isHeader1(h1)) return `header 1 ${byte(h1)} lacks the fixed bits (bit 0 = 1, bits 4 and 7 = 0)`;
  const n = starLength(h1);
  if (n < STAR_MIN_LENGTH) return `header 1 ${byte(h1)} announces ${n} bytes; status 1-5 need ${STAR_MIN_LENGTH}`;
  if (got.length < 2) return n;
  const h2 = got[1]!;
  if (!isHeader2(h2)) return `header 2 ${byte(h2)} lacks the fixed bits (bits 0 and 4 = 0)`;
  if ((h2 & 0x80) === 0) return n;
  if (got.length < n + 2) return n + 2;
  // 5-1-4 does not say the Length's byte order; ESC ACK SOH's answer has Length 0 either way.
  // Low byte first, as an ASB reader tested against a real LAN printer reads it.
  const ext = got[n]! | (got[n + 1]! << 8);
  if (ext > STAR_MAX_EXTENSION) return `extension length ${ext} is over ${STAR_MAX_EXTENSION}`;
  return n + 2 + ext;
}

export type StarDecoded = { ok: true; bits: StatusBits; version: number; extension: number } | { ok: false; why: string };

/** Decodes one whole ASB answer (exactly starAnswerSize bytes). Never throws. */
export function decodeStarStatus(b: ArrayLike<number>): StarDecoded {
  const size = starAnswerSize(b);
  if (typeof size === 'string') return { ok: false, why: size };
  if (b.length < size || b.length < 2) return { ok: false, why: `short answer: ${b.length} of ${size} bytes` };
  if (b.length > size) return { ok: false, why: `${b.length - size} byte(s) after the ${size}-byte answer` };
  const n = starLength(b[0]!);
  for (let i = 2; i < n; i++) {
    if (!isStatus(b[i]!)) return { ok: false, why: `status byte ${i + 1} ${byte(b[i]!)} lacks the fixed bits (bits 0, 4 and 7 = 0)` };
  }
  const [s1, s2, s3, s4] = [b[2]!, b[3]!, b[4]!, b[5]!];
  // Status 5 (byte 7, bit 1 paper hold) and bytes 8+ (ETB counter, presenter ...) say nothing StatusBits holds.
  const paperEnd = (s4 & 0x08) !== 0; // status 4 bit 3: paper end
  return {
    ok: true,
    version: starVersion(b[1]!),
    extension: size - n,
    bits: {
      offline: (s1 & 0x48) !== 0, // status 1 bit 3: offline; bit 6: offline by switch input
      coverOpen: (s1 & 0x20) !== 0, // status 1 bit 5
      // Star has one paper-end bit; at paper end the printer stops and goes offline, so it stands for both.
      paperStop: paperEnd,
      // Status 2: bit 1 head thermistor, 2 mechanical, 3 auto-cutter, 5 unrecoverable, 6 head high temperature.
      // Status 3: bit 1 voltage, 2 paper jam (presenter), 3 black mark.
      error: (s2 & 0x6e) !== 0 || (s3 & 0x0e) !== 0,
      paperNearEnd: (s4 & 0x06) !== 0, // status 4 bit 1: near end (outer sensor); bit 2: near end (inner sensor)
      paperEnd,
    },
  };
}

/**
 * The ASB a printer in this state sends (for the simulator): version 3, 9 bytes
 * (status 1-7). With `lengthField` (a LAN interface, 5-1-4) Header 2 bit 7 is set and
 * Length 0x0000 follows. An error shows as an auto-cutter error, near end on the
 * outer sensor; offline also covers paper end and cover open, as on a real printer.
 */
export function encodeStarStatus(s: StatusBits, opts: { lengthField?: boolean } = {}): Buffer {
  const b = Buffer.alloc(9);
  b[0] = starHeader1(9); // 0x23
  b[1] = opts.lengthField ? 0x86 : 0x06; // version 3 (status up to byte 9), bit 7: Length follows
  if (s.offline) b[2]! |= 0x08;
  if (s.coverOpen) b[2]! |= 0x20;
  if (s.error) b[3]! |= 0x08;
  if (s.paperNearEnd) b[5]! |= 0x02;
  if (s.paperEnd || s.paperStop) b[5]! |= 0x08;
  return opts.lengthField ? Buffer.concat([b, Buffer.from([0x00, 0x00])]) : b;
}

const byte = (b: number): string => `0x${b.toString(16).padStart(2, '0')}`;
