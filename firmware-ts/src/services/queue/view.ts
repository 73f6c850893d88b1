// The read-only face of the queue for screens: the now-serving page in the van's window and
// the ticket status page a ticket's QR code opens. Ticket numbers and states only, never a
// name, a phone or a priority reason (the page is readable from the street).
import type { QueueSnapshot } from './snapshot.js';
import type { TicketState } from './ticket.js';

export interface TicketStatus {
  id: string; // day/number, e.g. 2026-05-04/A001
  number: string; // A001
  service: string; // letter
  serviceName: string;
  state: TicketState;
  /** Priority class name (never the reason), or null. */
  priority: string | null;
  /** Waiting tickets of the same service called before this one; null once it left `waiting`. */
  ahead: number | null;
  estimatedWaitMs: number | null;
  counter: number | null; // where to go once called
  takenAt: number; // Unix ms
  transferredFrom: string | null;
  /** The ticket it was transferred to, so the status page can follow it. */
  transferredTo: string | null;
}

export interface QueueView {
  snapshot(): QueueSnapshot;
  /** By id (day/number) or number (the newest with it); null when unknown. */
  ticket(ref: string): TicketStatus | null;
  /** Called after every committed change with the new snapshot; returns an unsubscribe. */
  onChange(listener: (s: QueueSnapshot) => void): () => void;
}
