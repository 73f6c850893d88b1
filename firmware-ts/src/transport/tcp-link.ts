// tcp:// links (network printers on 9100, ZVT terminals on 20007). noDelay, because
// device protocols are small request/response exchanges; keepalive, so a peer that
// vanished without a FIN is noticed.
import { connect, type Socket } from 'node:net';
import { Link } from './link.js';

export class TcpLink extends Link {
  private constructor(private readonly sock: Socket) {
    super();
    sock.on('data', (d: Buffer) => this.emit('data', d));
    sock.on('close', () => this.closed(true));
    sock.on('error', (err) => this.closed(true, err));
  }

  static open(host: string, port: number, timeoutMs = 5000): Promise<TcpLink> {
    return new Promise((resolve, reject) => {
      const sock = connect({ host, port, noDelay: true, keepAlive: true, keepAliveInitialDelay: 10_000 });
      const timer = setTimeout(() => sock.destroy(new Error(`connect to ${host}:${port} timed out`)), timeoutMs);
      sock.once('connect', () => {
        clearTimeout(timer);
        sock.removeListener('error', reject);
        resolve(new TcpLink(sock));
      });
      sock.once('error', (e) => {
        clearTimeout(timer);
        reject(e);
      });
    });
  }

  write(data: Buffer): Promise<void> {
    return new Promise((resolve, reject) => this.sock.write(data, (err) => (err ? reject(err) : resolve())));
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      if (this.sock.destroyed) return resolve();
      this.sock.once('close', () => resolve());
      this.sock.end();
      setTimeout(() => this.sock.destroy(), 1000).unref();
    });
  }
}
