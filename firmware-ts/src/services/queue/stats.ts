// The day's statistics for `cmd/queue/stats`, computed from journaled events alone (no live
// state), so HQ or the CLI can recompute them from an export and get the same numbers.
import type { QueueEvent } from './events.js';
import { istanbulHour, serviceDay } from './numbering.js';

export interface DurationStats {
  count: number;
  avgMs: number | null;
  maxMs: number | null;
}

export interface ServiceStats {
  taken: number;
  served: number;
  noShows: number;
  cancelled: number;
  transferred: number; // moved out; the new ticket counts as taken in the target service
  open: number; // still waiting, called or being served at the end of the events
  wait: DurationStats; // taken -> first call
  service: DurationStats; // start -> complete
  servedPerHour: Record<string, number>; // "09" -> n, Istanbul time
}

export interface CounterStats {
  called: number;
  served: number;
  noShows: number;
  transferred: number;
  cancelled: number;
  wait: DurationStats;
  service: DurationStats;
  servedPerHour: Record<string, number>;
}

export interface QueueStats extends ServiceStats {
  byService: Record<string, ServiceStats>;
  byCounter: Record<string, CounterStats>;
}

class Durations {
  private readonly values: number[] = [];
  add(ms: number): void {
    this.values.push(ms);
  }
  result(): DurationStats {
    const n = this.values.length;
    if (n === 0) return { count: 0, avgMs: null, maxMs: null };
    return { count: n, avgMs: Math.round(this.values.reduce((a, b) => a + b, 0) / n), maxMs: Math.max(...this.values) };
  }
}

interface Acc {
  counts: Record<'taken' | 'called' | 'served' | 'noShows' | 'cancelled' | 'transferred', number>;
  wait: Durations;
  service: Durations;
  perHour: Record<string, number>;
}

function acc(): Acc {
  return { counts: { taken: 0, called: 0, served: 0, noShows: 0, cancelled: 0, transferred: 0 }, wait: new Durations(), service: new Durations(), perHour: {} };
}

interface Tracked {
  service: string;
  takenAt: number;
  calledAt: number | null;
  startedAt: number | null;
  counter: number | null;
  ended: boolean;
}

/** Events whose time falls in the given service day (see numbering.ts for the reset point). */
export function eventsOfDay(events: Iterable<QueueEvent>, day: string, resetAtMin = 0): QueueEvent[] {
  return [...events].filter((e) => serviceDay(e.at, resetAtMin) === day);
}

/** Events about tickets not taken within `events` (e.g. taken the day before) are left out. */
export function computeStats(events: Iterable<QueueEvent>): QueueStats {
  const total = acc();
  const bySvc = new Map<string, Acc>();
  const byCtr = new Map<number, Acc>();
  const tickets = new Map<string, Tracked>();
  const svcAcc = (l: string): Acc => bySvc.get(l) ?? bySvc.set(l, acc()).get(l)!;
  const ctrAcc = (n: number): Acc => byCtr.get(n) ?? byCtr.set(n, acc()).get(n)!;

  for (const e of events) {
    if (e.type === 'queue.ticket.taken') {
      tickets.set(e.ticket, { service: e.service, takenAt: e.at, calledAt: null, startedAt: null, counter: null, ended: false });
      total.counts.taken++;
      svcAcc(e.service).counts.taken++;
      continue;
    }
    if (!('ticket' in e)) continue;
    const t = tickets.get(e.ticket);
    if (!t) continue;
    const targets = [total, svcAcc(t.service)];
    if (e.counter !== null && e.counter !== 0) targets.push(ctrAcc(e.counter));
    const bump = (k: keyof Acc['counts']): void => targets.forEach((a) => a.counts[k]++);
    switch (e.type) {
      case 'queue.ticket.called':
        t.calledAt = e.at;
        t.counter = e.counter;
        bump('called');
        targets.forEach((a) => a.wait.add(e.at - t.takenAt));
        break;
      case 'queue.ticket.started':
        t.startedAt = e.at;
        break;
      case 'queue.ticket.completed': {
        t.ended = true;
        bump('served');
        if (t.startedAt !== null) {
          const d = e.at - t.startedAt;
          targets.forEach((a) => a.service.add(d));
        }
        const h = String(istanbulHour(e.at)).padStart(2, '0');
        targets.forEach((a) => (a.perHour[h] = (a.perHour[h] ?? 0) + 1));
        break;
      }
      case 'queue.ticket.no_show':
        t.ended = true;
        bump('noShows');
        break;
      case 'queue.ticket.cancelled':
        t.ended = true;
        bump('cancelled');
        break;
      case 'queue.ticket.transferred':
        t.ended = true;
        bump('transferred');
        break;
      case 'queue.ticket.recalled':
        break;
    }
  }

  const openIn = (service?: string): number => [...tickets.values()].filter((t) => !t.ended && (service === undefined || t.service === service)).length;
  const svcStats = (a: Acc, open: number): ServiceStats => ({
    taken: a.counts.taken,
    served: a.counts.served,
    noShows: a.counts.noShows,
    cancelled: a.counts.cancelled,
    transferred: a.counts.transferred,
    open,
    wait: a.wait.result(),
    service: a.service.result(),
    servedPerHour: a.perHour,
  });
  const byService: Record<string, ServiceStats> = {};
  for (const [l, a] of [...bySvc].sort(([x], [y]) => x.localeCompare(y, 'tr'))) byService[l] = svcStats(a, openIn(l));
  const byCounter: Record<string, CounterStats> = {};
  for (const [n, a] of [...byCtr].sort(([x], [y]) => x - y)) {
    const { taken: _taken, ...counts } = a.counts;
    byCounter[String(n)] = { ...counts, wait: a.wait.result(), service: a.service.result(), servedPerHour: a.perHour };
  }
  return { ...svcStats(total, openIn()), byService, byCounter };
}
