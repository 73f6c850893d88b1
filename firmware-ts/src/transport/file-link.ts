// file:// links: a character device such as /dev/usb/lp0 (a USB printer). Writes
// go straight to the device; reading (for printers that answer DLE EOT over USB)
// is opt-in with ?read=1, since a plain file would only ever read EOF.
import { open, type FileHandle } from 'node:fs/promises';
import { Link } from './link.js';

export class FileLink extends Link {
  private reading = false;

  private constructor(private readonly fh: FileHandle) {
    super();
  }

  static async open(path: string, read: boolean): Promise<FileLink> {
    const fh = await open(path, read ? 'r+' : 'a');
    const link = new FileLink(fh);
    if (read) link.readLoop();
    return link;
  }

  private readLoop(): void {
    this.reading = true;
    const buf = Buffer.alloc(256);
    const next = (): void => {
      if (!this.reading) return;
      this.fh.read(buf, 0, buf.length, null).then(
        ({ bytesRead }) => {
          if (bytesRead > 0) this.emit('data', Buffer.from(buf.subarray(0, bytesRead)));
          // A device with nothing to say returns 0; poll gently instead of spinning.
          if (bytesRead === 0) setTimeout(next, 100);
          else next();
        },
        (err: Error) => this.closed(true, err),
      );
    };
    next();
  }

  async write(data: Buffer): Promise<void> {
    try {
      await this.fh.write(data);
    } catch (e) {
      this.closed(true, e as Error);
      throw e;
    }
  }

  async close(): Promise<void> {
    this.reading = false;
    await this.fh.close().catch(() => undefined);
    this.closed(false);
  }
}
