// Visit detection, the pure core: no timers, no clock, no I/O. It is fed observations
// (a GNSS fix and its time, or "no fix" at a time) and answers with what happened, so
// scripted tracks test it exactly (test/unit/visit-detector.test.ts).
//
// - Planned stop: the van inside a stop's radius for `dwellMs` starts a visit, dated from
//   the first fix inside (the dwell is part of the visit). It ends when the van has been
//   beyond radius + margin for `leaveMs`, dated at the last fix still inside: a margin and a
//   time, so GNSS jitter at the edge cannot flap the visit (the hysteresis of a thermostat).
//   The dwell also keeps its stop while the van stays within radius + margin.
// - Unplanned stop: outside every planned stop (and its margin), the van slow (< the
//   stationary speed) within `stationaryRadiusM` of where it stopped for `dwellMs` starts a
//   visit at the centroid of those fixes; it ends when the van moves beyond that radius +
//   margin for `leaveMs`.
// - No fix or a stale one never starts anything, and a dwell needs fixes no further apart
//   than `fixGapMs`. A visit is kept through an outage up to `outageMs`; a longer one ends
//   it at the last fix that saw the van at the stop.
//
// Fix times must increase; a fix not later than the previous one is ignored (a repeat).
import { Centroid, haversineM, type LatLon } from './geo.js';

export interface DetectorConfig {
  dwellMs: number;
  leaveMs: number;
  /** The exit margin: the larger of radius x ratio and the minimum, in metres. */
  exitMarginRatio: number;
  exitMarginMinM: number;
  stationarySpeedMps: number;
  stationaryRadiusM: number;
  /** Record unplanned stops at all. */
  unplanned: boolean;
  outageMs: number;
  fixGapMs: number;
}

export interface Fix extends LatLon {
  /** m/s over ground; null when the receiver did not say (then only distance counts). */
  speedMps: number | null;
}

/** What the detector needs of a planned stop. */
export interface StopPlace extends LatLon {
  id: string;
  name: string;
  neighbourhood: string;
  radiusM: number;
}

export interface ActiveVisit {
  visitId: string;
  /** null for an unplanned stop. */
  stopId: string | null;
  name: string;
  neighbourhood: string | null;
  /** The stop's centre, or the centroid of an unplanned stop. */
  lat: number;
  lon: number;
  radiusM: number;
  /** The first fix of the dwell (Unix ms). */
  startedAt: number;
  /** When the dwell was complete and the visit known. */
  detectedAt: number;
}

export type EndReason = 'left' | 'gnss-outage';

export type Detection = { kind: 'started'; visit: ActiveVisit } | { kind: 'ended'; visit: ActiveVisit; endedAt: number; reason: EndReason };

interface Tracked {
  visit: ActiveVisit;
  /** The last fix that saw the van at the stop (within radius + margin). */
  lastInsideAt: number;
  lastFixAt: number;
  /** First fix of the current run beyond radius + margin. */
  outsideSince: number | null;
  /** Unplanned: the centroid, refined by the fixes at the stop. */
  centroid: Centroid | null;
}

type Candidate =
  | { kind: 'planned'; stop: StopPlace; since: number; lastFixAt: number }
  | { kind: 'unplanned'; centroid: Centroid; since: number; lastFixAt: number };

export const UNPLANNED_NAME = 'Plansız durak';

export class VisitDetector {
  private stops: readonly StopPlace[] = [];
  private tracked: Tracked | null = null;
  private candidate: Candidate | null = null;
  private lastFixAt = -Infinity;

  constructor(
    readonly config: DetectorConfig,
    private readonly newId: (atMs: number) => string,
  ) {}

  /** Replaces the planned stops. A visit in progress keeps its own place, so a new plan never cuts it. */
  setStops(stops: readonly StopPlace[]): void {
    this.stops = stops;
    if (this.candidate?.kind === 'planned') {
      const id = this.candidate.stop.id;
      const same = stops.find((s) => s.id === id);
      // A moved or dropped stop restarts its dwell: the old one measured another circle.
      if (!same || same.lat !== this.candidate.stop.lat || same.lon !== this.candidate.stop.lon || same.radiusM !== this.candidate.stop.radiusM) this.candidate = null;
    }
  }

  /**
   * Resumes a visit that was in progress when the gateway stopped (restored from the journal).
   * The van is taken to be there as of `at`, the restart, only as far as the outage rule goes:
   * the visit is known to have lasted until `knownUntil`; fixes decide the rest.
   */
  resume(visit: ActiveVisit, at: number, knownUntil = visit.detectedAt): void {
    this.tracked = { visit, lastInsideAt: knownUntil, lastFixAt: at, outsideSince: null, centroid: null };
    this.candidate = null;
  }

  current(): ActiveVisit | null {
    return this.tracked?.visit ?? null;
  }

  /** The dwell under way, if any: the stop (or null: unplanned) and since when. */
  pending(): { stopId: string | null; name: string; since: number } | null {
    const c = this.candidate;
    if (!c) return null;
    return c.kind === 'planned' ? { stopId: c.stop.id, name: c.stop.name, since: c.since } : { stopId: null, name: UNPLANNED_NAME, since: c.since };
  }

