// vim/cmd/visits/*: the day plan of stops (issue 6, "Visits"). Staff or maintenance set
// today's plan; it is journaled (class 'queue', DESIGN.md's "queue and visits") so a
// restart restores it, and it applies to the live service only in afterCommit, once it is
// durable, as queue.ts does with its events. `get-plan` answers the plan with each stop's
// status, the visit in progress and the last one. vim/state/visit is published from here,
// on every change of the service's state, like vim/state/queue.
import type { Static } from '@sinclair/typebox';
import type { Role } from '../../config/schema.js';
import type { VisitPlanSetEvent } from '../../services/visits/events.js';
import { istanbulDay, planErrors } from '../../services/visits/plan.js';
import type { VisitsService } from '../../services/visits/visits-service.js';
import { defineCommand, type CommandDefinition } from '../command.js';
import type { Publisher } from '../command-path.js';
import { ApiError } from '../errors.js';
import * as S from './visits-schemas.js';

const PLANNERS: readonly Role[] = ['staff', 'maintenance'];

const EXAMPLE_STOPS = [
  { id: 'cuma', neighbourhood: 'Cuma Mahallesi', name: 'İnegöl Belediyesi', lat: 40.078, lon: 29.513, radiusM: 80, window: { from: '09:00', to: '10:30' } },
  { id: 'koy-meydani', neighbourhood: 'Hamzabey', name: 'Köy meydanı', lat: 40.0378, lon: 29.5556, radiusM: 120, window: { from: '11:30', to: '13:30' } },
];

export function visitsCommands(events: Publisher, visits: VisitsService): CommandDefinition[] {
  visits.onChange((s) => {
    events.publish('vim/state/visit', JSON.stringify(s), { retain: true, qos: 1 }).catch(() => undefined);
  });

  // The plan rides from the handler to afterCommit by command id (the stored answer is the
  // reply alone); an entry whose transaction failed is swept after a minute (queue.ts does the same).
  const pending = new Map<string, VisitPlanSetEvent>();

  return [
    defineCommand({
      service: 'visits',
      action: 'set-plan',
      summary: "Set today's plan of stops (neighbourhood, place, centre, radius, window); journaled, restored after a restart",
      roles: PLANNERS,
      payload: S.VisitsSetPlan,
      result: S.VisitsSetPlanResult,
      examples: [{ id: '1a2b3c4d-0000-4000-8000-000000000101', stops: EXAMPLE_STOPS }],
      handle(ctx, args: Static<typeof S.VisitsSetPlan>, tx) {
        const now = Date.now();
        const day = istanbulDay(now);
        const errors = planErrors(args.stops, 'stops', day);
        if (errors.length > 0) throw new ApiError('INVALID_PAYLOAD', `${errors[0]!.path}: ${errors[0]!.message}`, { errors });
        const event: VisitPlanSetEvent = { type: 'visit.plan.set', day, stops: args.stops, by: ctx.client.username, at: new Date(now).toISOString() };
        const rec = tx.journal.append({ type: event.type, class: 'queue', payload: event, commandId: ctx.commandId, actor: ctx.client.username });
        if (pending.size > 100) for (const [k, v] of pending) if (now - Date.parse(v.at) > 60_000) pending.delete(k);
        pending.set(ctx.commandId, event);
        return { day, stops: args.stops.length, recordId: rec.id };
      },
      afterCommit(ctx) {
        const e = pending.get(ctx.commandId);
        pending.delete(ctx.commandId);
        if (e) visits.applyPlan(e);
      },
    }),
    defineCommand({
      service: 'visits',
      action: 'get-plan',
      summary: "Today's plan with each stop's status (planned, visited, in-progress, skipped), the visit in progress and the last one",
      roles: PLANNERS,
      payload: S.VisitsGetPlan,
      result: S.VisitsGetPlanResult,
      examples: [{ id: '1a2b3c4d-0000-4000-8000-000000000102' }],
      handle() {
        return visits.snapshot();
      },
    }),
  ];
}
