// The GNSS receiver driver: transport bytes -> NMEA framer -> sentence parser ->
// epoch state. It publishes the state (at most once per publishIntervalMs), offers
// track points to the journal by distance/time thinning, measures the offset between
// GNSS time and the system clock, and tells the clock when the two agree, so records
// can say `gnss` instead of `unsynced` (a Pi has no RTC).
import type { Logger } from 'pino';
import { HealthTracker, type Health, type Part } from '../../lifecycle.js';
import type { Transport } from '../../transport/transport.js';
import { monoMs } from '../../platform/mono.js';
import { GnssState, type GnssFix, type GnssSnapshot } from './gnss-state.js';
import { NmeaFramer } from './nmea-framer.js';
import { NmeaParser } from './nmea-sentences.js';
import { DEFAULT_THINNING, TrackThinner, type ThinningOptions } from './track-thinning.js';

export interface GnssDriverOptions {
  staleAfterMs: number;
  publishIntervalMs: number;
  thinning?: ThinningOptions;
  /** |GNSS time - system clock| below this counts as "the clock agrees with GNSS". */
  clockToleranceMs?: number;
}

export interface GnssPublished extends GnssSnapshot {
  clockOffsetMs: number | null;
  at: string;
}

/** What the driver needs from the rest of the gateway (ports, not concrete parts). */
export interface GnssPorts {
  publish(state: GnssPublished): void;
  trackPoint(fix: GnssFix): void;
  clockAgrees(offsetMs: number): void;
}

/** A receiver sends its epoch as a burst; this much silence means the burst is over. */
const QUIET_MS = 150;

export class GnssDriver implements Part {
  readonly name = 'gnss';
  private readonly framer = new NmeaFramer();
  private readonly parser = new NmeaParser();
  private readonly state: GnssState;
  private readonly thinner: TrackThinner;
  private readonly tracker = new HealthTracker();
  private readonly counters = { fixes: 0, trackPoints: 0, published: 0 };
  private publishTimer: NodeJS.Timeout | null = null;
  private quietTimer: NodeJS.Timeout | null = null;
  private burstStartedAt: number | null = null;
  private clockOffsetMs: number | null = null;
  private lastPublishedKey = '';
  private readonly onData = (chunk: Buffer) => this.receive(chunk);

  constructor(
    private readonly transport: Transport,
    private readonly opts: GnssDriverOptions,
    private readonly ports: GnssPorts,
    private readonly log: Logger,
  ) {
    this.state = new GnssState({ staleAfterMs: opts.staleAfterMs });
    this.thinner = new TrackThinner(opts.thinning ?? DEFAULT_THINNING);
  }

  async start(): Promise<void> {
    this.transport.on('data', this.onData);
    this.publishTimer = setInterval(() => this.publishNow(false), this.opts.publishIntervalMs);
    this.publishTimer.unref();
    await this.transport.start();
    this.publishNow(true);
  }

  async stop(): Promise<void> {
    if (this.publishTimer) clearInterval(this.publishTimer);
    if (this.quietTimer) clearTimeout(this.quietTimer);
    this.publishTimer = this.quietTimer = null;
    this.transport.off('data', this.onData);
    await this.transport.stop();
  }

  /**
   * The state; with the receiver disconnected there is no current fix, however young the last one.
   * Fix ages (staleness) run on the monotonic clock: a wall clock stepped back would keep a dead
   * receiver's last fix "fresh" for as long as the step (platform/mono.ts).
   */
  snapshot(now = monoMs()): GnssPublished {
    const s = this.state.snapshot(now);
    const current = this.transport.connected ? s : { ...s, stale: true, mode: 'none' as const, fix: null };
    return { ...current, clockOffsetMs: this.clockOffsetMs, at: new Date().toISOString() };
  }

  /** The current position for stamping records, or null when there is no fresh fix. */
  position(now = monoMs()): GnssFix | null {
    const s = this.snapshot(now);
    return s.stale || s.mode === 'none' ? null : s.fix;
  }

  health(): Health {
    const t = this.transport.health();
    const s = this.snapshot();
    if (t.state !== 'ok') this.tracker.set(t.state === 'absent' ? 'absent' : 'failed', `receiver not connected: ${t.detail}`);
    else if (s.stale || s.mode === 'none') this.tracker.set('degraded', s.last ? `no current fix (last ${Math.round((s.lastFixAgeMs ?? 0) / 1000)} s ago)` : 'no fix yet');
    else this.tracker.set('ok', `${s.mode} fix`); // satellites live in vim/state/gnss; detail changes mean state changes
    const h = this.tracker.get();
    h.counters = { ...this.counters, ...prefixed('framer', this.framer.counters), ...prefixed('parser', this.parser.counters), ...prefixed('transport', t.counters ?? {}) };
    return h;
  }

  private receive(chunk: Buffer): void {
    const now = monoMs();
    // Wall time on purpose: the offset below compares the system clock with GNSS time.
    this.burstStartedAt ??= Date.now();
    this.framer.feedTo(chunk, (sentence) => {
      const s = this.parser.parse(sentence);
      if (!s) return;
      const fix = this.state.apply(s, now);
      if (fix) this.onFix(fix);
    });
    // NMEA has no end-of-epoch marker: close the epoch when the line goes quiet after the burst.
    if (this.quietTimer) clearTimeout(this.quietTimer);
    this.quietTimer = setTimeout(() => this.onQuiet(), QUIET_MS);
    this.quietTimer.unref();
  }

  private onQuiet(): void {
    this.quietTimer = null;
    const fix = this.state.flush();
    if (fix) this.onFix(fix);
    this.burstStartedAt = null;
  }

  private onFix(fix: GnssFix): void {
    this.counters.fixes++;
    if (fix.mode !== 'none' && fix.timeMs !== null) {
      // The receiver starts an epoch's burst within ~100 ms of its time of fix; that is the offset's resolution.
      const receivedAt = this.burstStartedAt ?? Date.now();
      this.clockOffsetMs = fix.timeMs - receivedAt;
      if (Math.abs(this.clockOffsetMs) <= (this.opts.clockToleranceMs ?? 1000)) this.ports.clockAgrees(this.clockOffsetMs);
    }
    if (this.thinner.offer(fix)) {
      this.counters.trackPoints++;
      this.ports.trackPoint(fix);
    }
    this.burstStartedAt = null;
  }

  /** Publishes at most once per interval, and only when something a reader sees changed. */
  private publishNow(force: boolean): void {
    const snap = this.snapshot();
    const key = JSON.stringify([snap.stale, snap.mode, snap.fix?.time, snap.satellites]);
    if (!force && key === this.lastPublishedKey) return;
    this.lastPublishedKey = key;
    this.counters.published++;
    try {
      this.ports.publish(snap);
    } catch (e) {
      this.log.warn({ err: e }, 'gnss state not published');
    }
  }
}

function prefixed(prefix: string, o: object): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(o)) if (typeof v === 'number') out[`${prefix}.${k}`] = v;
  return out;
}
