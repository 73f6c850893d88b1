// Tracking numbers: `VIM-<vehicle>-<yyyymmdd>-<seq>`, e.g. VIM-VIM-01-20260528-0007.
// Unique across the fleet because the vehicle id is (config `vehicle.id`, fleet-unique) and
// the sequence is per vehicle and Istanbul day. The sequence lives in the store's `sequences`
// table (name `requests:<yyyymmdd>`) and advances in the transaction that journals the
// request, so a number is committed with its record or never existed: a crash between
// assigning and committing rolls both back. A clock set back to a day already used
// continues that day's sequence instead of starting again at 1.
// The vehicle id is kept whole (not stripped of a "VIM-" prefix): "VIM-01" and "01" are
// both valid ids and must not give the same numbers.

export interface TrackingParts {
  vehicle: string;
  /** "YYYYMMDD" */
  day: string;
  seq: number;
}

/** The sequence name for a day ("YYYY-MM-DD" or "YYYYMMDD"). */
export function sequenceName(day: string): string {
  return `requests:${day.replace(/-/g, '')}`;
}

/** Four digits, growing past 9999 rather than wrapping (a wrap would repeat a number). */
export function formatTrackingNumber(vehicle: string, day: string, seq: number): string {
  return `VIM-${vehicle}-${day.replace(/-/g, '')}-${String(seq).padStart(4, '0')}`;
}

/** Parses a tracking number; null when it is not one. Vehicle ids may contain dashes, so it reads from the right. */
export function parseTrackingNumber(s: string): TrackingParts | null {
  const m = /^VIM-([A-Z0-9-]{2,16})-(\d{8})-(\d{4,})$/.exec(s.trim().toUpperCase());
  if (!m) return null;
  const day = m[2]!;
  const iso = `${day.slice(0, 4)}-${day.slice(4, 6)}-${day.slice(6)}`;
  const t = Date.parse(`${iso}T00:00:00Z`);
  if (Number.isNaN(t) || new Date(t).toISOString().slice(0, 10) !== iso) return null;
  const seq = Number(m[3]);
  return seq >= 1 && Number.isSafeInteger(seq) ? { vehicle: m[1]!, day, seq } : null;
}
