// The working-day calendar and the legal due dates of requests, in Istanbul time (a fixed
// +03:00, as services/queue/numbering.ts explains: Turkey has kept UTC+3 all year since 2016).
//
// A working day is Monday to Friday and not a full holiday. A half day (28 October and each
// bayram's arife: holiday from 13:00, Law 2429) is a working day: offices are open that morning.
//
// Due dates (the day by the end of which the answer is owed):
// - Bilgi Edinme: 15 working days (Law 4982 s.11). Counting starts on the day after the
//   application (the day of the event is not counted: İYUK 2577 s.8(1), HMK s.92(1)), so the
//   due date is the 15th working day after it. (s.11's extension to 30 working days, when
//   another unit or body must be asked, is HQ's decision, notified to the citizen.)
// - Petitions: "en geç otuz gün içinde" (Law 3071 s.7, Dilekçe Hakkının Kullanılmasına Dair
//   Kanun): 30 calendar days from the day after the application. If the last day is not a
//   working day, the time ends on the next working day (İYUK 2577 s.8(3), "Sürenin son günü
//   tatil gününe rastlarsa, süre tatili izleyen ilk iş günü biter", the rule administrative
//   practice follows). This is our reading; HQ can recompute from the record's receivedAt.
// A due date counted through a year the bayram table does not cover is marked provisional.
import { ISTANBUL_OFFSET_MIN } from '../queue/numbering.js';
import type { HolidayTable } from './holidays-data.js';

export type DayKind = 'working' | 'half' | 'holiday' | 'weekend';
export type DeadlineRule = 'bilgi_edinme' | 'petition' | 'none';

export interface DueDate {
  /** "YYYY-MM-DD", Istanbul; null for a type without a legal answer time. */
  date: string | null;
  rule: DeadlineRule;
  /** Working days (bilgi_edinme) or calendar days (petition); 0 for none. */
  days: number;
  /** The count crossed a year missing from the bayram table: check the date by hand. */
  provisional: boolean;
}

const DAY_MS = 86_400_000;

/** "YYYY-MM-DD" of an instant in Istanbul time. */
export function istanbulDate(ms: number): string {
  return new Date(ms + ISTANBUL_OFFSET_MIN * 60_000).toISOString().slice(0, 10);
}

/** Days since 1970-01-01 of a valid "YYYY-MM-DD", or NaN. */
export function dayNumber(date: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  if (!m) return NaN;
  const t = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  // Date.UTC rolls 2026-02-30 over to March: a real date reads back the same.
  return new Date(t).toISOString().slice(0, 10) === date ? t / DAY_MS : NaN;
}

export function dateOf(day: number): string {
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}

export function addDays(date: string, n: number): string {
  return dateOf(dayNumber(date) + n);
}

export class WorkingCalendar {
  private readonly special = new Map<string, { kind: 'holiday' | 'half'; name: string }>();
  private readonly fixed = new Map<string, { kind: 'holiday' | 'half'; name: string }>();
  private readonly coveredYears = new Set<number>();

  constructor(table: HolidayTable) {
    for (const f of table.fixed) this.fixed.set(f.monthDay, { kind: f.half ? 'half' : 'holiday', name: f.name });
    for (const b of table.bayrams) {
      const first = dayNumber(b.firstDay);
      if (Number.isNaN(first)) throw new RangeError(`bayram ${b.name}: firstDay "${b.firstDay}" is not a date`);
      this.coveredYears.add(Number(b.firstDay.slice(0, 4)));
      this.mark(dateOf(first - 1), 'half', `${b.name} arifesi`);
      for (let i = 0; i < b.days; i++) this.mark(dateOf(first + i), 'holiday', `${b.name} ${i + 1}. gün`);
    }
    for (const e of table.extra) this.mark(e.date, e.half ? 'half' : 'holiday', e.name);
  }

  /** A full holiday wins over a half day falling on the same date. */
  private mark(date: string, kind: 'holiday' | 'half', name: string): void {
    const prev = this.special.get(date);
    if (prev?.kind === 'holiday' && kind === 'half') return;
    this.special.set(date, { kind, name });
  }

  kindOf(date: string): { kind: DayKind; name: string | null } {
    const s = this.special.get(date) ?? this.fixed.get(date.slice(5));
    if (s?.kind === 'holiday') return s;
    const weekday = new Date(dayNumber(date) * DAY_MS).getUTCDay();
    if (weekday === 0 || weekday === 6) return { kind: 'weekend', name: null };
    return s ?? { kind: 'working', name: null };
  }

  isWorkingDay(date: string): boolean {
    const k = this.kindOf(date).kind;
    return k === 'working' || k === 'half';
  }

  /** Whether the movable bayrams of `year` are in the table. */
  covers(year: number): boolean {
    return this.coveredYears.has(year);
  }

  /** The n-th working day after `date` (n >= 1). */
  addWorkingDays(date: string, n: number): string {
    let d = dayNumber(date);
    for (let left = n; left > 0; ) {
      d++;
      if (this.isWorkingDay(dateOf(d))) left--;
    }
    return dateOf(d);
  }

  /** `date` when it is a working day, else the next working day. */
  nextWorkingDay(date: string): string {
    let d = dayNumber(date);
    while (!this.isWorkingDay(dateOf(d))) d++;
    return dateOf(d);
  }

  dueDate(rule: DeadlineRule, receivedAtMs: number, days: { bilgiEdinmeWorkingDays: number; petitionDays: number }): DueDate {
    const start = istanbulDate(receivedAtMs);
    let date: string | null = null;
    let n = 0;
    if (rule === 'bilgi_edinme') {
      n = days.bilgiEdinmeWorkingDays;
      date = this.addWorkingDays(start, n);
    } else if (rule === 'petition') {
      n = days.petitionDays;
      date = this.nextWorkingDay(addDays(start, n));
    }
    let provisional = false;
    if (date !== null) for (let y = Number(start.slice(0, 4)); y <= Number(date.slice(0, 4)); y++) provisional ||= !this.covers(y);
    return { date, rule, days: n, provisional };
  }
}
