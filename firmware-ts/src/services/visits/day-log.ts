// One day of visits as its events tell it: the plan in force, which stops were visited,
// the visit in progress and the last one finished. State changes only by applying events,
// live or replayed from the journal at start, so a restart rebuilds exactly what the
// running service had (the queue's event-sourcing pattern, services/queue/state.ts).
import type { VisitEndedEvent, VisitEvent, VisitStartedEvent } from './events.js';
import { istanbulDay, resolveWindow, type Stop } from './plan.js';

export type StopStatus = 'planned' | 'visited' | 'in-progress' | 'skipped';

export interface PlanSource {
  source: 'config' | 'command' | 'none';
  setAt: string | null;
  setBy: string | null;
}

export interface StopVisits {
  count: number;
  lastVisitId: string;
  lastEndedAt: string | null;
}

export class VisitDay {
  stops: Stop[] = [];
  source: PlanSource = { source: 'none', setAt: null, setBy: null };
  readonly visited = new Map<string, StopVisits>();
  current: VisitStartedEvent | null = null;
  last: VisitEndedEvent | null = null;
  planned = 0;
  unplanned = 0;

  constructor(
    readonly day: string,
    defaultPlan: readonly Stop[] = [],
  ) {
    if (defaultPlan.length > 0) {
      this.stops = defaultPlan.map((s) => ({ ...s }));
      this.source = { source: 'config', setAt: null, setBy: null };
    }
  }

  /**
   * Applies one event. A visit that started on an earlier day and ends today is still
   * ended here (the van stood at a stop across midnight); a plan of another day is not
   * this day's plan.
   */
  apply(e: VisitEvent): void {
    switch (e.type) {
      case 'visit.plan.set':
        if (e.day !== this.day) return;
        this.stops = e.stops.map((s) => ({ ...s }));
        this.source = { source: 'command', setAt: e.at, setBy: e.by };
        return;
      case 'visit.started':
        this.current = e;
        if (e.stopId === null) this.unplanned++;
        else this.planned++;
        if (e.stopId !== null) {
          const v = this.visited.get(e.stopId);
          this.visited.set(e.stopId, { count: (v?.count ?? 0) + 1, lastVisitId: e.visitId, lastEndedAt: v?.lastEndedAt ?? null });
        }
        return;
      case 'visit.ended':
        if (this.current?.visitId === e.visitId) this.current = null;
        this.last = e;
        if (e.stopId !== null) {
          const v = this.visited.get(e.stopId);
          if (v) v.lastEndedAt = e.endedAt;
        }
        return;
    }
  }

  /** A stop's status at `now`: in progress, visited, skipped (its window passed unvisited) or still planned. */
  status(stop: Stop, now: number): StopStatus {
    if (this.current?.stopId === stop.id) return 'in-progress';
    if (this.visited.has(stop.id)) return 'visited';
    const w = resolveWindow(stop, this.day);
    return w && now > w.toMs ? 'skipped' : 'planned';
  }

  /** The day that follows this one: the default plan again, the visit in progress carried over. */
  next(day: string, defaultPlan: readonly Stop[]): VisitDay {
    const d = new VisitDay(day, defaultPlan);
    d.current = this.current;
    return d;
  }
}

/**
 * Rebuilds `day` from the journal's events (oldest first): its plan, visits and statuses,
 * plus a visit still open from an earlier day. Events of other days only matter for that.
 */
export function replayDay(day: string, events: Iterable<VisitEvent>, defaultPlan: readonly Stop[]): VisitDay {
  const d = new VisitDay(day, defaultPlan);
  let open: VisitStartedEvent | null = null;
  for (const e of events) {
    if (e.type === 'visit.started') open = e;
    else if (e.type === 'visit.ended' && open?.visitId === e.visitId) open = null;
    const ofDay = e.type === 'visit.ended' ? istanbulDay(Date.parse(e.endedAt)) === day || e.day === day : e.day === day;
    if (ofDay) d.apply(e);
  }
  d.current = open;
  return d;
}
