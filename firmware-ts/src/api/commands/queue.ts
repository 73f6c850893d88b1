// vim/cmd/queue/*: the citizen queue (issue 5). Kiosks take tickets; staff open and close
// counters, call the next citizen and finish with them.
//
// Every handler runs the QueueModel operation as a dry run on a copy (QueueService.dryRun)
// and journals the events it emits inside the store transaction; the live model takes the
// events only in afterCommit, once they are durable. A refused operation (QueueError, mapped
// to the ApiError with the same code and message) journals nothing and changes nothing, and a
// transaction that fails after the handler returned leaves the model where the journal is.
import { Type, type Static } from '@sinclair/typebox';
import type { QueueEvent } from '../../services/queue/events.js';
import { QueueError } from '../../services/queue/errors.js';
import type { OpResult, QueueModel } from '../../services/queue/queue-model.js';
import type { QueueService } from '../../services/queue/queue-service.js';
import type { Tx } from '../../store/store.js';
import { CommandPayload, defineCommand, type CommandContext } from '../command.js';
import type { Publisher } from '../command-path.js';
import { ApiError } from '../errors.js';
import type { EventDefinition } from '../event.js';

const ServiceLetter = Type.String({ minLength: 1, maxLength: 2, description: 'Service letter, e.g. "A"' });
const CounterNumber = Type.Integer({ minimum: 1, maximum: 99, description: 'Counter number' });
const TicketRef = Type.String({ minLength: 1, maxLength: 40, description: 'Ticket number ("A001", the newest with that number) or id ("2026-05-04/A001")' });

export const QueueTake = CommandPayload(
  {
    service: ServiceLetter,
    priority: Type.Optional(Type.String({ minLength: 1, maxLength: 32, description: 'Priority class (e.g. elderly, disabled); omitted for a normal ticket' })),
  },
  'Take a ticket for a service',
);
export const QueueCounter = CommandPayload({ counter: CounterNumber }, 'A counter');
export const QueueTicket = CommandPayload({ ticket: TicketRef }, 'A ticket');

export const QueueTakeResult = Type.Object({
  ticket: Type.String({ description: 'Ticket number to print, e.g. A001' }),
  ticketId: Type.String({ description: 'Ticket id (day/number)' }),
  service: Type.String(),
  ahead: Type.Integer({ minimum: 0, description: 'People waiting before this ticket' }),
  estimatedWaitMs: Type.Union([Type.Integer({ minimum: 0 }), Type.Null()], { description: 'Estimated wait; null when unknown' }),
});
export type QueueTakeResult = Static<typeof QueueTakeResult>;

export const QueueCounterResult = Type.Object({ counter: Type.Integer(), open: Type.Boolean() });
export const QueueCallResult = Type.Object({ ticket: Type.String({ description: 'Called ticket number' }), ticketId: Type.String(), counter: Type.Integer() });
export const QueueTicketResult = Type.Object({ ticket: Type.String(), ticketId: Type.String(), state: Type.String({ description: 'The ticket state now' }) });

export const QueueCalled = Type.Object(
  {
    ticket: Type.String({ description: 'Ticket number' }),
    counter: Type.Integer({ description: 'Counter the citizen goes to' }),
    at: Type.Integer({ description: 'Unix ms' }),
  },
  { additionalProperties: false, description: 'A ticket was called to a counter (QoS 0; vim/state/queue carries the durable picture)' },
);

export const queueEvents: readonly EventDefinition[] = [
  { topic: 'vim/event/queue/called', summary: 'A ticket was called to a counter', payload: QueueCalled, examples: [{ ticket: 'A001', counter: 2, at: 1777888000000 }] },
];

/** What afterCommit gets: the events to apply, and the answer. */
interface Done<R> {
  events: readonly QueueEvent[];
  reply: R;
}

