// The day plan: the stops the van means to make, each with its neighbourhood (mahalle),
// place, centre, radius and planned window. One TypeBox schema serves the config's default
// plan (`visits.plan`) and vim/cmd/visits/set-plan (DESIGN.md: "validation once (schemas)");
// `planErrors` adds the rules a schema cannot say (unique ids, from before to), with
// the same path-prefixed messages the validator gives (`stops[2].window.to: ...`).
import { Type, type Static } from '@sinclair/typebox';
import { Strict } from '../../schema/types.js';
import type { FieldError } from '../../schema/validator.js';

/** Turkey has kept UTC+3 all year since 2016 (services/queue/numbering.ts does the same): no tz database needed. */
export const ISTANBUL_OFFSET_MS = 3 * 3_600_000;

const HHMM = '([01]\\d|2[0-3]):[0-5]\\d';
const ISO = '\\d{4}-\\d{2}-\\d{2}T([01]\\d|2[0-3]):[0-5]\\d(:[0-5]\\d(\\.\\d{1,3})?)?(Z|[+-]\\d{2}:\\d{2})';
const WindowTime = Type.String({
  pattern: `^(${HHMM}|${ISO})$`,
  description: 'HH:MM Istanbul time on the plan\'s day, or an ISO 8601 date-time with its offset ("2026-05-08T11:30:00+03:00")',
});

export const StopSchema = Strict(
  {
    id: Type.String({ pattern: '^[A-Za-z0-9_.-]{1,40}$', description: 'Stop id, unique in the plan; visits name it' }),
    neighbourhood: Type.String({ minLength: 1, maxLength: 80, description: 'Mahalle (or village), e.g. "Cuma Mahallesi"' }),
    name: Type.String({ minLength: 1, maxLength: 80, description: 'Place name, e.g. "Köy meydanı"' }),
    lat: Type.Number({ minimum: -90, maximum: 90, description: 'Centre, decimal degrees, south negative' }),
    lon: Type.Number({ minimum: -180, maximum: 180, description: 'Centre, decimal degrees, west negative' }),
    radiusM: Type.Number({ minimum: 20, maximum: 2000, description: 'The van is at the stop within this many metres of the centre' }),
    window: Type.Optional(
      Strict(
        { from: WindowTime, to: WindowTime },
        { description: 'Planned time at the stop; a stop not visited by `to` counts as skipped' },
      ),
    ),
  },
  { description: 'A planned stop' },
);
export type Stop = Static<typeof StopSchema>;

/** A list of stops (a day's plan), in the planned order. */
export const StopsSchema = (description: string) => Type.Array(StopSchema, { maxItems: 200, description });

/** The Istanbul calendar day (YYYY-MM-DD) of a UTC instant. */
export function istanbulDay(ms: number): string {
  return new Date(ms + ISTANBUL_OFFSET_MS).toISOString().slice(0, 10);
}

/** A window time as Unix ms: HH:MM counts on `day` (Istanbul), an ISO time stands for itself; NaN if not a real date. */
export function windowTimeMs(t: string, day: string): number {
  if (/^\d\d:\d\d$/.test(t)) return Date.parse(`${day}T${t}:00+03:00`);
  // V8's Date.parse rolls "02-30" over into March; a calendar date must read back as itself.
  const [y, m, d] = t.slice(0, 10).split('-').map(Number) as [number, number, number];
  if (new Date(Date.UTC(y, m - 1, d)).toISOString().slice(0, 10) !== t.slice(0, 10)) return NaN;
  return Date.parse(t);
}

export function resolveWindow(stop: Stop, day: string): { fromMs: number; toMs: number } | null {
  if (!stop.window) return null;
  return { fromMs: windowTimeMs(stop.window.from, day), toMs: windowTimeMs(stop.window.to, day) };
}

/**
 * Rules across fields, for stops the schema already accepted: ids unique, every window's
 * `from` before its `to` and both real times (the pattern lets "2026-02-30T..." through).
 * `prefix` is where the list sits ("stops" in a command, "visits.plan" in the config).
 */
export function planErrors(stops: readonly Stop[], prefix: string, day: string): FieldError[] {
  const errors: FieldError[] = [];
  const ids = new Map<string, number>();
  stops.forEach((s, i) => {
    const at = `${prefix}[${i}]`;
    const first = ids.get(s.id);
    if (first !== undefined) errors.push({ path: `${at}.id`, message: `"${s.id}" is used twice (also ${prefix}[${first}].id)` });
    else ids.set(s.id, i);
    const w = resolveWindow(s, day);
    if (!w || !s.window) return;
    if (Number.isNaN(w.fromMs)) errors.push({ path: `${at}.window.from`, message: `"${s.window.from}" is not a real time` });
    else if (Number.isNaN(w.toMs)) errors.push({ path: `${at}.window.to`, message: `"${s.window.to}" is not a real time` });
    else if (w.fromMs >= w.toMs) errors.push({ path: `${at}.window.to`, message: `must be later than window.from (${s.window.from})` });
  });
  return errors;
}
