// Time correction (issue 8 "Time"): a Pi has no RTC, so records made before NTP or
// GNSS set the clock carry clock "unsynced", their boot id and CLOCK_MONOTONIC. When
// the clock becomes good, this journals one `clock.synced` record with the boot id,
// the monotonic time and the wall time of the same instant. HQ (scripts/hq-collector.ts)
// then corrects every unsynced record of that boot:
//   correctedAt = wallTime + (record.monoMs - monoMs)
// CLOCK_MONOTONIC does not jump when the wall clock is stepped, so the correction holds
// for records made before the step.
import type { Logger } from 'pino';
import type { Clock } from '../platform/clock.js';
import type { Store } from '../store/store.js';

export const CLOCK_SYNCED_TYPE = 'clock.synced';

export interface ClockSyncedPayload {
  bootId: string;
  monoMs: number;
  wallTime: string;
  source: 'ntp' | 'gnss';
}

export class ClockWatch {
  private timer: NodeJS.Timeout | null = null;
  private done = false;
  private writing = false;
  /** The record written, once the clock became good in this process. */
  synced: ClockSyncedPayload | null = null;

  constructor(
    private readonly clock: Clock,
    private readonly store: Store,
    private readonly log: Logger,
    private readonly everyMs = 1000,
  ) {}

  start(): void {
    this.tick();
    this.timer = setInterval(() => this.tick(), this.everyMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  private tick(): void {
    if (this.done || this.writing) return;
    const q = this.clock.quality();
    if (q === 'unsynced') return;
    // Both readings at the same instant: they define this boot's offset.
    const payload: ClockSyncedPayload = { bootId: this.clock.bootId, monoMs: this.clock.monoMs(), wallTime: this.clock.now().toISOString(), source: q };
    this.writing = true;
    this.store.transact((tx) => tx.journal.append({ type: CLOCK_SYNCED_TYPE, class: 'events', payload })).then(
      () => {
        this.writing = false;
        this.done = true;
        this.synced = payload;
        this.stop();
        this.log.info(payload, 'clock is good: journaled the offset for correcting unsynced records');
      },
      (e: unknown) => {
        this.writing = false;
        this.log.warn({ err: (e as Error).message }, 'clock.synced not journaled yet; retrying');
      },
    );
  }
}
