// Ticket numbers: one sequence per service and service day (A001, A002, ...).
// The service day is computed from UTC with a fixed +03:00 offset: Turkey has kept
// UTC+3 all year since 2016, so no tz database is needed on the Pi (and none can drift).
import { QueueError } from './errors.js';

export const ISTANBUL_OFFSET_MIN = 180;

/** Parses "HH:MM" (the configured daily reset point, Istanbul time) into minutes after midnight. */
export function parseResetAt(resetAt: string): number {
  const m = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(resetAt);
  if (!m) throw new QueueError('INVALID_CONFIG', `queue.resetAt must be HH:MM (00:00-23:59), got "${resetAt}"`, { resetAt });
  return Number(m[1]) * 60 + Number(m[2]);
}

/**
 * The service day a UTC instant belongs to, as YYYY-MM-DD. With resetAt "06:00",
 * 05:59 Istanbul time still counts as the previous day (a late evening stop keeps its numbers).
 */
export function serviceDay(nowMs: number, resetAtMin = 0, offsetMin = ISTANBUL_OFFSET_MIN): string {
  const shifted = new Date(nowMs + (offsetMin - resetAtMin) * 60_000);
  return shifted.toISOString().slice(0, 10);
}

/** The hour of day (0-23) in Istanbul time, for "served per hour". */
export function istanbulHour(nowMs: number, offsetMin = ISTANBUL_OFFSET_MIN): number {
  return new Date(nowMs + offsetMin * 60_000).getUTCHours();
}

/** A + 3 digits; past 999 the number simply grows to 4 digits (A1000) rather than repeating A000. */
export function formatNumber(letter: string, seq: number): string {
  return `${letter}${String(seq).padStart(3, '0')}`;
}

export interface NumberingState {
  day: string;
  last: number;
}

/** The next sequence number for a service at `nowMs`, given its last issued number (if any). */
export function nextNumber(prev: NumberingState | undefined, letter: string, nowMs: number, resetAtMin = 0): { day: string; seq: number; number: string } {
  const day = serviceDay(nowMs, resetAtMin);
  const seq = prev && prev.day === day ? prev.last + 1 : 1;
  return { day, seq, number: formatNumber(letter, seq) };
}
