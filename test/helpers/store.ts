// A real Store on a temp SQLite file, with a silent logger.
import { pino } from 'pino';
import type { Clock, ClockQuality } from '../../firmware-ts/src/platform/clock.js';
import { Store } from '../../firmware-ts/src/store/store.js';
import { tempDir } from './tmp.js';

export const silent = pino({ level: 'silent' });

export class FakeClock implements Clock {
  readonly bootId = 'test-boot';
  q: ClockQuality = 'unsynced';
  t = Date.parse('2026-11-28T09:00:00Z');
  now(): Date {
    return new Date(this.t);
  }
  monoMs(): number {
    return this.t - Date.parse('2026-11-28T00:00:00Z');
  }
  quality(): ClockQuality {
    return this.q;
  }
}

export async function openTestStore(dir = tempDir(), clock: Clock = new FakeClock()): Promise<Store> {
  const s = new Store({ dataDir: dir, file: 'journal.sqlite', vehicle: 'VIM-T1', maxBatch: 512, idempotencyDays: 30 }, clock, silent);
  await s.start();
  return s;
}
