// The LED board's wire protocol, host side (the normative text is
// devices/display-sim/README.md; this file and the simulator's decoder are two
// independent readings of it, so a test against the simulator checks both).
//
//   frame  STX  A1 A2  CMD  payload...  ETX  BCC
//          02   '0'-'9' x2  'A'-'Z'  CP857 text bytes  03   XOR of A1..ETX
//   reply  ACK|NAK  A1 A2  CODE        (exactly 4 bytes)
//
// Text bytes are never below 0x20, so STX and ETX cannot occur inside a payload and
// no byte stuffing is needed; BCC is the one byte after ETX and may take any value.
import { encodeCp857 } from './cp857.js';

export const STX = 0x02;
export const ETX = 0x03;
export const ACK = 0x06;
export const NAK = 0x15;
export const MAX_PAYLOAD = 200;
export const TICKET_WIDTH = 6;
export const COUNTER_WIDTH = 3;
export const MAX_ROWS = 8;

export const CMD = { ping: 'P', clear: 'C', serving: 'N', scroll: 'S' } as const;
export type Command = (typeof CMD)[keyof typeof CMD];

/** Reply codes (the fourth reply byte). */
export const CODES = { '0': 'accepted', '1': 'checksum', '2': 'unknown command', '3': 'bad payload', '4': 'busy' } as const;
export type ReplyCode = keyof typeof CODES;

export class DisplayInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DisplayInputError';
  }
}

/** XOR of every byte: the block check character over A1..ETX. */
export function bcc(bytes: Uint8Array, from = 0, to = bytes.length): number {
  let x = 0;
  for (let i = from; i < to; i++) x ^= bytes[i]!;
  return x;
}

export function addressBytes(address: number): Buffer {
  if (!Number.isInteger(address) || address < 1 || address > 99) throw new DisplayInputError(`address ${address}: must be 1..99`);
  return Buffer.from(String(address).padStart(2, '0'), 'latin1');
}

export function buildFrame(address: number, cmd: Command, payload: Buffer = Buffer.alloc(0)): Buffer {
  if (payload.length > MAX_PAYLOAD) throw new DisplayInputError(`payload of ${payload.length} bytes: at most ${MAX_PAYLOAD}`);
  for (const b of payload) if (b < 0x20 || b === 0x7f) throw new DisplayInputError(`payload byte 0x${b.toString(16).padStart(2, '0')} is a control byte`);
  const body = Buffer.concat([addressBytes(address), Buffer.from(cmd, 'latin1'), payload, Buffer.from([ETX])]);
  return Buffer.concat([Buffer.from([STX]), body, Buffer.from([bcc(body)])]);
}

/** Turkish-aware upper-casing, as the board's capitals-only font needs: i -> İ, ı -> I. */
export function boardCase(text: string, upper: boolean): string {
  return upper ? text.toLocaleUpperCase('tr-TR') : text;
}

/** Text to CP857 bytes with a clear error naming the field. */
function text(field: string, value: string): Buffer {
  try {
    return encodeCp857(value);
  } catch (e) {
    throw new DisplayInputError(`${field}: ${(e as Error).message}`);
  }
}

/** The 10-byte payload of an N frame: row digit, ticket (6, left-aligned), counter (3, right-aligned). */
export function servingPayload(row: number, entry: { ticket: string; counter: string } | null, upper: boolean): Buffer {
  if (!Number.isInteger(row) || row < 1 || row > MAX_ROWS) throw new DisplayInputError(`row ${row}: must be 1..${MAX_ROWS}`);
  const ticket = entry ? boardCase(entry.ticket, upper) : '';
  const counter = entry ? boardCase(entry.counter, upper) : '';
  if (entry && !/^\S{1,6}$/u.test(ticket)) throw new DisplayInputError(`ticket ${JSON.stringify(entry.ticket)}: 1-${TICKET_WIDTH} characters, no spaces`);
  if (entry && !/^\S{1,3}$/u.test(counter)) throw new DisplayInputError(`counter ${JSON.stringify(entry.counter)}: 1-${COUNTER_WIDTH} characters, no spaces`);
  return Buffer.concat([
    Buffer.from(String(row), 'latin1'),
    text('ticket', ticket.padEnd(TICKET_WIDTH, ' ')),
    text('counter', counter.padStart(COUNTER_WIDTH, ' ')),
  ]);
}

export function scrollPayload(value: string, upper: boolean): Buffer {
  if ([...value].some((c) => c.charCodeAt(0) < 0x20 || c === '\u007f')) throw new DisplayInputError('scroll: control characters (newlines, tabs) cannot be shown');
  const bytes = text('scroll', boardCase(value, upper));
  if (bytes.length > MAX_PAYLOAD) throw new DisplayInputError(`scroll: ${bytes.length} bytes in CP857, at most ${MAX_PAYLOAD}`);
  return bytes;
}

export interface Reply {
  kind: 'ack' | 'nak';
  address: number;
  code: ReplyCode;
}

const CODES_BY_BYTE: Record<number, true> = { 0x30: true, 0x31: true, 0x32: true, 0x33: true, 0x34: true };
const isDigit = (b: number): boolean => b >= 0x30 && b <= 0x39;

/**
 * The host's reply decoder: finds 4-byte ACK/NAK replies in whatever the line
 * delivers (split, glued or buried in noise). A byte that cannot start a valid
 * reply is dropped and counted; the buffer never holds more than 3 bytes.
 */
export class ReplyDecoder {
  garbageBytes = 0;
  private pending: number[] = [];

  push(chunk: Uint8Array): Reply[] {
    const out: Reply[] = [];
    for (const b of chunk) {
      this.pending.push(b);
      this.drain(out);
    }
    return out;
  }

  reset(): void {
    this.garbageBytes += this.pending.length;
    this.pending = [];
  }

  private drain(out: Reply[]): void {
    for (;;) {
      const p = this.pending;
      // Hunt for ACK/NAK.
      while (p.length > 0 && p[0] !== ACK && p[0] !== NAK) {
        p.shift();
        this.garbageBytes++;
      }
      if (p.length === 0) return;
      // Reject as soon as a byte proves this start wrong, so a real reply right after is not lost.
      const bad = (p.length > 1 && !isDigit(p[1]!)) || (p.length > 2 && !isDigit(p[2]!)) || (p.length > 3 && !(p[3]! in CODES_BY_BYTE));
      const ackWithError = p.length > 3 && p[0] === ACK && p[3] !== 0x30;
      const nakAccepted = p.length > 3 && p[0] === NAK && p[3] === 0x30;
      const zeroAddress = p.length > 2 && p[1] === 0x30 && p[2] === 0x30;
      if (bad || ackWithError || nakAccepted || zeroAddress) {
        p.shift();
        this.garbageBytes++;
        continue;
      }
      if (p.length < 4) return;
      out.push({ kind: p[0] === ACK ? 'ack' : 'nak', address: (p[1]! - 0x30) * 10 + (p[2]! - 0x30), code: String.fromCharCode(p[3]!) as ReplyCode });
      this.pending = [];
      return;
    }
  }
}
