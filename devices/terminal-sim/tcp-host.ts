// The simulated terminal on a real TCP port (ZVT default 20007, PA00P016 §2.2): each
// accepted socket becomes a SimPort; a new connection replaces the old one, as a
// real terminal serves one cash register at a time.
import { EventEmitter } from 'node:events';
import { createServer, type Server, type Socket } from 'node:net';
import type { SimPort, Simulator } from '../../firmware-ts/src/transport/sim-link.js';

class SocketSimPort extends EventEmitter implements SimPort {
  open = true;
  constructor(private readonly sock: Socket) {
    super();
    sock.setNoDelay(true);
    sock.on('data', (d: Buffer) => this.emit('data', d));
    sock.on('close', () => {
      this.open = false;
      this.emit('close');
    });
    sock.on('error', () => undefined);
  }
  write(data: Buffer | string): void {
    if (this.open) this.sock.write(typeof data === 'string' ? Buffer.from(data, 'latin1') : data);
  }
  unplug(): void {
    this.open = false;
    this.sock.destroy();
  }
}

export interface TcpHost {
  readonly port: number;
  stop(): Promise<void>;
}

export async function hostOnTcp(sim: Simulator, port = 20007, host = '127.0.0.1'): Promise<TcpHost> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((sock) => {
    sockets.add(sock);
    sock.on('close', () => sockets.delete(sock));
    sim.attach(new SocketSimPort(sock), { framing: 'tcp' });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const addr = server.address();
  return {
    port: typeof addr === 'object' && addr ? addr.port : port,
    stop: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
