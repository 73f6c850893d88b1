// Payload and result schemas of vim/cmd/visits/* (next to their handlers in visits.ts;
// docs/asyncapi.yaml is generated from them). A stop is the one StopSchema the config's
// `visits.plan` uses too (services/visits/plan.ts).
import { Type } from '@sinclair/typebox';
import { StopsSchema } from '../../services/visits/plan.js';
import { VisitStateSchema } from '../../services/visits/state.js';
import { CommandPayload } from '../command.js';

export const VisitsSetPlan = CommandPayload(
  { stops: StopsSchema("Today's stops in the planned order; replaces the plan in force (an empty list clears it)") },
  "Set today's plan of stops",
);

export const VisitsSetPlanResult = Type.Object({
  day: Type.String({ description: 'The Istanbul day the plan is for (YYYY-MM-DD): today' }),
  stops: Type.Integer({ minimum: 0, description: 'Stops in the plan' }),
  recordId: Type.String({ description: 'Journal record id of the plan' }),
});

export const VisitsGetPlan = CommandPayload({}, "Today's plan and visits");

export const VisitsGetPlanResult = VisitStateSchema;
