// The in-memory queue state and the one function that changes it: `applyEvent`.
// Live operations and journal replay both go through it, which is what makes a restore exact.
import type { QueueEvent } from './events.js';
import type { NumberingState } from './numbering.js';
import { nextStreak } from './priority.js';
import { transition, type Ticket, type TicketAction } from './ticket.js';

export interface ServiceState {
  letter: string;
  name: string;
  open: boolean;
}

export interface CounterState {
  number: number;
  name: string;
  services: string[];
  open: boolean;
  current: string | null; // ticket id called or being served here
  priorityStreak: number; // consecutive priority calls, for starvation protection
}

export interface RecentCall {
  ticket: string;
  number: string;
  counter: number;
  at: number;
}

export interface QueueState {
  services: Record<string, ServiceState>;
  counters: Record<string, CounterState>;
  tickets: Record<string, Ticket>;
  numbering: Record<string, NumberingState>;
  nextOrder: number;
  serviceTimes: Record<string, number[]>; // last N service durations per service (ms)
  waits: number[]; // last N waits taken -> first call (ms)
  recentCalled: RecentCall[]; // newest first, for the board and the page
}

export interface StateLimits {
  serviceTimeWindow: number;
  recentCalledCount: number;
}

/**
 * A copy that `applyEvent` may change without touching the original, at the cost of copying
 * pointers: tickets are immutable (ticket.ts `transition` returns a new object), so the ticket
 * map is copied shallowly; the small mutable parts (services, counters, lists) are copied.
 * structuredClone of a whole day's tickets on every command was the queue's main cost.
 */
export function copyState(s: QueueState): QueueState {
  const services: Record<string, ServiceState> = {};
  for (const [k, v] of Object.entries(s.services)) services[k] = { ...v };
  const counters: Record<string, CounterState> = {};
  for (const [k, v] of Object.entries(s.counters)) counters[k] = { ...v, services: [...v.services] };
  const serviceTimes: Record<string, number[]> = {};
  for (const [k, v] of Object.entries(s.serviceTimes)) serviceTimes[k] = [...v];
  const numbering: Record<string, NumberingState> = {};
  for (const [k, v] of Object.entries(s.numbering)) numbering[k] = { ...v };
  return {
    services,
    counters,
    tickets: { ...s.tickets },
    numbering,
    nextOrder: s.nextOrder,
    serviceTimes,
    waits: [...s.waits],
    recentCalled: s.recentCalled.map((r) => ({ ...r })),
  };
}

function pushCapped(list: number[], value: number, cap: number): void {
  list.push(value);
  if (list.length > cap) list.splice(0, list.length - cap);
}

function ticketAction(e: QueueEvent): TicketAction | null {
  switch (e.type) {
    case 'queue.ticket.called':
      return { type: 'call', counter: e.counter };
    case 'queue.ticket.recalled':
      return { type: 'recall' };
    case 'queue.ticket.started':
      return { type: 'start' };
    case 'queue.ticket.completed':
      return { type: 'complete' };
    case 'queue.ticket.no_show':
      return { type: 'noShow' };
    case 'queue.ticket.cancelled':
      return { type: 'cancel' };
    case 'queue.ticket.transferred':
      return { type: 'transfer', to: e.to };
    default:
      return null;
  }
}

/**
 * Applies one event in place. It throws (INVALID_STATE / UNKNOWN_TICKET) only for an event
 * the state cannot accept, which the model never emits; callers apply to a copy.
 * Services or counters missing from today's config are tolerated so an old journal still loads.
 */
export function applyEvent(s: QueueState, e: QueueEvent, limits: StateLimits): void {
  switch (e.type) {
    case 'queue.service.opened':
    case 'queue.service.closed': {
      const svc = s.services[e.service];
      if (svc) svc.open = e.type === 'queue.service.opened';
      return;
    }
    case 'queue.counter.opened':
    case 'queue.counter.closed': {
      const c = s.counters[String(e.counter)];
      if (c) c.open = e.type === 'queue.counter.opened';
      return;
    }
    case 'queue.ticket.taken': {
      s.tickets[e.ticket] = {
        id: e.ticket,
        number: e.number,
        service: e.service,
        day: e.day,
        seq: e.seq,
        order: s.nextOrder,
        priority: e.priority,
        state: 'waiting',
        takenAt: e.at,
        calledAt: null,
        lastCalledAt: null,
        recalls: 0,
        startedAt: null,
        endedAt: null,
        counter: null,
        transferredFrom: e.transferredFrom,
        transferredTo: null,
      };
      s.nextOrder += 1;
      s.numbering[e.service] = { day: e.day, last: e.seq };
      return;
    }
    default:
      break;
  }
  const action = ticketAction(e);
  const before = s.tickets[e.ticket];
  if (!action || !before) throw new Error(`queue replay: event ${e.type} names unknown ticket ${e.ticket}`);
  const after = transition(before, action, e.at);
  s.tickets[e.ticket] = after;
  const counter = after.counter === null ? undefined : s.counters[String(after.counter)];
  if (action.type === 'call') {
    pushCapped(s.waits, e.at - after.takenAt, limits.serviceTimeWindow);
    if (counter) {
      counter.current = after.id;
      counter.priorityStreak = nextStreak(counter.priorityStreak, after);
    }
  }
  if (action.type === 'call' || action.type === 'recall') {
    s.recentCalled = [{ ticket: after.id, number: after.number, counter: after.counter ?? 0, at: e.at }, ...s.recentCalled.filter((r) => r.ticket !== after.id)].slice(
      0,
      limits.recentCalledCount,
    );
  }
  if (action.type === 'complete' && after.startedAt !== null) {
    const list = (s.serviceTimes[after.service] ??= []);
    pushCapped(list, e.at - after.startedAt, limits.serviceTimeWindow);
  }
  if (after.endedAt !== null && counter && counter.current === after.id) counter.current = null;
}
