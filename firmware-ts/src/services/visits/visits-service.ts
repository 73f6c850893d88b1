// The visits part: feeds the GNSS reports to the detection core (detector.ts), journals
// what it detects, keeps today's plan and statuses (day-log.ts), and answers the
// `current()` port other services stamp their records with.
//
// Time. Detection runs on GNSS time, the truth a Pi without an RTC lacks until NTP or
// GNSS sets its clock (DESIGN.md "Store"): a fix is dated by its own time stamp, and a
// report without a fix (or the timer that catches a receiver gone quiet) by the last fix
// time plus the monotonic time since, so a wall-clock jump cannot start or end a visit.
// The day and the plan's windows follow the wall clock (`now`), like the queue's day.
//
// Durability. A detection changes the live day at once, so a request taken the same
// instant is stamped with the visit, and its records go to the store in order. The store
// commits in submission order, so a request stamped with a visit id commits with or after
// that visit's `visit.started`. A failed write is kept and retried on the next tick.
import type { Logger } from 'pino';
import { HealthTracker, type Health, type Part } from '../../lifecycle.js';
import { uuidv7 } from '../../platform/ids.js';
import { compile } from '../../schema/validator.js';
import { replayDay, VisitDay } from './day-log.js';
import { VisitDetector, type ActiveVisit, type Detection } from './detector.js';
import { activeVisit, detectionEvent, type VisitEvent, type VisitPlanSetEvent } from './events.js';
import { toDetectorConfig, VisitsOptionsSchema, type VisitsOptions } from './options.js';
import { istanbulDay, type Stop } from './plan.js';
import type { CurrentVisit, CurrentVisitPort, GnssReport, VisitsJournal, VisitsRecorder } from './ports.js';
import { visitState, type VisitState } from './state.js';

/** The `visits` options when the config has none (the schema's defaults). */
export const DEFAULT_VISITS_OPTIONS: VisitsOptions = (() => {
  const r = compile(VisitsOptionsSchema, { defaults: true }).check({});
  if (!r.ok) throw new Error('visits option defaults do not validate');
  return r.value;
})();

export interface VisitsServiceDeps {
  /** Where today's plan and visits come from at start; without it the day starts empty. */
  journal?: VisitsJournal;
  /** Where detected visits are written; without it they live in memory only (tests). */
  recorder?: VisitsRecorder;
  /** Wall clock (Unix ms): the day and the windows. */
  now?: () => number;
  /** Monotonic ms, to carry GNSS time on between fixes. */
  mono?: () => number;
  newId?: (atMs: number) => string;
  /** How often outages, skipped windows and failed writes are looked at (ms). */
  tickMs?: number;
  log?: Logger;
}

const DAY_MS = 86_400_000;

export class VisitsService implements Part, CurrentVisitPort {
  readonly name = 'visits';
  private readonly detector: VisitDetector;
  private readonly tracker = new HealthTracker('absent', 'not started');
  private readonly listeners = new Set<(s: VisitState) => void>();
  private readonly counters = { fixes: 0, noFix: 0, started: 0, ended: 0, written: 0, writeFailures: 0 };
  private readonly now: () => number;
  private readonly mono: () => number;
  private day: VisitDay;
  private timer: NodeJS.Timeout | null = null;
  private anchor: { gnssMs: number; mono: number } | null = null;
  private hasFix = false;
  private unsaved: VisitEvent[] = [];
  private writing: Promise<void> | null = null;
  private lastKey = '';
  private running = false;
  /**
   * A visit restored at start, resumed by the detector at the first fix: only then is the
   * restart known in GNSS time (the fix's time less the monotonic time since the restart).
   * The wall clock at start is no stand-in: a Pi without an RTC may start hours off, and a
   * restart measured against it would end every resumed visit as an outage.
   */
  private restored: { visit: ActiveVisit; mono: number } | null = null;

