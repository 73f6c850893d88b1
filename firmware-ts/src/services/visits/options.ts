// The visits' configuration (`visits` once config/schema.ts composes it): how long a
// stop must last to count, how leaving is told from GNSS jitter, what an unplanned stop
// is, how long an outage a visit survives, and an optional default day plan. The schema
// checks shapes; `visitsConfigErrors` checks the plan's cross-field rules, reported by
// config/load.ts as path-prefixed config errors (exit 78), as the queue does.
import { Type, type Static } from '@sinclair/typebox';
import { Strict } from '../../schema/types.js';
import type { FieldError } from '../../schema/validator.js';
import type { DetectorConfig } from './detector.js';
import { istanbulDay, planErrors, StopsSchema } from './plan.js';

export const VisitsOptionsSchema = Strict(
  {
    enabled: Type.Boolean({ default: true, description: 'Detect visits from the GNSS fixes (needs devices.gnss)' }),
    dwellMinutes: Type.Number({
      exclusiveMinimum: 0,
      maximum: 120,
      default: 3,
      description: 'Minutes the van must stay at a stop (or stand still elsewhere) before it counts as a visit',
    }),
    leaveSeconds: Type.Number({
      minimum: 0,
      maximum: 3600,
      default: 60,
      description: 'Seconds beyond the stop\'s radius plus margin before a visit ends (GNSS jitter at the edge does not end it)',
    }),
    exitMarginPercent: Type.Number({ minimum: 0, maximum: 100, default: 10, description: 'The exit margin, as a share of the stop\'s radius ...' }),
    exitMarginMinM: Type.Number({ minimum: 0, maximum: 500, default: 25, description: '... and at least this many metres' }),
    unplanned: Type.Boolean({ default: true, description: 'Record stops outside the plan (the van standing still elsewhere)' }),
    stationarySpeedMps: Type.Number({ exclusiveMinimum: 0, maximum: 10, default: 1, description: 'Below this speed (m/s) the van counts as standing still' }),
    stationaryRadiusM: Type.Number({ minimum: 10, maximum: 500, default: 50, description: 'An unplanned stop: standing still within this many metres' }),
    outageMinutes: Type.Number({
      minimum: 0,
      maximum: 240,
      default: 10,
      description: 'A visit survives a GNSS outage this long; a longer one ends it at the last good fix',
    }),
    fixGapSeconds: Type.Number({
      exclusiveMinimum: 0,
      maximum: 600,
      default: 30,
      description: 'A dwell needs fixes at most this far apart; a longer gap starts it again',
    }),
    plan: Type.Optional(StopsSchema('The default day plan, used on a day no vim/cmd/visits/set-plan replaced it')),
  },
  { default: {}, description: 'Stop visits: detection from GNSS and the day plan' },
);

export type VisitsOptions = Static<typeof VisitsOptionsSchema>;

/** The plan's cross-field rules as config errors (`visits.plan[1].id: ...`); HH:MM windows are checked on today's date. */
export function visitsConfigErrors(o: VisitsOptions, now = Date.now()): FieldError[] {
  return planErrors(o.plan ?? [], 'visits.plan', istanbulDay(now));
}

export function toDetectorConfig(o: VisitsOptions): DetectorConfig {
  return {
    dwellMs: o.dwellMinutes * 60_000,
    leaveMs: o.leaveSeconds * 1000,
    exitMarginRatio: o.exitMarginPercent / 100,
    exitMarginMinM: o.exitMarginMinM,
    stationarySpeedMps: o.stationarySpeedMps,
    stationaryRadiusM: o.stationaryRadiusM,
    unplanned: o.unplanned,
    outageMs: o.outageMinutes * 60_000,
    fixGapMs: o.fixGapSeconds * 1000,
  };
}
