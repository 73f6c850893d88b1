// A byte-level guard in front of aedes: it follows MQTT frame boundaries and trips
// as soon as a fixed header announces a packet larger than any role may send, so a
// client cannot make the Pi buffer a huge payload before authorizePublish sees it.
// MQTT 3.1.1 §2.2.3: Remaining Length is 1-4 bytes, 7 bits each, high bit = more.

export class FrameGuard {
  private state: 'type' | 'length' | 'body' = 'type';
  private length = 0;
  private multiplier = 1;
  private lengthBytes = 0;
  private left = 0;

  constructor(private readonly maxRemainingLength: number) {}

  /** Feeds received bytes; false means the stream must be closed. */
  feed(buf: Buffer): boolean {
    let i = 0;
    while (i < buf.length) {
      switch (this.state) {
        case 'type':
          this.state = 'length';
          this.length = 0;
          this.multiplier = 1;
          this.lengthBytes = 0;
          i++;
          break;
        case 'length': {
          const b = buf[i++]!;
          this.length += (b & 0x7f) * this.multiplier;
          this.multiplier *= 128;
          this.lengthBytes++;
          if (this.length > this.maxRemainingLength) return false;
          if (b & 0x80) {
            if (this.lengthBytes >= 4) return false; // malformed: a fifth length byte
          } else if (this.length === 0) {
            this.state = 'type';
          } else {
            this.left = this.length;
            this.state = 'body';
          }
          break;
        }
        case 'body': {
          const take = Math.min(this.left, buf.length - i);
          this.left -= take;
          i += take;
          if (this.left === 0) this.state = 'type';
          break;
        }
      }
    }
    return true;
  }
}
