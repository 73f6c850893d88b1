// Priority under the Turkish public-service rule (elderly 65+, disabled, pregnant, veterans,
// martyrs' relatives). Only the class name is kept on a ticket, never why it applies (KVKK).
import { QueueError } from './errors.js';
import type { Ticket } from './ticket.js';

export interface PriorityClass {
  weight: number; // higher is called first among priority tickets
  label: string; // Turkish, for the tablet and the printed ticket
}

export interface PriorityPolicy {
  classes: Readonly<Record<string, PriorityClass>>;
  /** After this many priority calls in a row at one counter, the next call takes the oldest normal ticket. */
  maxConsecutive: number;
}

// The rule names the groups but sets no order among them, so the defaults weigh them equally;
// a municipality that wants an order sets weights in config.
export const DEFAULT_PRIORITY_CLASSES: Readonly<Record<string, PriorityClass>> = {
  elderly: { weight: 1, label: '65 yaş ve üstü' },
  disabled: { weight: 1, label: 'Engelli' },
  pregnant: { weight: 1, label: 'Hamile' },
  veteran: { weight: 1, label: 'Gazi' },
  martyr_relative: { weight: 1, label: 'Şehit yakını' },
};

export const DEFAULT_MAX_CONSECUTIVE = 3;

export function makePolicy(cfg: Partial<PriorityPolicy> = {}): PriorityPolicy {
  const classes = cfg.classes ?? DEFAULT_PRIORITY_CLASSES;
  for (const [name, c] of Object.entries(classes)) {
    if (!(Number.isFinite(c.weight) && c.weight > 0)) {
      throw new QueueError('INVALID_CONFIG', `queue.priority.classes.${name}.weight must be a positive number`, { class: name });
    }
  }
  const maxConsecutive = cfg.maxConsecutive ?? DEFAULT_MAX_CONSECUTIVE;
  if (!(Number.isInteger(maxConsecutive) && maxConsecutive >= 1)) {
    throw new QueueError('INVALID_CONFIG', 'queue.priority.maxConsecutive must be an integer >= 1', { maxConsecutive });
  }
  return { classes, maxConsecutive };
}

/** Validates a requested class: null/undefined means a normal ticket. */
export function checkPriority(policy: PriorityPolicy, cls: string | null | undefined): string | null {
  if (cls === null || cls === undefined) return null;
  // hasOwn, so "toString" or "__proto__" is not mistaken for a class.
  if (!Object.hasOwn(policy.classes, cls)) {
    throw new QueueError('UNKNOWN_PRIORITY', `unknown priority class "${cls}"; known: ${Object.keys(policy.classes).join(', ')}`, { priority: cls });
  }
  return cls;
}

function weightOf(policy: PriorityPolicy, t: Ticket): number {
  if (t.priority === null) return 0;
  // A class removed from config after a ticket was taken still counts as priority.
  return Object.hasOwn(policy.classes, t.priority) ? (policy.classes[t.priority]?.weight ?? 1) : 1;
}

/**
 * Chooses the next ticket among `waiting` (already limited to the counter's services):
 * highest weight first, oldest first within a weight; but once `streak` priority calls
 * happened in a row, the oldest normal ticket goes first so normal tickets never starve.
 */
export function pickNext(waiting: readonly Ticket[], streak: number, policy: PriorityPolicy): Ticket | undefined {
  const oldestFirst = [...waiting].sort((a, b) => a.order - b.order);
  const oldestNormal = oldestFirst.find((t) => t.priority === null);
  if (streak >= policy.maxConsecutive && oldestNormal) return oldestNormal;
  let best: Ticket | undefined;
  for (const t of oldestFirst) {
    if (!best || weightOf(policy, t) > weightOf(policy, best)) best = t;
  }
  return best;
}

/** The counter's run of consecutive priority calls after calling `t`. */
export function nextStreak(streak: number, t: Ticket): number {
  return t.priority === null ? 0 : streak + 1;
}
