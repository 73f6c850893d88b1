// Status information (04 0F) as a CardTransaction (PA00P015 §3.1.1), and the
// terminal's other data blocks the driver reads: completion after status enquiry
// (§2.56), intermediate status (§3.7), abort (§3.3), print line (§3.5).
import { bcdDigits, bcdNumber, findTlv, maskedPan, parseBmps, parseTlv, zvtText } from './bmp.js';
import type { CardTransaction } from './payment-terminal.js';
import { resultText } from './texts.js';

function hhmmss(b: Buffer | undefined): string | null {
  const d = b && b.length === 3 ? bcdDigits(b) : null;
  return d ? `${d.slice(0, 2)}:${d.slice(2, 4)}:${d.slice(4, 6)}` : null;
}

function mmdd(b: Buffer | undefined): string | null {
  const d = b && b.length === 2 ? bcdDigits(b) : null;
  return d ? `${d.slice(0, 2)}-${d.slice(2, 4)}` : null;
}

export function decodeTransaction(data: Buffer): CardTransaction {
  const { fields: f, error } = parseBmps(data);
  const code = f.get(0x27)?.[0] ?? null;
  const tlv = f.has(0x06) ? parseTlv(f.get(0x06)!).objects : [];
  // Long trace numbers: BMP 0B is 000000 and TLV 1F2B carries it (§3.1.1).
  const longTrace = findTlv(tlv, 0x1f2b);
  const trace = bcdNumber(f.get(0x0b));
  const aid = zvtText(f.get(0x3b));
  const tx: CardTransaction = {
    resultCode: code,
    resultText: code === null ? null : resultText(code),
    amountKurus: bcdNumber(f.get(0x04)),
    currency: bcdNumber(f.get(0x49)),
    trace: trace === 0 && longTrace ? bcdNumber(longTrace.value) : trace,
    originalTrace: bcdNumber(f.get(0x37)),
    receiptNo: bcdNumber(f.get(0x87)),
    turnoverNo: bcdNumber(f.get(0x88)),
    cardType: f.get(0x8a)?.[0] ?? null,
    cardName: zvtText(f.get(0x8b)),
    maskedPan: maskedPan(f.get(0x22)),
    terminalId: f.has(0x29) ? bcdDigits(f.get(0x29)!) : null,
    time: hhmmss(f.get(0x0c)),
    date: mmdd(f.get(0x0d)),
    authCode: aid,
    additionalText: zvtText(f.get(0x3c)),
  };
  if (error) tx.parseNote = error;
  return tx;
}

/** The data block of a completion after status enquiry: [<sw-version LLLVAR>] <terminal-status> [06 TLV] (§2.56.5). */
export function decodeStatusCompletion(data: Buffer): { softwareVersion: string | null; status: number | null; terminalId: string | null } {
  let off = 0;
  let softwareVersion: string | null = null;
  if (data.length >= 3 && (data[0]! & 0xf0) === 0xf0 && (data[1]! & 0xf0) === 0xf0 && (data[2]! & 0xf0) === 0xf0) {
    const n = (data[0]! & 0x0f) * 100 + (data[1]! & 0x0f) * 10 + (data[2]! & 0x0f);
    if (3 + n <= data.length) {
      softwareVersion = zvtText(data.subarray(3, 3 + n));
      off = 3 + n;
    }
  }
  const status = off < data.length ? data[off]! : null;
  const rest = off + 1 < data.length ? parseBmps(data, off + 1).fields : new Map<number, Buffer>();
  return { softwareVersion, status, terminalId: rest.has(0x29) ? bcdDigits(rest.get(0x29)!) : null };
}

/** 04 FF: <intermediate-status> [<timeout, minutes BCD>] [06 TLV] (§3.7). */
export function decodeIntermediate(data: Buffer): { code: number; timeoutMin: number | null } | null {
  if (data.length < 1) return null;
  const t = data.length >= 2 ? bcdNumber(data.subarray(1, 2)) : null;
  return { code: data[0]!, timeoutMin: t };
}

/** 06 1E: <result-code> [<CC>] [06 TLV] (§3.3). */
export function decodeAbort(data: Buffer): number {
  return data.length > 0 ? data[0]! : 0xff;
}

/** 06 D1: <attribute> <text> (§3.5). */
export function decodePrintLine(data: Buffer): string {
  return data.length > 1 ? data.subarray(1).toString('latin1').replace(/\0+$/, '') : '';
}
