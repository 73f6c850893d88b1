// Byte-level NMEA 0183 framer: turns whatever the serial port delivers (chunks cut
// anywhere, binary noise, NULs, glued or truncated sentences) into checksum-verified
// sentences, and counts what it dropped, by reason.
//
// NMEA 0183 §5.3: a sentence is "$" (or "!" for encapsulation), an address field,
// data fields, "*hh" and CR LF, at most 82 characters in all, printable ASCII only.
// The checksum is optional in the standard for some sentences; we make it
// mandatory: on a noisy serial line an unchecked sentence is a guess (DESIGN.md
// "Bad input gets a clear error and changes nothing").
//
// Accounting: the input is cut into records. A record starts at "$"/"!" or at the
// first other non-line-end byte, and ends at CR, LF, the next "$"/"!" or end().
// Every record ends up exactly once in `counters`: accepted, or dropped for one
// reason. So accepted + dropped == records, which the fuzz test checks.
//
// No allocation per byte and none per sentence beyond the sentence string: the
// scan works on the chunk by index, and a sentence split across chunks waits in a
// fixed 82-byte carry buffer.

/** NMEA 0183 §5.3: the longest sentence, "$" through CR LF. */
export const NMEA_MAX_SENTENCE = 82;
/** "$" through the checksum, without CR LF. */
const MAX_BODY = NMEA_MAX_SENTENCE - 2;

export type NmeaDropReason = 'checksum' | 'no_checksum' | 'too_long' | 'truncated' | 'garbage';

export interface NmeaFramerCounters {
  /** Sentences handed out (checksum verified). */
  accepted: number;
  /** "*hh" present but wrong, or not two hex digits, or followed by junk. */
  checksum: number;
  /** Line ended without any "*hh" (NMEA 0183 allows it; we do not). */
  no_checksum: number;
  /** More than 82 characters before the line end (NMEA 0183 §5.3). */
  too_long: number;
  /** Cut short: a new "$" or the end of the stream came before "*hh" and the line end. */
  truncated: number;
  /** A run of bytes that was never a sentence, or a sentence with a non-printable byte. */
  garbage: number;
  /** Every input byte that is not part of an accepted sentence or a line end. */
  droppedBytes: number;
}

export function newFramerCounters(): NmeaFramerCounters {
  return { accepted: 0, checksum: 0, no_checksum: 0, too_long: 0, truncated: 0, garbage: 0, droppedBytes: 0 };
}

/** Records dropped, all reasons together. */
export function framerDropped(c: NmeaFramerCounters): number {
  return c.checksum + c.no_checksum + c.too_long + c.truncated + c.garbage;
}

const EMPTY = Buffer.alloc(0);
const CR = 0x0d;
const LF = 0x0a;
const DOLLAR = 0x24;
const BANG = 0x21;
const STAR = 0x2a;

// Scanner states. SKIP holds a verdict already reached (too long, binary byte,
// junk after the checksum) and only waits for the record to end.
const HUNT = 0; // between records
const NOISE = 1; // inside a record that did not start with "$"
const BODY = 2; // after "$", before "*"
const CK1 = 3; // after "*"
const CK2 = 4; // after the first checksum digit
const DONE = 5; // after "*hh": only the line end (or a glued "$") may follow
const SKIP = 6;

function hexValue(b: number): number {
  if (b >= 0x30 && b <= 0x39) return b - 0x30;
  if (b >= 0x41 && b <= 0x46) return b - 0x37;
  if (b >= 0x61 && b <= 0x66) return b - 0x57; // lower case: not standard, harmless
  return -1;
}

export class NmeaFramer {
  readonly counters: NmeaFramerCounters = newFramerCounters();
  private state = HUNT;
  private skipReason: NmeaDropReason = 'garbage';
  private sum = 0; // XOR of the bytes between "$" and "*" (NMEA 0183 §5.3.1)
  private given = 0; // the checksum the sentence carries
  private len = 0; // bytes of the current sentence so far, "$" included
  private readonly carry = Buffer.alloc(NMEA_MAX_SENTENCE);
  private carryLen = 0; // bytes of the current sentence held in `carry`
  private sink: ((sentence: string) => void) | null = null;
  private out: string[] | null = null;

  /** Feeds one chunk; returns the sentences it completed (one array per call). */
  feed(chunk: Buffer): string[] {
    const out: string[] = [];
    this.out = out;
    this.scan(chunk);
    this.out = null;
    return out;
  }

  /** Feeds one chunk and hands each completed sentence to `onSentence`: the allocation-free path. */
  feedTo(chunk: Buffer, onSentence: (sentence: string) => void): void {
    this.sink = onSentence;
    try {
      this.scan(chunk);
    } finally {
      this.sink = null;
    }
  }

  /**
   * End of stream (port closed, file ended): a partial record is dropped and counted, except a sentence
   * that lacks only its CR LF (a file's last line), which the checksum vouches for and which is returned.
   */
  end(): string[] {
    const out: string[] = [];
    this.out = out;
    switch (this.state) {
      case HUNT:
        break;
      case NOISE:
        this.drop('garbage');
        break;
      case SKIP:
        this.drop(this.skipReason);
        break;
      case DONE:
        this.finish(EMPTY, 0, 0);
        break;
      default:
        this.drop('truncated');
    }
    this.state = HUNT;
    this.out = null;
    return out;
  }

