// What the visits service needs from outside, and what it offers (DESIGN.md "Layout":
// services depend on ports, not on drivers). adapters/visits-ports.ts implements the
// journal side with the store; tests implement them in memory.
import type { VisitEvent } from './events.js';

/** The journal's visit events, oldest first. */
export interface VisitsJournal {
  eventsSince(sinceMs: number): Iterable<VisitEvent>;
}

/** Writes detected visits durably (one group-committed transaction per call). */
export interface VisitsRecorder {
  record(events: readonly VisitEvent[]): Promise<void>;
}

/**
 * The GNSS state as the driver publishes it (drivers/gnss/gnss-driver.ts GnssPublished),
 * narrowed to what detection reads; GnssPublished fits it as it is.
 */
export interface GnssReport {
  stale: boolean;
  mode: string;
  fix: { timeMs: number | null; lat: number | null; lon: number | null; speed: number | null } | null;
}

/** The visit the van is at: what other services stamp their records with. */
export interface CurrentVisit {
  visitId: string;
  stopId: string | null;
  name: string;
}

/** The port other services (requests, ...) hold: `current()` is null between stops. */
export interface CurrentVisitPort {
  current(): CurrentVisit | null;
}