  constructor(
    readonly options: VisitsOptions = DEFAULT_VISITS_OPTIONS,
    private readonly deps: VisitsServiceDeps = {},
  ) {
    this.now = deps.now ?? Date.now;
    this.mono = deps.mono ?? (() => performance.now());
    this.detector = new VisitDetector(toDetectorConfig(options), deps.newId ?? uuidv7);
    this.day = new VisitDay(istanbulDay(this.now()), this.defaultPlan);
  }

  private get defaultPlan(): readonly Stop[] {
    return this.options.plan ?? [];
  }

  /**
   * Rebuilds today from the journal: the plan set today (else the configured one), the
   * stops visited, and a visit still in progress, which the detector resumes; the fixes
   * that follow decide whether the van is still there.
   */
  async start(): Promise<void> {
    const today = istanbulDay(this.now());
    let restored = 0;
    try {
      const events = [...(this.deps.journal?.eventsSince(this.now() - 2 * DAY_MS) ?? [])];
      restored = events.length;
      this.day = replayDay(today, events, this.defaultPlan);
      this.tracker.set('ok', this.detail());
    } catch (e) {
      // An unreadable journal must not keep the gateway from serving; the day starts from the config.
      this.day = new VisitDay(today, this.defaultPlan);
      this.tracker.set('degraded', `journal not read at start: ${(e as Error).message}`);
      this.deps.log?.error({ err: e }, 'visits not restored from the journal');
    }
    this.detector.setStops(this.day.stops);
    this.restored = this.day.current ? { visit: activeVisit(this.day.current), mono: this.mono() } : null;
    this.deps.log?.info({ day: today, events: restored, stops: this.day.stops.length, current: this.day.current?.visitId ?? null }, 'visits restored from the journal');
    this.running = true;
    this.timer = setInterval(() => this.tick(), this.deps.tickMs ?? 5000);
    this.timer.unref();
    this.publish(true);
    return Promise.resolve();
  }

  async stop(): Promise<void> {
    this.running = false;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.flush();
    this.tracker.set('absent', 'stopped');
  }

  health(): Health {
    const h = this.tracker.get();
    h.counters = { ...this.counters, unsaved: this.unsaved.length, stops: this.day.stops.length };
    return h;
  }

  /** The gnss.publish port: one GNSS report (at most about once a second). */
  observeGnss(r: GnssReport): void {
    if (!this.running || !this.options.enabled) return;
    const f = r.fix;
    const good = !r.stale && r.mode !== 'none' && f !== null && f.lat !== null && f.lon !== null;
    this.hasFix = good;
    if (good) this.counters.fixes++;
    else this.counters.noFix++;
    const at = this.gnssTime(good ? f.timeMs : null);
    this.rollDay();
    this.resumeRestored(at, good);
    this.handle(this.detector.observe(at, good ? { lat: f.lat!, lon: f.lon!, speedMps: f.speed } : null));
  }

  /** The visit the van is at now, or null (the port the requests service stamps records with). */
  current(): CurrentVisit | null {
    const c = this.day.current;
    return c && { visitId: c.visitId, stopId: c.stopId, name: c.name };
  }

  get today(): string {
    return this.day.day;
  }

  /** The plan in force, as set. */
  plan(): Stop[] {
    return this.day.stops.map((s) => ({ ...s }));
  }

  /** Applies a committed set-plan (from afterCommit only: the model never gets ahead of the journal). */
  applyPlan(e: VisitPlanSetEvent): void {
    this.rollDay();
    if (e.day !== this.day.day) return;
    this.day.apply(e);
    this.detector.setStops(this.day.stops);
    this.publish(false);
  }

  snapshot(): VisitState {
    return visitState(this.day, this.now(), { pending: this.detector.pending(), fix: this.hasFix });
  }