  private emit(s: string): void {
    this.counters.accepted++;
    if (this.sink !== null) this.sink(s);
    else if (this.out !== null) this.out.push(s);
  }

  private drop(reason: NmeaDropReason): void {
    this.counters[reason]++;
    this.counters.droppedBytes += this.len;
    this.len = 0;
    this.carryLen = 0;
  }

  private startSentence(): void {
    this.state = BODY;
    this.sum = 0;
    this.len = 1;
    this.carryLen = 0;
  }

  /** "*hh" read and the record ends here: deliver it or count a checksum error. */
  private finish(chunk: Buffer, start: number, end: number): void {
    if (this.given !== this.sum) {
      this.drop('checksum');
      return;
    }
    let s: string;
    if (this.carryLen === 0) {
      s = chunk.toString('latin1', start, end);
    } else {
      const n = chunk.copy(this.carry, this.carryLen, start, end);
      s = this.carry.toString('latin1', 0, this.carryLen + n);
    }
    this.len = 0;
    this.carryLen = 0;
    this.emit(s);
  }

  private scan(chunk: Buffer): void {
    const n = chunk.length;
    // Where the current sentence starts in this chunk (0 when it began in an earlier one).
    let start = 0;
    let i = 0;
    while (i < n) {
      const b = chunk[i]!;
      const isEnd = b === CR || b === LF;
      const isStart = b === DOLLAR || b === BANG;
      switch (this.state) {
        case HUNT:
          if (isStart) {
            this.startSentence();
            start = i;
          } else if (!isEnd) {
            this.state = NOISE;
            this.len = 1;
          }
          break;
        case NOISE:
        case SKIP:
          if (isEnd || isStart) {
            this.drop(this.state === NOISE ? 'garbage' : this.skipReason);
            if (isStart) {
              this.startSentence();
              start = i;
            } else {
              this.state = HUNT;
            }
          } else {
            this.len++;
          }
          break;
        case BODY: {
          // The hot path: XOR printable bytes up to "*" without leaving the loop.
          let sum = this.sum;
          let len = this.len;
          let j = i;
          let c = b;
          while (c >= 0x20 && c <= 0x7e && c !== STAR && c !== DOLLAR && c !== BANG && len < MAX_BODY) {
            sum ^= c;
            len++;
            if (++j === n) break;
            c = chunk[j]!;
          }
          this.sum = sum;
          this.len = len;
          if (j === n) {
            i = n;
            continue;
          }
          i = j;
          this.bodyByte(c);
          if (c === DOLLAR || c === BANG) start = i; // bodyByte started a new sentence here
          break;
        }
        case CK1:
        case CK2:
          if (isEnd || isStart) {
            // A line end inside "*hh" is a broken checksum; a new "$" means it was cut short.
            this.drop(isEnd ? 'checksum' : 'truncated');
            if (isStart) {
              this.startSentence();
              start = i;
            } else {
              this.state = HUNT;
            }
          } else if (++this.len > MAX_BODY) {
            this.skip('too_long');
          } else {
            const h = hexValue(b);
            if (h < 0) this.skip(b < 0x20 || b > 0x7e ? 'garbage' : 'checksum');
            else if (this.state === CK1) {
              this.given = h << 4;
              this.state = CK2;
            } else {
              this.given |= h;
              this.state = DONE;
            }
          }
          break;
        case DONE:
          if (isEnd) {
            this.finish(chunk, start, i);
            this.state = HUNT;
          } else if (isStart) {
            // Glued: "$GPRMC,...*hh$GPGGA,...", the "$" ends one sentence and starts the next.
            this.finish(chunk, start, i);
            this.startSentence();
            start = i;
          } else {
            this.len++;
            this.skip(b < 0x20 || b > 0x7e ? 'garbage' : 'checksum');
          }
          break;
      }
      i++;
    }
    // A sentence still open at the end of the chunk waits in the carry buffer.
    if (this.state >= BODY && this.state <= DONE) {
      this.carryLen += chunk.copy(this.carry, this.carryLen, this.carryLen === 0 ? start : 0, n);
    }
  }

  /** The byte that stopped the BODY fast loop: "*", a line end, a new "$", binary, or one too many. */
  private bodyByte(c: number): void {
    if (c === CR || c === LF) {
      this.drop('no_checksum');
      this.state = HUNT;
    } else if (c === DOLLAR || c === BANG) {
      this.drop('truncated');
      this.startSentence();
    } else if (c < 0x20 || c > 0x7e) {
      this.len++;
      this.skip('garbage');
    } else if (++this.len > MAX_BODY) {
      this.skip('too_long');
    } else {
      this.state = CK1; // c is "*"
    }
  }

  private skip(reason: NmeaDropReason): void {
    this.state = SKIP;
    this.skipReason = reason;
    this.carryLen = 0;
  }
}
