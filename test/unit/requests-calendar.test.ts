// The working-day calendar and the legal due dates (issue 6 "Deadlines"): Turkish official
// holidays with the movable bayrams from the table, weekends, half days, Istanbul time;
// Bilgi Edinme 15 working days (4982 s.11), petitions 30 days rolled to a working day.
import { describe, expect, it } from 'vitest';
import { istanbulDate, WorkingCalendar } from '../../firmware-ts/src/services/requests/calendar.js';
import { DEFAULT_BAYRAMS, DEFAULT_FIXED_HOLIDAYS } from '../../firmware-ts/src/services/requests/holidays-data.js';

const cal = new WorkingCalendar({ fixed: [...DEFAULT_FIXED_HOLIDAYS], bayrams: [...DEFAULT_BAYRAMS], extra: [] });
const DAYS = { bilgiEdinmeWorkingDays: 15, petitionDays: 30 };
/** 10:00 Istanbul time on a date. */
const at = (date: string, hhmm = '10:00') => Date.parse(`${date}T${hhmm}:00+03:00`);

describe('holidays', () => {
  it('has the 2026 bayrams as Diyanet gives them: Ramazan 20-22 March, Kurban 27-30 May, with half-day arifes', () => {
    expect(cal.kindOf('2026-03-19')).toEqual({ kind: 'half', name: 'Ramazan Bayramı arifesi' });
    for (const d of ['2026-03-20', '2026-03-21', '2026-03-22']) expect(cal.kindOf(d).kind).toBe('holiday');
    expect(cal.kindOf('2026-03-23').kind).toBe('working');
    expect(cal.kindOf('2026-05-26')).toEqual({ kind: 'half', name: 'Kurban Bayramı arifesi' });
    for (const d of ['2026-05-27', '2026-05-28', '2026-05-29', '2026-05-30']) expect(cal.kindOf(d).kind).toBe('holiday');
    expect(cal.kindOf('2026-05-31').kind).toBe('weekend');
  });

  it('has every year 2025-2030 with three Ramazan and four Kurban days', () => {
    for (let y = 2025; y <= 2030; y++) {
      expect(cal.covers(y)).toBe(true);
      const bs = DEFAULT_BAYRAMS.filter((b) => b.firstDay.startsWith(String(y)));
      expect(bs.map((b) => [b.name, b.days])).toEqual([
        ['Ramazan Bayramı', 3],
        ['Kurban Bayramı', 4],
      ]);
    }
    expect(cal.covers(2031)).toBe(false);
    // Spot checks against Diyanet's calendar.
    expect(cal.kindOf('2027-03-09').name).toBe('Ramazan Bayramı 1. gün');
    expect(cal.kindOf('2030-04-16').name).toBe('Kurban Bayramı 4. gün');
    expect(cal.kindOf('2028-05-04').kind).toBe('half');
  });

  it('has the fixed days, 28 October a half day', () => {
    for (const d of ['2026-01-01', '2026-04-23', '2026-05-01', '2026-05-19', '2026-07-15', '2026-10-29']) expect(cal.kindOf(d).kind).toBe('holiday');
    expect(cal.kindOf('2026-08-30').kind).toBe('holiday'); // a Sunday, still a holiday by name
    expect(cal.kindOf('2026-10-28')).toEqual({ kind: 'half', name: 'Cumhuriyet Bayramı arifesi' });
    expect(cal.isWorkingDay('2026-10-28')).toBe(true);
  });

  it('reads days in Istanbul time (+03:00)', () => {
    expect(istanbulDate(Date.parse('2026-03-19T21:30:00Z'))).toBe('2026-03-20');
    expect(istanbulDate(Date.parse('2026-03-19T20:59:59Z'))).toBe('2026-03-19');
  });

  it('takes extra days from the config', () => {
    const c = new WorkingCalendar({ fixed: [], bayrams: [], extra: [{ date: '2026-06-01', name: 'İdari izin' }] });
    expect(c.kindOf('2026-06-01')).toEqual({ kind: 'holiday', name: 'İdari izin' });
  });
});

describe('due dates', () => {
  it('Bilgi Edinme: 15 working days after the day of application', () => {
    // Monday 4 May 2026 -> counting from Tuesday 5 May; 19 May (Tuesday) is a holiday.
    const d = cal.dueDate('bilgi_edinme', at('2026-05-04'), DAYS);
    expect(d).toEqual({ date: '2026-05-26', rule: 'bilgi_edinme', days: 15, provisional: false });
  });

  it('Bilgi Edinme across the Ramazan Bayramı: the bayram days do not count, the arife (half day) does', () => {
    // Friday 13 March 2026: 16,17,18,19 (arife: 4) | 20-22 bayram | 23..27 (9), 30,31, 1,2,3 April (14), Monday 6 April (15).
    expect(cal.dueDate('bilgi_edinme', at('2026-03-13'), DAYS).date).toBe('2026-04-06');
  });

  it('an application taken on a Saturday counts from Monday', () => {
    expect(cal.dueDate('bilgi_edinme', at('2026-06-06'), DAYS).date).toBe(cal.addWorkingDays('2026-06-07', 15));
    expect(cal.dueDate('bilgi_edinme', at('2026-06-06'), DAYS).date).toBe('2026-06-26');
  });

  it('petition: 30 days, the last day moved off a weekend or holiday', () => {
    expect(cal.dueDate('petition', at('2026-06-01'), DAYS).date).toBe('2026-07-01');
    // 30 days from 28 April 2026 is Thursday 28 May, in the Kurban Bayramı: Monday 1 June.
    expect(cal.dueDate('petition', at('2026-04-28'), DAYS).date).toBe('2026-06-01');
  });

  it('none for types without a legal answer time', () => {
    expect(cal.dueDate('none', at('2026-06-01'), DAYS)).toEqual({ date: null, rule: 'none', days: 0, provisional: false });
  });

  it('is provisional when the count reaches a year the bayram table lacks', () => {
    expect(cal.dueDate('bilgi_edinme', at('2030-12-20'), DAYS).provisional).toBe(true);
    expect(cal.dueDate('bilgi_edinme', at('2030-06-02'), DAYS).provisional).toBe(false);
  });
});
