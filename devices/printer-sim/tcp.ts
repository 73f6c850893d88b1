// The printer simulator on a real TCP port (a network printer's raw port 9100).
// Each connection is one SimPort. unplug() drops the connections and stops
// listening (the printer is off the network); replug() listens again on the same port.
import { EventEmitter } from 'node:events';
import { createServer, type Server, type Socket } from 'node:net';
import type { SimPort } from '../../firmware-ts/src/transport/sim-link.js';
import type { PrinterSim } from './printer-sim.js';

class SocketPort extends EventEmitter implements SimPort {
  constructor(private readonly sock: Socket) {
    super();
    sock.on('data', (d: Buffer) => this.emit('data', d));
    sock.on('close', () => this.emit('close'));
    sock.on('error', () => undefined);
  }
  get open(): boolean {
    return !this.sock.destroyed;
  }
  write(data: Buffer | string): void {
    if (!this.sock.destroyed) this.sock.write(typeof data === 'string' ? Buffer.from(data, 'latin1') : data);
  }
  unplug(): void {
    this.sock.destroy();
  }
}

export interface TcpHost {
  readonly port: number;
  /** Off the network: connections drop, new ones are refused. */
  unplug(): Promise<void>;
  /** Back on the network, on the same port. */
  replug(): Promise<void>;
  stop(): Promise<void>;
}

export async function hostOnTcp(sim: PrinterSim, port = 9100, host = '127.0.0.1'): Promise<TcpHost> {
  let server: Server | null = null;
  const sockets = new Set<Socket>();
  let bound = port;
  const listen = (p: number): Promise<void> =>
    new Promise((resolve, reject) => {
      const s = createServer((sock) => {
        sockets.add(sock);
        sock.on('close', () => sockets.delete(sock));
        try {
          sim.attach(new SocketPort(sock), {});
        } catch {
          sock.destroy();
        }
      });
      s.once('error', reject);
      s.listen(p, host, () => {
        const a = s.address();
        bound = typeof a === 'object' && a ? a.port : p;
        server = s;
        resolve();
      });
    });
  const close = async (): Promise<void> => {
    const s = server;
    server = null;
    for (const sock of sockets) sock.destroy();
    if (s) await new Promise<void>((r) => s.close(() => r()));
  };
  await listen(port);
  return {
    get port() {
      return bound;
    },
    unplug: close,
    replug: () => (server ? Promise.resolve() : listen(bound)),
    stop: close,
  };
}
