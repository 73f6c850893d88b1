// Kuruş in figures and the service day of a payment. Money is integer kuruş end to
// end (never a float); these only format it. Day and time are Istanbul's: Türkiye
// keeps UTC+03:00 all year since 2016, so a fixed offset is exact.

const ISTANBUL_OFFSET_MS = 3 * 3_600_000;

/** 123456 -> "1.234,56 TL" (Turkish grouping and decimal comma). */
export function formatKurus(kurus: number): string {
  const sign = kurus < 0 ? '-' : '';
  const a = Math.abs(kurus);
  const lira = Math.floor(a / 100)
    .toString()
    .replace(/\B(?=(\d{3})+(?!\d))/g, '.');
  return `${sign}${lira},${String(a % 100).padStart(2, '0')} TL`;
}

/** The Istanbul calendar day of an instant, "YYYY-MM-DD": the day a void must fall on. */
export function istanbulDay(ms: number): string {
  return new Date(ms + ISTANBUL_OFFSET_MS).toISOString().slice(0, 10);
}

/** "28.11.2026 14:32" in Istanbul time, as the receipt prints it. */
export function istanbulDateTime(ms: number): string {
  const iso = new Date(ms + ISTANBUL_OFFSET_MS).toISOString();
  return `${iso.slice(8, 10)}.${iso.slice(5, 7)}.${iso.slice(0, 4)} ${iso.slice(11, 16)}`;
}

/** The instant a "YYYY-MM-DD" Istanbul day starts, or NaN for a malformed day. */
export function istanbulDayStart(day: string): number {
  return /^\d{4}-\d{2}-\d{2}$/.test(day) ? Date.parse(`${day}T00:00:00+03:00`) : NaN;
}
