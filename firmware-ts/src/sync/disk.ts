// Measures the free disk under the journal and tells the outbox how much it may hold:
// what it holds now + the free disk + SQLite's free pages - the floor it never eats.
// When that falls below what the outbox holds (the disk filled from elsewhere: logs,
// photos), it evicts track points and then device events in a transaction of its own.
import { statfs } from 'node:fs/promises';
import type { Logger } from 'pino';
import type { Store } from '../store/store.js';

export type FreeBytes = (dir: string) => Promise<number>;

export const statfsFree: FreeBytes = async (dir) => {
  const s = await statfs(dir);
  return s.bavail * s.bsize;
};

export class DiskMonitor {
  private timer: NodeJS.Timeout | null = null;
  private busy = false;
  freeBytes: number | null = null;

  constructor(
    private readonly store: Store,
    private readonly dir: string,
    private readonly floorBytes: number,
    private readonly everyMs: number,
    private readonly log: Logger,
    private readonly free: FreeBytes = statfsFree,
  ) {}

  start(): Promise<void> {
    this.timer = setInterval(() => void this.check(), this.everyMs);
    this.timer.unref();
    return this.check();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  async check(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      const free = await this.free(this.dir);
      this.freeBytes = free;
      const outbox = this.store.outbox;
      const p = outbox.pressure;
      p.setCapacity(p.usedTotal() + free + outbox.freelistBytes() - this.floorBytes);
      if (p.usedTotal() > p.limit()) {
        const n = await this.store.transact(() => p.relieve());
        if (n > 0) this.log.warn({ evicted: n, limit: p.limit() }, 'disk pressure: evicted the oldest track points / device events');
      }
    } catch (e) {
      this.log.debug({ err: (e as Error).message }, 'disk check failed');
    } finally {
      this.busy = false;
    }
  }
}
