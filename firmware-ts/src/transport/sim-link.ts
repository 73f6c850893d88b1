// sim:// links: an in-process simulator from devices/ on the far end of a pipe.
// Bytes cross asynchronously (setImmediate), as they would through a kernel, so
// drivers meet the same chunking and ordering as on a real port.
import { EventEmitter } from 'node:events';
import { Link } from './link.js';

/** The simulator's side of the pipe. */
export interface SimPort {
  write(data: Buffer | string): void;
  on(event: 'data', fn: (d: Buffer) => void): this;
  on(event: 'close', fn: () => void): this;
  /** Drops the connection from the device side: an unplug. */
  unplug(): void;
  readonly open: boolean;
}

export interface Simulator {
  /** Called for every open; throws (e.g. while "unplugged") to refuse it like a missing device. */
  attach(port: SimPort, params: Record<string, string>): void;
}

export class SimRegistry {
  private readonly sims = new Map<string, Simulator>();
  register(name: string, sim: Simulator): void {
    this.sims.set(name, sim);
  }
  get(name: string): Simulator | undefined {
    return this.sims.get(name);
  }
  names(): string[] {
    return [...this.sims.keys()];
  }
}

class SimEnd extends EventEmitter implements SimPort {
  open = true;
  constructor(private readonly link: SimLink) {
    super();
  }
  write(data: Buffer | string): void {
    if (!this.open) return;
    const buf = typeof data === 'string' ? Buffer.from(data, 'latin1') : Buffer.from(data);
    setImmediate(() => this.link.deliver(buf));
  }
  unplug(): void {
    if (!this.open) return;
    this.open = false;
    setImmediate(() => this.link.farClosed());
  }
}

export class SimLink extends Link {
  private readonly end = new SimEnd(this);

  static open(registry: SimRegistry, name: string, params: Record<string, string>): SimLink {
    const sim = registry.get(name);
    if (!sim) throw Object.assign(new Error(`no simulator named ${name} (have: ${registry.names().join(', ') || 'none'})`), { code: 'ENOENT' });
    const link = new SimLink();
    sim.attach(link.end, params);
    return link;
  }

  deliver(buf: Buffer): void {
    if (this.end.open) this.emit('data', buf);
  }

  farClosed(): void {
    this.end.emit('close');
    this.closed(true);
  }

  write(data: Buffer): Promise<void> {
    if (!this.end.open) return Promise.reject(new Error('simulator unplugged'));
    const copy = Buffer.from(data);
    setImmediate(() => this.end.emit('data', copy));
    return Promise.resolve();
  }

  close(): Promise<void> {
    if (this.end.open) {
      this.end.open = false;
      this.end.emit('close');
    }
    this.closed(false);
    return Promise.resolve();
  }
}
