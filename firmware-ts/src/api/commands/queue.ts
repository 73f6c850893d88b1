// vim/cmd/queue/*: the citizen queue (issue 5). Kiosks take tickets; staff open and close
// counters and services, call, recall, serve, transfer and cancel; `stats` reports a day.
//
// Every state-changing handler runs the QueueModel operation as a dry run on a copy
// (QueueService.dryRun, chained on every operation still in flight) and journals the events
// it emits inside the store transaction; the live model takes the events only in
// afterCommit, once they are durable. A refused
// operation (QueueError, mapped to the ApiError with the same code and message) journals
// nothing and changes nothing, and a transaction that fails after the handler returned
// leaves the model where the journal is.
import type { Static, TObject, TSchema } from '@sinclair/typebox';
import { isQueueEvent, type QueueEvent } from '../../services/queue/events.js';
import { QueueError } from '../../services/queue/errors.js';
import type { TicketPrinterStatus } from '../../services/queue/ports.js';
import type { OpResult, QueueModel } from '../../services/queue/queue-model.js';
import type { QueueService } from '../../services/queue/queue-service.js';
import { computeStats, eventsOfDay } from '../../services/queue/stats.js';
import type { Role } from '../../config/schema.js';
import type { Tx } from '../../store/store.js';
import { defineCommand, type CommandContext, type CommandDefinition } from '../command.js';
import type { Publisher } from '../command-path.js';
import { ApiError } from '../errors.js';
import * as S from './queue-schemas.js';

export { queueEvents, QueueTakeResult } from './queue-schemas.js';

/** The ticket devices as the commands see them (services/queue/queue-devices.ts). */
export interface QueueTicketDevices {
  printerStatus(): TicketPrinterStatus | null;
  /** Queues the ticket's printout again; never throws (a failed save is logged and counted there). */
  reprint(ref: string): void;
}

const STAFF: readonly Role[] = ['staff'];
/** Example payloads for the AsyncAPI document, with stable ids (the document must not change between runs). */
function exampleIds() {
  let n = 0;
  return (args: Record<string, unknown>) => ({ id: `1a2b3c4d-0000-4000-8000-${String(++n).padStart(12, '0')}`, ...args });
}

/** One row of the table: a model operation and how its result becomes the reply. */
interface Op<P extends TObject, R extends OpResult> {
  action: string;
  summary: string;
  roles?: readonly Role[];
  payload: P;
  result: TSchema;
  examples: Record<string, unknown>[];
  op: (m: QueueModel, args: Static<P>, now: number) => R;
  reply: (r: R, args: Static<P>) => unknown;
}
const op = <P extends TObject, R extends OpResult>(o: Op<P, R>) => o as unknown as Op<TObject, OpResult>;

function ticketReply(r: OpResult) {
  const t = r.tickets[0]!;
  return { ticket: t.number, ticketId: t.id, state: t.state };
}

