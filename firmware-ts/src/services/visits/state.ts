// The retained `vim/state/visit` payload: the visit in progress, today's plan with each
// stop's status, and the last visit. The TypeBox schema is the one source: the type the
// service builds is derived from it (Static<>), and docs/asyncapi.yaml shows it (the
// direction api/state-schemas.ts asks producers' schemas to move in).
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { OneOf } from '../../schema/types.js';
import type { VisitDay } from './day-log.js';
import type { VisitEndedEvent, VisitStartedEvent } from './events.js';

const Nullable = <T extends TSchema>(t: T, description: string) => Type.Union([t, Type.Null()], { description });
const Iso = (description: string) => Type.String({ description: `${description} (ISO 8601)` });

const VisitProps = {
  visitId: Type.String({ description: 'Visit id (UUIDv7); records made during the visit carry it' }),
  stopId: Nullable(Type.String(), 'The planned stop; null for an unplanned stop'),
  name: Type.String({ description: 'Place name ("Plansız durak" for an unplanned stop)' }),
  neighbourhood: Nullable(Type.String(), 'Mahalle; null for an unplanned stop'),
  lat: Type.Number({ description: "The stop's centre, or where the van stood" }),
  lon: Type.Number(),
  startedAt: Iso('Arrival: the first fix of the dwell'),
};

const CurrentVisitSchema = Type.Object({ ...VisitProps, detectedAt: Iso('When the dwell was long enough to count') });
const LastVisitSchema = Type.Object({
  ...VisitProps,
  endedAt: Iso('The last fix at the stop'),
  durationS: Type.Integer({ minimum: 0 }),
  reason: OneOf(['left', 'gnss-outage'] as const, { description: 'left: drove away; gnss-outage: no fix for longer than visits.outageMinutes' }),
});

const PlanStopSchema = Type.Object({
  id: Type.String(),
  neighbourhood: Type.String(),
  name: Type.String(),
  lat: Type.Number(),
  lon: Type.Number(),
  radiusM: Type.Number(),
  window: Nullable(Type.Object({ from: Type.String(), to: Type.String() }), 'Planned window as set (HH:MM Istanbul time or ISO 8601)'),
  status: OneOf(['planned', 'visited', 'in-progress', 'skipped'] as const, {
    description: 'skipped: the window ended and the stop was not visited; a later visit still makes it visited',
  }),
  visits: Type.Integer({ minimum: 0, description: 'Visits to this stop today' }),
  lastVisitId: Nullable(Type.String(), 'The latest visit to this stop today'),
});

export const VisitStateSchema = Type.Object(
  {
    day: Type.String({ description: 'The Istanbul day of the plan (YYYY-MM-DD)' }),
    current: Nullable(CurrentVisitSchema, 'The visit in progress; null between stops'),
    pending: Nullable(
      Type.Object({ stopId: Nullable(Type.String(), 'null: an unplanned stop'), name: Type.String(), since: Iso('First fix of the dwell') }),
      'A stop the van is dwelling at that does not count yet (shorter than visits.dwellMinutes)',
    ),
    last: Nullable(LastVisitSchema, 'The last visit that ended'),
    plan: Type.Object({
      source: OneOf(['config', 'command', 'none'] as const, { description: 'config: visits.plan; command: vim/cmd/visits/set-plan; none: no plan today' }),
      setAt: Nullable(Type.String(), 'When set-plan set it (ISO 8601)'),
      setBy: Nullable(Type.String(), 'Who set it'),
      stops: Type.Array(PlanStopSchema),
    }),
    counts: Type.Object({ planned: Type.Integer({ minimum: 0, description: 'Visits to planned stops today' }), unplanned: Type.Integer({ minimum: 0 }) }),
    gnss: OneOf(['fix', 'no-fix'] as const, { description: 'Whether detection has a current fix (no visit starts without one)' }),
    at: Iso('Time of publishing'),
  },
  { description: "Stop visits: the visit in progress, today's plan with each stop's status, the last visit; on every change" },
);
export type VisitState = Static<typeof VisitStateSchema>;

function visitOf(e: VisitStartedEvent | VisitEndedEvent) {
  return { visitId: e.visitId, stopId: e.stopId, name: e.name, neighbourhood: e.neighbourhood, lat: e.lat, lon: e.lon, startedAt: e.startedAt };
}

export function visitState(d: VisitDay, now: number, extra: { pending: { stopId: string | null; name: string; since: number } | null; fix: boolean }): VisitState {
  const c = d.current;
  const l = d.last;
  return {
    day: d.day,
    current: c && { ...visitOf(c), detectedAt: c.detectedAt },
    pending: extra.pending && { ...extra.pending, since: new Date(extra.pending.since).toISOString() },
    last: l && { ...visitOf(l), endedAt: l.endedAt, durationS: l.durationS, reason: l.reason },
    plan: {
      ...d.source,
      stops: d.stops.map((s) => {
        const v = d.visited.get(s.id);
        return {
          id: s.id,
          neighbourhood: s.neighbourhood,
          name: s.name,
          lat: s.lat,
          lon: s.lon,
          radiusM: s.radiusM,
          window: s.window ? { from: s.window.from, to: s.window.to } : null,
          status: d.status(s, now),
          visits: v?.count ?? 0,
          lastVisitId: v?.lastVisitId ?? null,
        };
      }),
    },
    counts: { planned: d.planned, unplanned: d.unplanned },
    gnss: extra.fix ? 'fix' : 'no-fix',
    at: new Date(now).toISOString(),
  };
}