  /** Listeners hear every change of the state (and the restored state at start); returns an unsubscribe. */
  onChange(listener: (s: VisitState) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Resolves once every detected visit so far is written (or a write failed). */
  flush(): Promise<void> {
    this.writing ??= this.writeAll().finally(() => (this.writing = null));
    return this.writing;
  }

  private tick(): void {
    this.rollDay();
    if (this.options.enabled) {
      const at = this.gnssTime(null);
      this.resumeRestored(at, false);
      this.handle(this.detector.elapse(at));
    }
    if (this.unsaved.length > 0) this.flush().catch(() => undefined);
    this.publish(false); // a window may have closed (skipped)
  }

  /**
   * Hands the restored visit to the detector, with the restart dated in the time base of
   * `at`: at the first fix, or without one once the outage limit has passed since the
   * restart (then the detector ends it as an outage).
   */
  private resumeRestored(at: number, fix: boolean): void {
    const r = this.restored;
    if (!r) return;
    const since = this.mono() - r.mono;
    if (!fix && since <= this.detector.config.outageMs) return;
    this.restored = null;
    this.detector.resume(r.visit, at - since);
  }

  /** GNSS time: a fix's own time stamp, else the last one carried on by the monotonic clock. */
  private gnssTime(fixMs: number | null): number {
    const m = this.mono();
    if (fixMs !== null) {
      this.anchor = { gnssMs: fixMs, mono: m };
      return fixMs;
    }
    return this.anchor ? this.anchor.gnssMs + (m - this.anchor.mono) : this.now();
  }

  /** Past midnight (Istanbul) the new day starts from the configured plan; a visit in progress goes on. */
  private rollDay(): void {
    const today = istanbulDay(this.now());
    if (today === this.day.day) return;
    this.day = this.day.next(today, this.defaultPlan);
    this.detector.setStops(this.day.stops);
    this.deps.log?.info({ day: today, stops: this.day.stops.length }, 'a new day of visits');
  }

  private handle(detections: Detection[]): void {
    for (const d of detections) {
      const e = detectionEvent(d);
      this.day.apply(e);
      if (this.deps.recorder) this.unsaved.push(e);
      if (e.type === 'visit.started') this.counters.started++;
      else this.counters.ended++;
      this.deps.log?.info({ event: e.type, visitId: e.visitId, stopId: e.stopId, name: e.name, ...(e.type === 'visit.ended' ? { durationS: e.durationS, reason: e.reason } : {}) }, e.type === 'visit.started' ? 'visit started' : 'visit ended');
    }
    if (detections.length > 0) this.flush().catch(() => undefined);
    this.publish(false);
  }

  private async writeAll(): Promise<void> {
    const recorder = this.deps.recorder;
    while (recorder && this.unsaved.length > 0) {
      const batch = this.unsaved;
      this.unsaved = [];
      try {
        await recorder.record(batch);
        this.counters.written += batch.length;
        if (this.tracker.get().state === 'degraded') this.tracker.set('ok', this.detail());
      } catch (e) {
        // Kept, in order, ahead of anything detected meanwhile; the next tick tries again.
        this.unsaved = [...batch, ...this.unsaved];
        this.counters.writeFailures++;
        this.tracker.set('degraded', `${this.unsaved.length} visit records not written yet: ${(e as Error).message}`);
        this.deps.log?.error({ err: e, pending: this.unsaved.length }, 'visit records not written; retrying');
        return;
      }
    }
  }

  private detail(): string {
    const plan = this.day.source.source === 'none' ? 'no plan' : `${this.day.stops.length} stops (${this.day.source.source})`;
    return this.options.enabled ? `day ${this.day.day}: ${plan}` : `detection disabled (visits.enabled); day ${this.day.day}: ${plan}`;
  }

  private publish(force: boolean): void {
    const s = this.snapshot();
    const key = JSON.stringify({ ...s, at: null });
    if (!force && key === this.lastKey) return;
    this.lastKey = key;
    if (this.tracker.get().state === 'ok') this.tracker.set('ok', this.detail());
    for (const l of this.listeners) {
      try {
        l(s);
      } catch (e) {
        // One failing listener must not keep the others from hearing of the change.
        this.deps.log?.error({ err: e }, 'visits listener failed');
      }
    }
  }
}
