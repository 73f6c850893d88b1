// The board's side of the wire (README.md "Framing"): finds STX ... ETX BCC frames
// in the byte stream, byte for byte, independently of the driver's encoder. It
// never throws and never holds more than one maximal frame: any byte that breaks
// the framing drops the partial frame and the decoder hunts for the next STX.

export const STX = 0x02;
export const ETX = 0x03;
/** Address (2) + command (1) + payload (200). */
export const MAX_BODY = 203;

export type Decoded =
  | { kind: 'frame'; address: number; cmd: string; payload: Buffer }
  /** Well framed but BCC wrong; `address` is what the (untrusted) address field said, or null. */
  | { kind: 'bad-checksum'; address: number | null }
  /** Dropped without a reply: too long, a control byte inside, too short, bad address field. */
  | { kind: 'dropped'; reason: string };

const digit = (b: number | undefined): boolean => b !== undefined && b >= 0x30 && b <= 0x39;

export class FrameDecoder {
  /** Bytes outside any frame (line noise before an STX). */
  noiseBytes = 0;
  private state: 'hunt' | 'body' | 'bcc' = 'hunt';
  private body: number[] = [];

  push(chunk: Uint8Array): Decoded[] {
    const out: Decoded[] = [];
    for (const b of chunk) this.byte(b, out);
    return out;
  }

  private byte(b: number, out: Decoded[]): void {
    switch (this.state) {
      case 'hunt':
        if (b === STX) this.begin();
        else this.noiseBytes++;
        return;
      case 'body':
        if (b === STX) {
          out.push({ kind: 'dropped', reason: 'STX inside a frame (frame restarted)' });
          this.begin();
        } else if (b === ETX) {
          this.state = 'bcc';
        } else if (b < 0x20 || b === 0x7f) {
          out.push({ kind: 'dropped', reason: `control byte 0x${b.toString(16).padStart(2, '0')} inside a frame` });
          this.state = 'hunt';
        } else if (this.body.length >= MAX_BODY) {
          out.push({ kind: 'dropped', reason: `no ETX within ${MAX_BODY} bytes` });
          this.state = 'hunt';
        } else {
          this.body.push(b);
        }
        return;
      case 'bcc':
        this.state = 'hunt';
        out.push(this.finish(b));
        return;
    }
  }

  private begin(): void {
    this.state = 'body';
    this.body = [];
  }

  private finish(bcc: number): Decoded {
    const body = this.body;
    const address = digit(body[0]) && digit(body[1]) ? (body[0]! - 0x30) * 10 + (body[1]! - 0x30) : null;
    let x = ETX;
    for (const b of body) x ^= b;
    if (x !== bcc) return { kind: 'bad-checksum', address };
    if (body.length < 3) return { kind: 'dropped', reason: `frame of ${body.length} bytes between STX and ETX: needs address and command` };
    if (address === null) return { kind: 'dropped', reason: 'address field is not two ASCII digits' };
    return { kind: 'frame', address, cmd: String.fromCharCode(body[2]!), payload: Buffer.from(body.slice(3)) };
  }
}