export function queueCommands(events: Publisher, queue: QueueService, devices: QueueTicketDevices | null = null): CommandDefinition[] {
  const printer = () => devices?.printerStatus() ?? null;
  const ex = exampleIds();
  const ops = [
    op({
      action: 'take',
      summary: 'Take a ticket (kiosk, or staff on behalf of a citizen); it prints on the ticket printer',
      roles: ['staff', 'kiosk'],
      payload: S.QueueTake,
      result: S.QueueTakeResult,
      examples: [ex({ service: 'A' }), ex({ service: 'B', priority: 'elderly' })],
      op: (m, a: Static<typeof S.QueueTake>, now) => m.take(a.service, now, a.priority ?? null),
      reply: (r) => ({ ticket: r.ticket.number, ticketId: r.ticket.id, service: r.ticket.service, ahead: r.ahead, estimatedWaitMs: r.estimatedWaitMs, printer: printer() }),
    }),
    op({
      action: 'open-counter',
      summary: 'Open a counter (it can then call tickets)',
      payload: S.QueueCounter,
      result: S.QueueCounterResult,
      examples: [ex({ counter: 1 })],
      op: (m, a: Static<typeof S.QueueCounter>, now) => m.openCounter(a.counter, now),
      reply: (_r, a) => ({ counter: a.counter, open: true }),
    }),
    op({
      action: 'close-counter',
      summary: 'Close a counter (refused while it has a called or serving ticket)',
      payload: S.QueueCounter,
      result: S.QueueCounterResult,
      examples: [ex({ counter: 1 })],
      op: (m, a: Static<typeof S.QueueCounter>, now) => m.closeCounter(a.counter, now),
      reply: (_r, a) => ({ counter: a.counter, open: false }),
    }),
    op({
      action: 'open-service',
      summary: 'Open a service for new tickets and transfers',
      payload: S.QueueServiceRef,
      result: S.QueueServiceResult,
      examples: [ex({ service: 'D' })],
      op: (m, a: Static<typeof S.QueueServiceRef>, now) => m.openService(a.service, now),
      reply: (r, a) => ({ service: r.services[0]?.letter ?? a.service.toLocaleUpperCase('tr-TR'), open: true }),
    }),
    op({
      action: 'close-service',
      summary: 'Close a service: no new tickets or transfers; those already waiting are still served',
      payload: S.QueueServiceRef,
      result: S.QueueServiceResult,
      examples: [ex({ service: 'D' })],
      op: (m, a: Static<typeof S.QueueServiceRef>, now) => m.closeService(a.service, now),
      reply: (r, a) => ({ service: r.services[0]?.letter ?? a.service.toLocaleUpperCase('tr-TR'), open: false }),
    }),
    op({
      action: 'call-next',
      summary: "Call the next waiting ticket to a counter (by the counter's services and priority)",
      payload: S.QueueCounter,
      result: S.QueueCallResult,
      examples: [ex({ counter: 2 })],
      op: (m, a: Static<typeof S.QueueCounter>, now) => m.callNext(a.counter, now),
      reply: (r, a) => ({ ticket: r.ticket.number, ticketId: r.ticket.id, counter: a.counter }),
    }),
    ...(
      [
        ['recall', 'Announce a called ticket again (board and chime); it keeps its turn', (m: QueueModel, t: string, now: number) => m.recall(t, now)],
        ['start', 'Start serving a called ticket (the citizen arrived at the counter)', (m: QueueModel, t: string, now: number) => m.start(t, now)],
        ['complete', 'Finish serving a ticket', (m: QueueModel, t: string, now: number) => m.complete(t, now)],
        ['no-show', 'Close a called ticket whose citizen did not come', (m: QueueModel, t: string, now: number) => m.noShow(t, now)],
        ['cancel', 'Cancel a waiting or called ticket (the citizen left)', (m: QueueModel, t: string, now: number) => m.cancel(t, now)],
      ] as const
    ).map(([action, summary, fn]) =>
      op({
        action,
        summary,
        payload: S.QueueTicket,
        result: S.QueueTicketResult,
        examples: [ex({ ticket: 'A001' })],
        op: (m, a: Static<typeof S.QueueTicket>, now) => fn(m, a.ticket, now),
        reply: ticketReply,
      }),
    ),
    op({
      action: 'transfer',
      summary: 'Close a ticket and queue the citizen at the end of another service (a new ticket, printed, same priority)',
      payload: S.QueueTransfer,
      result: S.QueueTransferResult,
      examples: [ex({ ticket: 'A001', service: 'C' })],
      op: (m, a: Static<typeof S.QueueTransfer>, now) => m.transfer(a.ticket, a.service, now),
      reply: (r) => ({
        from: r.tickets.find((t) => t.id !== r.ticket.id)?.number ?? '',
        ticket: r.ticket.number,
        ticketId: r.ticket.id,
        service: r.ticket.service,
        printer: printer(),
      }),
    }),
  ];

  function run<R extends OpResult>(ctx: CommandContext, tx: Tx, fn: (m: QueueModel, now: number) => R): R {
    try {
      return queue.dryRun(
        (m) => fn(m, Date.now()),
        (evs) => {
          for (const e of evs) tx.journal.append({ type: e.type, class: 'queue', payload: e, commandId: ctx.commandId, actor: ctx.client.username });
        },
        (fn) => tx.onAbort(fn),
      );
    } catch (e) {
      if (e instanceof QueueError && e.code !== 'INVALID_CONFIG') throw new ApiError(e.code, e.message, e.details);
      throw e;
    }
  }

  // The result the command path stores and replays is the reply alone; the events ride along
  // to afterCommit through this map, keyed by command id. An entry is removed by its
  // afterCommit; one whose transaction failed (no afterCommit) is swept after a minute,
  // far longer than any commit takes.
  const pending = new Map<string, { events: readonly QueueEvent[]; at: number }>();
  function remember(id: string, evs: readonly QueueEvent[]): void {
    const now = Date.now();
    if (pending.size > 1000) for (const [k, v] of pending) if (now - v.at > 60_000) pending.delete(k);
    pending.set(id, { events: evs, at: now });
  }

  function afterCommit(ctx: CommandContext): void {
    const p = pending.get(ctx.commandId);
    pending.delete(ctx.commandId);
    if (p) queue.commit(p.events);
  }

  // Published from the committed model, so screens never show what the journal lacks.
  queue.onCommitted((evs, snap) => {
    events.publish('vim/state/queue', JSON.stringify(snap), { retain: true, qos: 1 }).catch(() => undefined);
    for (const e of evs) {
      if (e.type === 'queue.ticket.called' || e.type === 'queue.ticket.recalled') {
        const payload = { ticket: e.number, counter: e.counter, recall: e.type === 'queue.ticket.recalled', at: e.at };
        events.publish('vim/event/queue/called', JSON.stringify(payload), { qos: 0 }).catch(() => undefined);
      }
    }
  });

  const defs: CommandDefinition[] = ops.map((o) =>
    defineCommand({
      service: 'queue',
      action: o.action,
      summary: o.summary,
      roles: o.roles ?? STAFF,
      payload: o.payload,
      result: o.result,
      examples: o.examples,
      handle(ctx, args, tx) {
        const r = run(ctx, tx, (m, now) => o.op(m, args, now));
        remember(ctx.commandId, r.events);
        return o.reply(r, args);
      },
      afterCommit,
    }),
  );

  defs.push(
    defineCommand({
      service: 'queue',
      action: 'reprint',
      summary: 'Print a ticket again (after the printer ran out of paper, or a lost slip)',
      roles: STAFF,
      payload: S.QueueTicket,
      result: S.QueueReprintResult,
      examples: [ex({ ticket: 'A001' })],
      handle(ctx, args: Static<typeof S.QueueTicket>, tx) {
        const t = queue.ticket(args.ticket);
        if (!t) throw new ApiError('UNKNOWN_TICKET', `unknown ticket "${args.ticket}"`, { ticket: args.ticket });
        const p = printer();
        if (!p) throw new ApiError('NO_PRINTER', 'no ticket printer is configured (queue.ticketPrinter, devices.printers)', {});
        tx.journal.append({ type: 'print.ticket.reprint', class: 'events', payload: { ticket: t.id }, commandId: ctx.commandId, actor: ctx.client.username });
        return { ticket: t.number, ticketId: t.id, printer: p };
      },
      afterCommit(_ctx, result) {
        devices?.reprint(result.ticketId);
      },
    }),
    defineCommand({
      service: 'queue',
      action: 'stats',
      summary: "A day's statistics: waits, service times, served per hour, no-shows, by service and counter",
      roles: ['staff', 'maintenance'],
      payload: S.QueueStatsQuery,
      result: S.QueueStatsResult,
      examples: [ex({}), ex({ day: '2026-05-04' })],
      handle(_ctx, args: Static<typeof S.QueueStatsQuery>, tx) {
        const day = args.day ?? queue.dayOf(Date.now());
        const start = Date.parse(`${day}T00:00:00Z`);
        if (Number.isNaN(start)) throw new ApiError('INVALID_PAYLOAD', `day: "${day}" is not a date`, { field: 'day' });
        // A generous window around the day; eventsOfDay keeps exactly the service day's events.
        const evs: QueueEvent[] = [];
        // The queue class also holds the visits' records (visit.started, plan set): skip what is not a queue event.
        for (const r of tx.journal.ofClass('queue', new Date(start - 86_400_000), new Date(start + 2 * 86_400_000))) {
          const e = r.payload as { type?: unknown };
          if (isQueueEvent(e)) evs.push(e);
        }
        return { day, ...computeStats(eventsOfDay(evs, day, queue.resetAtMinutes)) };
      },
    }),
  );
  return defs;
}
