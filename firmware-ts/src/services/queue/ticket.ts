// A ticket's life as an explicit table. Everything that moves a ticket goes through
// `transition`, so the model, the replay and the tests all agree on what is legal.
import { QueueError } from './errors.js';

export type TicketState = 'waiting' | 'called' | 'serving' | 'done' | 'no_show' | 'cancelled' | 'transferred';

export const TICKET_STATES: readonly TicketState[] = ['waiting', 'called', 'serving', 'done', 'no_show', 'cancelled', 'transferred'];

export type TicketAction =
  | { type: 'call'; counter: number }
  // Recall re-announces a ticket that is already called (the citizen did not come up yet):
  // it stays `called` at the same counter; it does not go back to waiting, because the citizen
  // keeps their turn and the board/chime simply repeat the number.
  | { type: 'recall' }
  | { type: 'start' }
  | { type: 'complete' }
  | { type: 'noShow' }
  | { type: 'cancel' }
  // Transfer closes this ticket and links it to a new waiting ticket (`to`) in another service.
  | { type: 'transfer'; to: string };

export type TicketActionType = TicketAction['type'];

/** action -> [states it is allowed from, state it leads to]. */
export const TRANSITIONS: Readonly<Record<TicketActionType, { from: readonly TicketState[]; to: TicketState }>> = {
  call: { from: ['waiting'], to: 'called' },
  recall: { from: ['called'], to: 'called' },
  start: { from: ['called'], to: 'serving' },
  complete: { from: ['serving'], to: 'done' },
  noShow: { from: ['called'], to: 'no_show' },
  cancel: { from: ['waiting', 'called'], to: 'cancelled' },
  transfer: { from: ['waiting', 'called', 'serving'], to: 'transferred' },
};

export const FINAL_STATES: readonly TicketState[] = ['done', 'no_show', 'cancelled', 'transferred'];

/** Fields are null rather than absent so a ticket survives a JSON round trip unchanged. */
export interface Ticket {
  id: string; // `${day}/${number}`: numbers repeat every day, ids never do
  number: string; // A001: what the citizen, the board and the page see; never a name
  service: string;
  day: string; // service day, YYYY-MM-DD (see numbering.ts)
  seq: number;
  order: number; // global take order: "oldest first" without trusting equal timestamps
  priority: string | null; // the class only, never a reason
  state: TicketState;
  takenAt: number; // all times are Unix ms (UTC)
  calledAt: number | null; // first call: the citizen's wait ends here
  lastCalledAt: number | null;
  recalls: number;
  startedAt: number | null;
  endedAt: number | null;
  counter: number | null;
  transferredFrom: string | null;
  transferredTo: string | null;
}

export function canTransition(state: TicketState, action: TicketActionType): boolean {
  return TRANSITIONS[action].from.includes(state);
}

/** Returns the ticket after `action` at `now`, or throws INVALID_STATE naming the current state. */
export function transition(ticket: Ticket, action: TicketAction, now: number): Ticket {
  const rule = TRANSITIONS[action.type];
  if (!rule.from.includes(ticket.state)) {
    throw new QueueError('INVALID_STATE', `ticket ${ticket.number} is ${ticket.state}; ${action.type} needs ${rule.from.join(' or ')}`, {
      ticket: ticket.number,
      state: ticket.state,
      action: action.type,
      allowed: [...rule.from],
    });
  }
  const next: Ticket = { ...ticket, state: rule.to };
  switch (action.type) {
    case 'call':
      next.counter = action.counter;
      next.calledAt = now;
      next.lastCalledAt = now;
      break;
    case 'recall':
      next.lastCalledAt = now;
      next.recalls = ticket.recalls + 1;
      break;
    case 'start':
      next.startedAt = now;
      break;
    case 'transfer':
      next.transferredTo = action.to;
      next.endedAt = now;
      break;
    case 'complete':
    case 'noShow':
    case 'cancel':
      next.endedAt = now;
      break;
  }
  return next;
}
