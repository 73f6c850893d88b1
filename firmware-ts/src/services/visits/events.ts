// The visits' journal vocabulary (class 'queue': DESIGN.md's outbox class "queue and
// visits"). Plain JSON, one record per fact, reaching HQ like every record. Replaying a
// day's events (day-log.ts) rebuilds the day's plan, statuses and the visit in progress.
import type { ActiveVisit, Detection, EndReason } from './detector.js';
import { round7 } from './geo.js';
import { istanbulDay, type Stop } from './plan.js';

interface VisitFacts {
  /** UUIDv7 (platform/ids.ts), from the visit's start time. */
  visitId: string;
  /** The Istanbul day the visit started on (YYYY-MM-DD). */
  day: string;
  /** The planned stop, or null for an unplanned stop. */
  stopId: string | null;
  name: string;
  neighbourhood: string | null;
  /** The stop's centre, or the centroid where the van stood. */
  lat: number;
  lon: number;
  radiusM: number;
  /** First fix of the dwell (ISO 8601; GNSS time when the receiver gave it). */
  startedAt: string;
}

export interface VisitStartedEvent extends VisitFacts {
  type: 'visit.started';
  /** When the dwell was complete and the visit known. */
  detectedAt: string;
}

export interface VisitEndedEvent extends VisitFacts {
  type: 'visit.ended';
  /** The last fix that saw the van at the stop. */
  endedAt: string;
  durationS: number;
  reason: EndReason;
}

export interface VisitPlanSetEvent {
  type: 'visit.plan.set';
  day: string;
  stops: Stop[];
  /** Who set it (username). */
  by: string;
  at: string;
}

export type VisitEvent = VisitStartedEvent | VisitEndedEvent | VisitPlanSetEvent;

export function isVisitEvent(e: { type?: unknown }): e is VisitEvent {
  return e.type === 'visit.started' || e.type === 'visit.ended' || e.type === 'visit.plan.set';
}

const iso = (ms: number) => new Date(ms).toISOString();

function facts(v: ActiveVisit): VisitFacts {
  return {
    visitId: v.visitId,
    day: istanbulDay(v.startedAt),
    stopId: v.stopId,
    name: v.name,
    neighbourhood: v.neighbourhood,
    lat: round7(v.lat),
    lon: round7(v.lon),
    radiusM: v.radiusM,
    startedAt: iso(v.startedAt),
  };
}

/** The journal record of a detection. */
export function detectionEvent(d: Detection): VisitStartedEvent | VisitEndedEvent {
  if (d.kind === 'started') return { type: 'visit.started', ...facts(d.visit), detectedAt: iso(d.visit.detectedAt) };
  const durationS = Math.max(0, Math.round((d.endedAt - d.visit.startedAt) / 1000));
  return { type: 'visit.ended', ...facts(d.visit), endedAt: iso(d.endedAt), durationS, reason: d.reason };
}

/** A visit restored from its started record, as the detector tracks it. */
export function activeVisit(e: VisitStartedEvent): ActiveVisit {
  const { visitId, stopId, name, neighbourhood, lat, lon, radiusM } = e;
  return { visitId, stopId, name, neighbourhood, lat, lon, radiusM, startedAt: Date.parse(e.startedAt), detectedAt: Date.parse(e.detectedAt) };
}