export function queueCommands(events: Publisher, queue: QueueService) {
  function run<R extends OpResult>(ctx: CommandContext, tx: Tx, op: (m: QueueModel, now: number) => R): R {
    try {
      return queue.dryRun(
        (m) => op(m, Date.now()),
        (evs) => {
          for (const e of evs) tx.journal.append({ type: e.type, class: 'queue', payload: e, commandId: ctx.commandId, actor: ctx.client.username });
        },
      );
    } catch (e) {
      if (e instanceof QueueError && e.code !== 'INVALID_CONFIG') throw new ApiError(e.code, e.message, e.details);
      throw e;
    }
  }

  // The result the command path stores and replays is the reply alone; the events ride along
  // to afterCommit through this map, keyed by command id, and are removed there. An entry
  // whose transaction failed (no afterCommit) stays until a retry of that id replaces it.
  const pending = new Map<string, readonly QueueEvent[]>();

  function finish<R>(ctx: CommandContext, done: Done<R>): R {
    pending.set(ctx.commandId, done.events);
    return done.reply;
  }

  function afterCommit(ctx: CommandContext): void {
    const evs = pending.get(ctx.commandId) ?? [];
    pending.delete(ctx.commandId);
    if (evs.length === 0) return;
    queue.commit(evs);
    events.publish('vim/state/queue', JSON.stringify(queue.snapshot()), { retain: true, qos: 1 }).catch(() => undefined);
    for (const e of evs) {
      if (e.type === 'queue.ticket.called') {
        events.publish('vim/event/queue/called', JSON.stringify({ ticket: e.number, counter: e.counter, at: e.at }), { qos: 0 }).catch(() => undefined);
      }
    }
  }

  return [
    defineCommand({
      service: 'queue',
      action: 'take',
      summary: 'Take a ticket (kiosk or staff on behalf of a citizen)',
      roles: ['staff', 'kiosk'],
      payload: QueueTake,
      result: QueueTakeResult,
      examples: [
        { id: '1a2b3c4d-0000-4000-8000-000000000001', service: 'A' },
        { id: '1a2b3c4d-0000-4000-8000-000000000002', service: 'B', priority: 'elderly' },
      ],
      handle(ctx, args: Static<typeof QueueTake>, tx): QueueTakeResult {
        const r = run(ctx, tx, (m, now) => m.take(args.service, now, args.priority ?? null));
        return finish(ctx, {
          events: r.events,
          reply: { ticket: r.ticket.number, ticketId: r.ticket.id, service: r.ticket.service, ahead: r.ahead, estimatedWaitMs: r.estimatedWaitMs },
        });
      },
      afterCommit,
    }),
    defineCommand({
      service: 'queue',
      action: 'open-counter',
      summary: 'Open a counter (it can then call tickets)',
      roles: ['staff'],
      payload: QueueCounter,
      result: QueueCounterResult,
      examples: [{ id: '1a2b3c4d-0000-4000-8000-000000000003', counter: 1 }],
      handle(ctx, args: Static<typeof QueueCounter>, tx) {
        const r = run(ctx, tx, (m, now) => m.openCounter(args.counter, now));
        return finish(ctx, { events: r.events, reply: { counter: args.counter, open: true } });
      },
      afterCommit,
    }),
    defineCommand({
      service: 'queue',
      action: 'close-counter',
      summary: 'Close a counter (refused while it has a called or serving ticket)',
      roles: ['staff'],
      payload: QueueCounter,
      result: QueueCounterResult,
      examples: [{ id: '1a2b3c4d-0000-4000-8000-000000000004', counter: 1 }],
      handle(ctx, args: Static<typeof QueueCounter>, tx) {
        const r = run(ctx, tx, (m, now) => m.closeCounter(args.counter, now));
        return finish(ctx, { events: r.events, reply: { counter: args.counter, open: false } });
      },
      afterCommit,
    }),
    defineCommand({
      service: 'queue',
      action: 'call-next',
      summary: 'Call the next waiting ticket to a counter',
      roles: ['staff'],
      payload: QueueCounter,
      result: QueueCallResult,
      examples: [{ id: '1a2b3c4d-0000-4000-8000-000000000005', counter: 2 }],
      handle(ctx, args: Static<typeof QueueCounter>, tx) {
        const r = run(ctx, tx, (m, now) => m.callNext(args.counter, now));
        return finish(ctx, { events: r.events, reply: { ticket: r.ticket.number, ticketId: r.ticket.id, counter: args.counter } });
      },
      afterCommit,
    }),
    defineCommand({
      service: 'queue',
      action: 'start',
      summary: 'Start serving a called ticket (the citizen arrived at the counter)',
      roles: ['staff'],
      payload: QueueTicket,
      result: QueueTicketResult,
      examples: [{ id: '1a2b3c4d-0000-4000-8000-000000000006', ticket: 'A001' }],
      handle(ctx, args: Static<typeof QueueTicket>, tx) {
        const r = run(ctx, tx, (m, now) => m.start(args.ticket, now));
        const t = r.tickets[0]!;
        return finish(ctx, { events: r.events, reply: { ticket: t.number, ticketId: t.id, state: t.state } });
      },
      afterCommit,
    }),
    defineCommand({
      service: 'queue',
      action: 'complete',
      summary: 'Finish serving a ticket',
      roles: ['staff'],
      payload: QueueTicket,
      result: QueueTicketResult,
      examples: [{ id: '1a2b3c4d-0000-4000-8000-000000000007', ticket: 'A001' }],
      handle(ctx, args: Static<typeof QueueTicket>, tx) {
        const r = run(ctx, tx, (m, now) => m.complete(args.ticket, now));
        const t = r.tickets[0]!;
        return finish(ctx, { events: r.events, reply: { ticket: t.number, ticketId: t.id, state: t.state } });
      },
      afterCommit,
    }),
  ];
}