  /** One observation: a fix, or null when the receiver has no current fix at `at`. */
  observe(at: number, fix: Fix | null): Detection[] {
    return fix === null ? this.elapse(at) : this.fix(at, fix);
  }

  /**
   * Time passes without a fix (a no-fix report or the caller's timer): ends a visit whose
   * outage went on too long, and drops a dwell that lost its fixes.
   */
  elapse(at: number): Detection[] {
    if (this.candidate && at - this.candidate.lastFixAt > this.config.fixGapMs) this.candidate = null;
    const t = this.tracked;
    if (t && at - t.lastFixAt > this.config.outageMs) return [this.end(t, 'gnss-outage')];
    return [];
  }

  private fix(at: number, f: Fix): Detection[] {
    if (!(at > this.lastFixAt)) return [];
    this.lastFixAt = at;
    const out: Detection[] = [];
    const t = this.tracked;
    if (t) {
      if (at - t.lastFixAt > this.config.outageMs) {
        out.push(this.end(t, 'gnss-outage'));
      } else {
        t.lastFixAt = at;
        if (haversineM(t.visit, f) <= this.exitRadius(t.visit.radiusM)) {
          t.lastInsideAt = at;
          t.outsideSince = null;
          if (t.centroid && haversineM(t.centroid, f) <= this.config.stationaryRadiusM) t.centroid.add(f);
          return out;
        }
        t.outsideSince ??= at;
        if (at - t.outsideSince < this.config.leaveMs) return out;
        out.push(this.end(t, 'left'));
      }
    }
    const started = this.dwell(at, f);
    if (started) out.push(started);
    return out;
  }

  /** No visit in progress: carries the dwell on, or starts one, and starts the visit once it is long enough. */
  private dwell(at: number, f: Fix): Detection | null {
    const cfg = this.config;
    let c = this.candidate;
    if (c && at - c.lastFixAt > cfg.fixGapMs) c = null; // a dwell is seen, not assumed across a gap
    const inside = this.stopAt(f);
    if (c?.kind === 'planned') {
      if (haversineM(c.stop, f) > this.exitRadius(c.stop.radiusM)) c = null;
    } else if (c?.kind === 'unplanned') {
      // Stopping near a planned stop's centre after all: the planned stop wins.
      if (inside || !this.slow(f) || haversineM(c.centroid, f) > cfg.stationaryRadiusM) c = null;
      else c.centroid.add(f);
    }
    if (!c) {
      if (inside) c = { kind: 'planned', stop: inside, since: at, lastFixAt: at };
      else if (cfg.unplanned && this.slow(f) && !this.nearAnyStop(f)) c = { kind: 'unplanned', centroid: new Centroid(f), since: at, lastFixAt: at };
    }
    this.candidate = c;
    if (!c) return null;
    c.lastFixAt = at;
    if (at - c.since < cfg.dwellMs) return null;
    this.candidate = null;
    const visit: ActiveVisit =
      c.kind === 'planned'
        ? { visitId: this.newId(c.since), stopId: c.stop.id, name: c.stop.name, neighbourhood: c.stop.neighbourhood, lat: c.stop.lat, lon: c.stop.lon, radiusM: c.stop.radiusM, startedAt: c.since, detectedAt: at }
        : { visitId: this.newId(c.since), stopId: null, name: UNPLANNED_NAME, neighbourhood: null, lat: c.centroid.lat, lon: c.centroid.lon, radiusM: cfg.stationaryRadiusM, startedAt: c.since, detectedAt: at };
    this.tracked = { visit, lastInsideAt: at, lastFixAt: at, outsideSince: null, centroid: c.kind === 'unplanned' ? c.centroid : null };
    return { kind: 'started', visit: { ...visit } };
  }

  private end(t: Tracked, reason: EndReason): Detection {
    this.tracked = null;
    const visit = t.centroid ? { ...t.visit, lat: t.centroid.lat, lon: t.centroid.lon } : { ...t.visit };
    return { kind: 'ended', visit, endedAt: Math.max(t.lastInsideAt, visit.startedAt), reason };
  }

  /** The nearest planned stop whose radius holds the fix. */
  private stopAt(f: LatLon): StopPlace | null {
    let best: StopPlace | null = null;
    let bestD = Infinity;
    for (const s of this.stops) {
      const d = haversineM(s, f);
      if (d <= s.radiusM && d < bestD) {
        best = s;
        bestD = d;
      }
    }
    return best;
  }

  private nearAnyStop(f: LatLon): boolean {
    return this.stops.some((s) => haversineM(s, f) <= this.exitRadius(s.radiusM));
  }

  private slow(f: Fix): boolean {
    return f.speedMps === null || f.speedMps < this.config.stationarySpeedMps;
  }

  exitRadius(radiusM: number): number {
    return radiusM + Math.max(radiusM * this.config.exitMarginRatio, this.config.exitMarginMinM);
  }
}
