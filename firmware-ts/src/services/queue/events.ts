// The queue's journal vocabulary: plain JSON, one event per fact, each with its time (Unix ms).
// Operations only emit these; state changes only by applying them (state.ts), so replaying
// the journal at start rebuilds exactly the state the live service had.
interface At {
  at: number;
}

interface TicketRef extends At {
  ticket: string; // ticket id (day/number)
  number: string;
}

export type QueueEvent =
  | (TicketRef & {
      type: 'queue.ticket.taken';
      service: string;
      day: string;
      seq: number;
      priority: string | null;
      transferredFrom: string | null;
    })
  | (TicketRef & { type: 'queue.ticket.called'; counter: number })
  | (TicketRef & { type: 'queue.ticket.recalled'; counter: number })
  | (TicketRef & { type: 'queue.ticket.started'; counter: number })
  | (TicketRef & { type: 'queue.ticket.completed'; counter: number })
  | (TicketRef & { type: 'queue.ticket.no_show'; counter: number })
  | (TicketRef & { type: 'queue.ticket.cancelled'; counter: number | null })
  | (TicketRef & { type: 'queue.ticket.transferred'; counter: number | null; to: string; toService: string })
  | (At & { type: 'queue.counter.opened' | 'queue.counter.closed'; counter: number })
  | (At & { type: 'queue.service.opened' | 'queue.service.closed'; service: string });

export type QueueEventType = QueueEvent['type'];

export function isQueueEvent(e: { type?: unknown }): e is QueueEvent {
  return typeof e.type === 'string' && e.type.startsWith('queue.');
}
