// serial:// links through the real serialport binding (serialport 13). The port is
// opened with an exclusive lock (TIOCEXCL), so a second opener gets "Cannot lock
// port" and the Transport retries; a USB unplug surfaces as a close event whose
// error has `disconnected: true`.
import type { SerialPort } from 'serialport';
import { Link } from './link.js';
import type { SerialLine } from './uri.js';

export class SerialLink extends Link {
  private constructor(private readonly port: SerialPort) {
    super();
    port.on('data', (d: Buffer) => this.emit('data', d));
    port.on('close', (err?: Error & { disconnected?: boolean }) => this.closed(err?.disconnected === true, err));
    port.on('error', (err: Error) => this.closed(true, err));
  }

  static async open(path: string, baudRate: number, line: SerialLine): Promise<SerialLink> {
    // Loaded on the first serial open: a gateway whose devices are all on tcp://, file:// or
    // sim:// (the bench, a desk test) does not carry serialport's ~10 MB of RSS.
    const { SerialPort: Port } = await import('serialport');
    return new Promise((resolve, reject) => {
      const port = new Port({ path, baudRate, ...line, autoOpen: false, lock: true });
      port.open((err) => (err ? reject(err) : resolve(new SerialLink(port))));
    });
  }

  write(data: Buffer): Promise<void> {
    return new Promise((resolve, reject) => {
      this.port.write(data, (err) => {
        if (err) return reject(err);
        this.port.drain((e) => (e ? reject(e) : resolve()));
      });
    });
  }

  close(): Promise<void> {
    if (!this.port.isOpen) return Promise.resolve();
    return new Promise((resolve) => this.port.close(() => resolve()));
  }
}
