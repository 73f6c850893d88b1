// Record timestamps carry the clock's quality (DESIGN.md "Store"): a Pi has no
// RTC, so until NTP or GNSS has set the clock, wall time may be years off.
import { existsSync, readFileSync } from 'node:fs';

export type ClockQuality = 'ntp' | 'gnss' | 'unsynced';

export interface Clock {
  now(): Date;
  /** CLOCK_MONOTONIC in ms (libuv's hrtime), meaningful together with bootId. */
  monoMs(): number;
  quality(): ClockQuality;
  readonly bootId: string;
  /** The GNSS driver found the system clock within tolerance of GNSS time. */
  markGnssSynced?(): void;
}

/** How long a GNSS check vouches for the clock: a Pi's oscillator drifts seconds per day, not minutes. */
const GNSS_TRUST_MS = 6 * 3600_000;

/** systemd-timesyncd touches this file once the clock is NTP-synchronized. */
const TIMESYNC_FLAG = '/run/systemd/timesync/synchronized';

export function readBootId(): string {
  try {
    return readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
  } catch {
    return 'unknown-boot';
  }
}

export class SystemClock implements Clock {
  readonly bootId = readBootId();
  private gnssSetAt: number | null = null;
  constructor(private readonly ntpFlag = TIMESYNC_FLAG) {}
  now(): Date {
    return new Date();
  }
  monoMs(): number {
    return Number(process.hrtime.bigint() / 1000n) / 1000;
  }
  /** The GNSS driver calls this when the system clock agrees with GNSS time. */
  markGnssSynced(): void {
    this.gnssSetAt = this.monoMs();
  }
  private ntpCache = { at: -Infinity, synced: false };
  quality(): ClockQuality {
    // One stat per second at most: this runs for every record written.
    const t = this.monoMs();
    if (t - this.ntpCache.at > 1000) this.ntpCache = { at: t, synced: existsSync(this.ntpFlag) };
    if (this.ntpCache.synced) return 'ntp';
    return this.gnssSetAt !== null && t - this.gnssSetAt < GNSS_TRUST_MS ? 'gnss' : 'unsynced';
  }
}
