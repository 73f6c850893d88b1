// Read-only views of the queue state: the wait estimate printed on a ticket and the payload of
// the retained `vim/state/queue`. Ticket numbers only, never names (the page is in a window).
import type { QueueState } from './state.js';

export interface EstimateOptions {
  defaultServiceMs: number; // used before a service has any completion
}

/** Mean of the last N service durations of a service, or the configured default. */
export function averageServiceMs(s: QueueState, service: string, opts: EstimateOptions): number {
  const list = s.serviceTimes[service] ?? [];
  return list.length === 0 ? opts.defaultServiceMs : list.reduce((a, b) => a + b, 0) / list.length;
}

export function openCountersFor(s: QueueState, service: string): number {
  return Object.values(s.counters).filter((c) => c.open && c.services.includes(service)).length;
}

export function waitingIn(s: QueueState, service: string): number {
  return Object.values(s.tickets).filter((t) => t.state === 'waiting' && t.service === service).length;
}

/**
 * Rolling average service time x people ahead / open counters for the service.
 * null when no open counter serves it: there is no honest number to print then.
 */
export function estimateWaitMs(s: QueueState, service: string, ahead: number, opts: EstimateOptions): number | null {
  const open = openCountersFor(s, service);
  if (open === 0) return null;
  return Math.round((averageServiceMs(s, service, opts) * ahead) / open);
}

export interface QueueSnapshot {
  services: { letter: string; name: string; open: boolean; waiting: number; estimatedWaitMs: number | null }[];
  counters: { number: number; name: string; open: boolean; serving: string | null; state: 'called' | 'serving' | null }[];
  lastCalled: { number: string; counter: number; at: number }[];
  averageWaitMs: number | null;
}

export function snapshotOf(s: QueueState, opts: EstimateOptions): QueueSnapshot {
  const services = Object.values(s.services).map((svc) => {
    const waiting = waitingIn(s, svc.letter);
    return { letter: svc.letter, name: svc.name, open: svc.open, waiting, estimatedWaitMs: estimateWaitMs(s, svc.letter, waiting, opts) };
  });
  const counters = Object.values(s.counters).map((c) => {
    const t = c.current === null ? undefined : s.tickets[c.current];
    const state = t?.state === 'called' || t?.state === 'serving' ? t.state : null;
    return { number: c.number, name: c.name, open: c.open, serving: state ? (t?.number ?? null) : null, state };
  });
  const lastCalled = s.recentCalled.map((r) => ({ number: r.number, counter: r.counter, at: r.at }));
  const averageWaitMs = s.waits.length === 0 ? null : Math.round(s.waits.reduce((a, b) => a + b, 0) / s.waits.length);
  return { services, counters, lastCalled, averageWaitMs };
}
