// serial:// links through the real serialport binding (serialport 13). The port is
// opened with an exclusive lock (TIOCEXCL), so a second opener gets "Cannot lock
// port" and the Transport retries; a USB unplug surfaces as a close event whose
// error has `disconnected: true`.
import { SerialPort } from 'serialport';
import { Link } from './link.js';
import type { SerialLine } from './uri.js';

export class SerialLink extends Link {
  private constructor(private readonly port: SerialPort) {
    super();
    port.on('data', (d: Buffer) => this.emit('data', d));
    port.on('close', (err?: Error & { disconnected?: boolean }) => this.closed(err?.disconnected === true, err));
    port.on('error', (err: Error) => this.closed(true, err));
  }

  static open(path: string, baudRate: number, line: SerialLine): Promise<SerialLink> {
    return new Promise((resolve, reject) => {
      const port = new SerialPort({ path, baudRate, ...line, autoOpen: false, lock: true });
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
