// The queue's operations. Each one validates against the current state, emits journal events,
// and applies them to a copy that replaces the state only when every event applied: a refused
// or failed operation changes nothing. `QueueModel.replay` rebuilds the state from the journal.
import { QueueError } from './errors.js';
import type { QueueEvent } from './events.js';
import { nextNumber, parseResetAt } from './numbering.js';
import { checkPriority, makePolicy, pickNext, type PriorityPolicy } from './priority.js';
import { estimateWaitMs, snapshotOf, waitingIn, type QueueSnapshot } from './snapshot.js';
import { applyEvent, copyState, type CounterState, type QueueState, type ServiceState, type StateLimits } from './state.js';
import { FINAL_STATES, transition, type Ticket, type TicketAction } from './ticket.js';
import type { TicketStatus } from './view.js';

export interface QueueConfig {
  services: { letter: string; name: string; open?: boolean }[];
  counters: { number: number; name: string; services: string[]; open?: boolean }[];
  priority?: Partial<PriorityPolicy>;
  resetAt?: string; // "HH:MM" Istanbul time; default "00:00"
  serviceTimeWindow?: number; // completions in the rolling average; default 10
  defaultServiceMs?: number; // estimate before any completion; default 5 min
  recentCalledCount?: number; // "last few called"; default 5
}

export interface OpResult {
  events: QueueEvent[]; // to journal, in order
  tickets: Ticket[]; // tickets changed, as they are now
  counters: CounterState[];
  services: ServiceState[];
}

export interface TakeResult extends OpResult {
  ticket: Ticket;
  ahead: number;
  estimatedWaitMs: number | null;
}

export interface CallResult extends OpResult {
  ticket: Ticket;
}

/** Letters are compared upper-cased the Turkish way, so "i" names service "İ", not "I". */
export function normLetter(letter: string): string {
  return letter.trim().toLocaleUpperCase('tr-TR');
}

export class QueueModel {
  private s: QueueState;
  private readonly policy: PriorityPolicy;
  private readonly resetAtMin: number;
  private readonly limits: StateLimits;
  private readonly defaultServiceMs: number;

  constructor(private readonly cfg: QueueConfig) {
    this.policy = makePolicy(cfg.priority);
    this.resetAtMin = parseResetAt(cfg.resetAt ?? '00:00');
    this.limits = { serviceTimeWindow: cfg.serviceTimeWindow ?? 10, recentCalledCount: cfg.recentCalledCount ?? 5 };
    this.defaultServiceMs = cfg.defaultServiceMs ?? 5 * 60_000;
    this.s = { services: {}, counters: {}, tickets: {}, numbering: {}, nextOrder: 1, serviceTimes: {}, waits: [], recentCalled: [] };
    for (const svc of cfg.services) {
      const letter = normLetter(svc.letter);
      if (!/^\p{Lu}$/u.test(letter) || this.s.services[letter]) {
        throw new QueueError('INVALID_CONFIG', `queue.services: letter "${svc.letter}" must be one letter and unique`, { letter: svc.letter });
      }
      this.s.services[letter] = { letter, name: svc.name, open: svc.open ?? true };
    }
    for (const c of cfg.counters) {
      if (!Number.isInteger(c.number) || c.number < 1 || this.s.counters[String(c.number)]) {
        throw new QueueError('INVALID_CONFIG', `queue.counters: number ${c.number} must be a unique positive integer`, { counter: c.number });
      }
      const services = c.services.map(normLetter);
      for (const l of services) this.service(l);
      this.s.counters[String(c.number)] = { number: c.number, name: c.name, services, open: c.open ?? false, current: null, priorityStreak: 0 };
    }
  }

  /** Rebuilds the state a live model reached by emitting `events` (the journal, oldest first). */
  static replay(cfg: QueueConfig, events: Iterable<QueueEvent>): QueueModel {
    const m = new QueueModel(cfg);
    for (const e of events) applyEvent(m.s, e, m.limits);
    return m;
  }

  /** An independent copy: operations on it (a dry run) leave this model untouched. */
  clone(): QueueModel {
    const m = new QueueModel(this.cfg);
    m.s = copyState(this.s);
    return m;
  }

  /** Applies events another model emitted (a committed dry run); all or nothing. */
  apply(events: readonly QueueEvent[]): void {
    this.commit([...events]);
  }

  /** A deep copy: callers (and tests) cannot reach into the live state. */
  state(): QueueState {
    return structuredClone(this.s);
  }

  snapshot(): QueueSnapshot {
    return snapshotOf(this.s, { defaultServiceMs: this.defaultServiceMs });
  }

