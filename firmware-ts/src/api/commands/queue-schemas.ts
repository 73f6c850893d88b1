// Payload, result and event schemas of vim/cmd/queue/* (next to their handlers in queue.ts;
// docs/asyncapi.yaml is generated from them).
import { Type, type Static } from '@sinclair/typebox';
import { CommandPayload } from '../command.js';
import type { EventDefinition } from '../event.js';

const ServiceLetter = Type.String({ minLength: 1, maxLength: 2, description: 'Service letter, e.g. "A"' });
const CounterNumber = Type.Integer({ minimum: 1, maximum: 99, description: 'Counter number' });
const TicketRef = Type.String({ minLength: 1, maxLength: 40, description: 'Ticket number ("A001", the newest with that number) or id ("2026-05-04/A001")' });
const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T, description: string) => Type.Union([t, Type.Null()], { description });

export const QueueTake = CommandPayload(
  {
    service: ServiceLetter,
    priority: Type.Optional(Type.String({ minLength: 1, maxLength: 32, description: 'Priority class (e.g. elderly, disabled); omitted for a normal ticket' })),
  },
  'Take a ticket for a service',
);
export const QueueCounter = CommandPayload({ counter: CounterNumber }, 'A counter');
export const QueueServiceRef = CommandPayload({ service: ServiceLetter }, 'A service');
export const QueueTicket = CommandPayload({ ticket: TicketRef }, 'A ticket');
export const QueueTransfer = CommandPayload({ ticket: TicketRef, service: ServiceLetter }, 'A ticket and the service it moves to');
export const QueueStatsQuery = CommandPayload(
  { day: Type.Optional(Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$', description: 'Service day YYYY-MM-DD; default today' })) },
  'The day to report',
);

export const PrinterReport = Nullable(
  Type.Object({
    printer: Type.String(),
    ready: Type.Boolean({ description: 'false: the ticket waits in the printer queue (paper out, cover open, unplugged) and prints when it can' }),
    state: Type.String({ description: 'ready, paper-out, cover-open, disconnected, ...' }),
    pendingJobs: Type.Integer({ minimum: 0 }),
  }),
  'The ticket printer as the ticket was queued; null without a ticket printer',
);

export const QueueTakeResult = Type.Object({
  ticket: Type.String({ description: 'Ticket number to print, e.g. A001' }),
  ticketId: Type.String({ description: 'Ticket id (day/number)' }),
  service: Type.String(),
  ahead: Type.Integer({ minimum: 0, description: 'People waiting before this ticket' }),
  estimatedWaitMs: Nullable(Type.Integer({ minimum: 0 }), 'Estimated wait; null when no open counter serves the service'),
  printer: PrinterReport,
});
export type QueueTakeResult = Static<typeof QueueTakeResult>;

export const QueueCounterResult = Type.Object({ counter: Type.Integer(), open: Type.Boolean() });
export const QueueServiceResult = Type.Object({ service: Type.String(), open: Type.Boolean() });
export const QueueCallResult = Type.Object({ ticket: Type.String({ description: 'Called ticket number' }), ticketId: Type.String(), counter: Type.Integer() });
export const QueueTicketResult = Type.Object({ ticket: Type.String(), ticketId: Type.String(), state: Type.String({ description: 'The ticket state now' }) });
export const QueueTransferResult = Type.Object({
  from: Type.String({ description: 'The closed ticket number' }),
  ticket: Type.String({ description: 'The new ticket number in the target service' }),
  ticketId: Type.String(),
  service: Type.String(),
  printer: PrinterReport,
});
export const QueueReprintResult = Type.Object({ ticket: Type.String(), ticketId: Type.String(), printer: PrinterReport });

const Durations = Type.Object({ count: Type.Integer(), avgMs: Nullable(Type.Integer(), 'Mean'), maxMs: Nullable(Type.Integer(), 'Longest') });
const PerHour = Type.Record(Type.String(), Type.Integer(), { description: 'Served per hour, "09" -> n, Istanbul time' });
const ServiceStats = Type.Object({
  taken: Type.Integer(),
  served: Type.Integer(),
  noShows: Type.Integer(),
  cancelled: Type.Integer(),
  transferred: Type.Integer({ description: 'Moved out; the new ticket counts as taken in the target service' }),
  open: Type.Integer({ description: 'Still waiting, called or being served' }),
  wait: Durations,
  service: Durations,
  servedPerHour: PerHour,
});
const CounterStats = Type.Object({
  called: Type.Integer(),
  served: Type.Integer(),
  noShows: Type.Integer(),
  transferred: Type.Integer(),
  cancelled: Type.Integer(),
  wait: Durations,
  service: Durations,
  servedPerHour: PerHour,
});
export const QueueStatsResult = Type.Object({
  day: Type.String(),
  ...ServiceStats.properties,
  byService: Type.Record(Type.String(), ServiceStats),
  byCounter: Type.Record(Type.String(), CounterStats),
});

export const QueueCalled = Type.Object(
  {
    ticket: Type.String({ description: 'Ticket number' }),
    counter: Type.Integer({ description: 'Counter the citizen goes to' }),
    recall: Type.Boolean({ description: 'true when the number is announced again' }),
    at: Type.Integer({ description: 'Unix ms' }),
  },
  { additionalProperties: false, description: 'A ticket was called to a counter (QoS 0; vim/state/queue carries the durable picture)' },
);

export const queueEvents: readonly EventDefinition[] = [
  { topic: 'vim/event/queue/called', summary: 'A ticket was called (or recalled) to a counter', payload: QueueCalled, examples: [{ ticket: 'A001', counter: 2, recall: false, at: 1777888000000 }] },
];
