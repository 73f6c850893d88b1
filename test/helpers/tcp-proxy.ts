// A TCP proxy the test controls, between the gateway and the HQ broker: it can drop
// every connection now, drop them at random, refuse new ones (a dead link), delay every
// chunk (a cellular round trip) and stall some as a lost segment's retransmission would
// (`tc netem` needs sch_netem, which this machine's kernel lacks), and it counts the
// bytes that pass (bytes on the wire, MQTT framing included).
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { freePort } from './gateway-process.js';

export class TcpProxy {
  private server: Server | null = null;
  private readonly pairs = new Set<[Socket, Socket]>();
  private randomTimer: NodeJS.Timeout | null = null;
  refusing = false;
  /** Added to every chunk in each direction, in ms. */
  delayMs = 0;
  /** Share of chunks held back a retransmission timeout longer (later ones wait behind them, as TCP would). */
  lossRate = 0;
  retransmitMs = 400;
  bytesUp = 0;
  bytesDown = 0;
  drops = 0;
  connections = 0;

  private constructor(
    readonly port: number,
    private readonly targetPort: number,
  ) {}

  static async start(targetPort: number): Promise<TcpProxy> {
    const p = new TcpProxy(await freePort(), targetPort);
    await p.listen();
    return p;
  }

  get url(): string {
    return `mqtt://127.0.0.1:${this.port}`;
  }

  private listen(): Promise<void> {
    const server = createServer((client) => this.accept(client));
    this.server = server;
    return new Promise((res, rej) => {
      server.once('error', rej);
      server.listen(this.port, '127.0.0.1', () => res());
    });
  }

  private accept(client: Socket): void {
    if (this.refusing) {
      client.destroy();
      return;
    }
    this.connections++;
    const upstream = createConnection({ host: '127.0.0.1', port: this.targetPort });
    const pair: [Socket, Socket] = [client, upstream];
    this.pairs.add(pair);
    const close = () => {
      client.destroy();
      upstream.destroy();
      this.pairs.delete(pair);
    };
    const up = this.relay(upstream, client);
    const down = this.relay(client, upstream);
    client.on('data', (d: Buffer) => {
      this.bytesUp += d.length;
      up(d);
    });
    upstream.on('drain', () => client.resume());
    upstream.on('data', (d: Buffer) => {
      this.bytesDown += d.length;
      down(d);
    });
    client.on('drain', () => upstream.resume());
    client.on('error', close).on('close', close);
    upstream.on('error', close).on('close', close);
  }

  /** Forwards chunks to `to`, after the delay (and a stall now and then), strictly in order. */
  private relay(to: Socket, from: Socket): (d: Buffer) => void {
    const queue: { at: number; d: Buffer }[] = [];
    let timer: NodeJS.Timeout | null = null;
    let releaseAt = 0;
    const flush = () => {
      timer = null;
      while (queue.length > 0 && queue[0]!.at <= Date.now()) if (!to.destroyed) to.write(queue.shift()!.d);
      if (queue.length > 0) timer = setTimeout(flush, queue[0]!.at - Date.now());
    };
    return (d) => {
      if (this.delayMs === 0 && this.lossRate === 0 && queue.length === 0) {
        if (!to.write(d)) from.pause();
        return;
      }
      const stall = Math.random() < this.lossRate ? this.retransmitMs : 0;
      releaseAt = Math.max(Date.now() + this.delayMs + stall, releaseAt);
      queue.push({ at: releaseAt, d });
      timer ??= setTimeout(flush, releaseAt - Date.now());
    };
  }

  /** Cuts every open connection (both sides see a reset/close). */
  dropAll(): void {
    for (const [a, b] of [...this.pairs]) {
      this.drops++;
      a.resetAndDestroy();
      b.destroy();
    }
    this.pairs.clear();
  }

  /** Drops all connections at random moments, on average every `meanMs`. */
  dropRandomly(meanMs: number, random: () => number = Math.random): void {
    this.stopRandom();
    const next = () => {
      this.randomTimer = setTimeout(() => {
        this.dropAll();
        next();
      }, Math.max(20, -Math.log(1 - random()) * meanMs));
    };
    next();
  }

  stopRandom(): void {
    if (this.randomTimer) clearTimeout(this.randomTimer);
    this.randomTimer = null;
  }

  async close(): Promise<void> {
    this.stopRandom();
    this.dropAll();
    const s = this.server;
    this.server = null;
    if (s) await new Promise<void>((res) => s.close(() => res()));
  }
}