  /** A ticket as its status page and its printout show it; null when unknown. */
  status(ref: string): TicketStatus | null {
    let t: Ticket;
    try {
      t = this.ticket(ref);
    } catch {
      return null;
    }
    // Ahead: waiting tickets of the service taken before this one. Priority tickets may
    // still overtake it, so this is the honest lower bound the ticket prints.
    const ahead = t.state === 'waiting' ? Object.values(this.s.tickets).filter((o) => o.state === 'waiting' && o.service === t.service && o.order < t.order).length : null;
    return {
      id: t.id,
      number: t.number,
      service: t.service,
      serviceName: this.s.services[t.service]?.name ?? t.service,
      state: t.state,
      priority: t.priority,
      ahead,
      estimatedWaitMs: ahead === null ? null : estimateWaitMs(this.s, t.service, ahead, { defaultServiceMs: this.defaultServiceMs }),
      counter: t.counter,
      takenAt: t.takenAt,
      transferredFrom: t.transferredFrom,
      transferredTo: t.transferredTo,
    };
  }

  /** The label of a priority class (for the printed ticket), or null for a normal ticket. */
  priorityLabel(cls: string | null): string | null {
    return cls === null ? null : (this.policy.classes[cls]?.label ?? cls);
  }

  take(service: string, now: number, priority?: string | null): TakeResult {
    const svc = this.service(service);
    if (!svc.open) throw new QueueError('SERVICE_CLOSED', `service ${svc.letter} (${svc.name}) is closed`, { service: svc.letter });
    const cls = checkPriority(this.policy, priority);
    const ahead = waitingIn(this.s, svc.letter);
    const estimatedWaitMs = estimateWaitMs(this.s, svc.letter, ahead, { defaultServiceMs: this.defaultServiceMs });
    const r = this.commit([this.takenEvent(svc.letter, now, cls, null)]);
    return { ...r, ticket: r.tickets[0]!, ahead, estimatedWaitMs };
  }

  openService(service: string, now: number): OpResult {
    const svc = this.service(service);
    return this.commit(svc.open ? [] : [{ type: 'queue.service.opened', at: now, service: svc.letter }]);
  }

  /** Closing a service stops new tickets and transfers into it; those already waiting are still served. */
  closeService(service: string, now: number): OpResult {
    const svc = this.service(service);
    return this.commit(svc.open ? [{ type: 'queue.service.closed', at: now, service: svc.letter }] : []);
  }

  openCounter(counter: number, now: number): OpResult {
    const c = this.counter(counter);
    return this.commit(c.open ? [] : [{ type: 'queue.counter.opened', at: now, counter: c.number }]);
  }

  /** A counter with a called or serving ticket cannot close: that citizen would be lost. */
  closeCounter(counter: number, now: number): OpResult {
    const c = this.counter(counter);
    this.requireIdle(c);
    return this.commit(c.open ? [{ type: 'queue.counter.closed', at: now, counter: c.number }] : []);
  }

  callNext(counter: number, now: number): CallResult {
    const c = this.counter(counter);
    if (!c.open) throw new QueueError('COUNTER_CLOSED', `counter ${c.number} (${c.name}) is closed`, { counter: c.number });
    this.requireIdle(c);
    const waiting = Object.values(this.s.tickets).filter((t) => t.state === 'waiting' && c.services.includes(t.service));
    const t = pickNext(waiting, c.priorityStreak, this.policy);
    if (!t) throw new QueueError('NOTHING_WAITING', `nothing waiting for counter ${c.number} (services ${c.services.join(', ')})`, { counter: c.number });
    const r = this.commit([{ type: 'queue.ticket.called', at: now, ticket: t.id, number: t.number, counter: c.number }]);
    return { ...r, ticket: r.tickets[0]! };
  }

  recall(ref: string, now: number): OpResult {
    return this.ticketOp(ref, { type: 'recall' }, now, (t) => ({ type: 'queue.ticket.recalled', at: now, ticket: t.id, number: t.number, counter: t.counter ?? 0 }));
  }

  start(ref: string, now: number): OpResult {
    return this.ticketOp(ref, { type: 'start' }, now, (t) => ({ type: 'queue.ticket.started', at: now, ticket: t.id, number: t.number, counter: t.counter ?? 0 }));
  }

  complete(ref: string, now: number): OpResult {
    return this.ticketOp(ref, { type: 'complete' }, now, (t) => ({ type: 'queue.ticket.completed', at: now, ticket: t.id, number: t.number, counter: t.counter ?? 0 }));
  }

  noShow(ref: string, now: number): OpResult {
    return this.ticketOp(ref, { type: 'noShow' }, now, (t) => ({ type: 'queue.ticket.no_show', at: now, ticket: t.id, number: t.number, counter: t.counter ?? 0 }));
  }

  cancel(ref: string, now: number): OpResult {
    return this.ticketOp(ref, { type: 'cancel' }, now, (t) => ({ type: 'queue.ticket.cancelled', at: now, ticket: t.id, number: t.number, counter: t.counter }));
  }

  /**
   * Closes the ticket and queues a new one, same priority class, at the end of the target
   * service's queue (it is that service's newest ticket), linked both ways.
   */
  transfer(ref: string, toService: string, now: number): CallResult {
    const t = this.ticket(ref);
    const svc = this.service(toService);
    if (!svc.open) throw new QueueError('SERVICE_CLOSED', `cannot transfer ${t.number}: service ${svc.letter} (${svc.name}) is closed`, { service: svc.letter });
    const taken = this.takenEvent(svc.letter, now, t.priority, t.id);
    transition(t, { type: 'transfer', to: taken.ticket }, now); // throws INVALID_STATE before anything is emitted
    const moved: QueueEvent = { type: 'queue.ticket.transferred', at: now, ticket: t.id, number: t.number, counter: t.counter, to: taken.ticket, toService: svc.letter };
    const r = this.commit([moved, taken]);
    return { ...r, ticket: r.tickets.find((x) => x.id === taken.ticket)! };
  }

  private takenEvent(letter: string, now: number, priority: string | null, from: string | null): Extract<QueueEvent, { type: 'queue.ticket.taken' }> {
    const n = nextNumber(this.s.numbering[letter], letter, now, this.resetAtMin);
    const id = `${n.day}/${n.number}`;
    return { type: 'queue.ticket.taken', at: now, ticket: id, number: n.number, service: letter, day: n.day, seq: n.seq, priority, transferredFrom: from };
  }

  private ticketOp(ref: string, action: TicketAction, now: number, event: (t: Ticket) => QueueEvent): OpResult {
    const t = this.ticket(ref);
    transition(t, action, now); // validate first: INVALID_STATE names the current state
    return this.commit([event(t)]);
  }

  private commit(events: QueueEvent[]): OpResult {
    const next = copyState(this.s);
    for (const e of events) applyEvent(next, e, this.limits);
    this.s = next; // only now: a throw above leaves the state untouched
    const ids = new Set<string>();
    const counters = new Set<number>();
    const services = new Set<string>();
    for (const e of events) {
      if ('ticket' in e) ids.add(e.ticket);
      if ('counter' in e && e.counter !== null) counters.add(e.counter);
      if ('service' in e) services.add(e.service);
    }
    return {
      events,
      tickets: [...ids].map((id) => structuredClone(next.tickets[id]!)),
      counters: [...counters].flatMap((n) => (next.counters[String(n)] ? [structuredClone(next.counters[String(n)]!)] : [])),
      services: [...services].flatMap((l) => (next.services[l] ? [structuredClone(next.services[l])] : [])),
    };
  }

  private service(letter: string): ServiceState {
    const svc = this.s.services[normLetter(letter)];
    if (!svc) throw new QueueError('UNKNOWN_SERVICE', `unknown service "${letter}"; known: ${Object.keys(this.s.services).join(', ')}`, { service: letter });
    return svc;
  }

  private counter(n: number): CounterState {
    const c = this.s.counters[String(n)];
    if (!c) throw new QueueError('UNKNOWN_COUNTER', `unknown counter ${n}`, { counter: n });
    return c;
  }

  /** By id (day/number) or by number, which means the newest ticket with that number. */
  private ticket(ref: string): Ticket {
    const exact = this.s.tickets[ref];
    if (exact) return exact;
    const number = normLetter(ref);
    let found: Ticket | undefined;
    for (const t of Object.values(this.s.tickets)) if (t.number === number && (!found || t.order > found.order)) found = t;
    if (!found) throw new QueueError('UNKNOWN_TICKET', `unknown ticket "${ref}"`, { ticket: ref });
    return found;
  }

  private requireIdle(c: CounterState): void {
    const cur = c.current === null ? undefined : this.s.tickets[c.current];
    if (cur && !FINAL_STATES.includes(cur.state)) {
      throw new QueueError('INVALID_STATE', `counter ${c.number} still has ticket ${cur.number} (${cur.state}); finish it first`, {
        counter: c.number,
        ticket: cur.number,
        state: cur.state,
      });
    }
  }
}
