// Request path -> route, with the path parameters validated here once, so the server
// only ever sees a well-formed ticket id. Pure: no I/O, easy to test.

export type Route =
  | { kind: 'board' }
  | { kind: 'ticketPage'; id: string }
  | { kind: 'apiQueue' }
  | { kind: 'apiTicket'; id: string }
  | { kind: 'events' }
  | { kind: 'healthz' }
  | { kind: 'asset'; name: string };

export type RouteResult =
  | { ok: true; route: Route }
  | { ok: false; status: 400; field: 'day' | 'number'; message: string }
  | { ok: false; status: 404 };

/** Static files the pages load; anything else under /static/ is a 404. */
export const ASSETS = ['board.css', 'board.js', 'common.css', 'live.js', 'ticket.css', 'ticket.js', 'favicon.svg'] as const;

const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;
// A service letter (any upper-case letter: Ç, Ş, Ü, ... are valid letters) and at least 3
// digits (numbering.ts grows to A1000 past A999); 6 digits is more than a day can issue.
const NUMBER = /^\p{Lu}\d{3,6}$/u;

function validDay(s: string): boolean {
  const m = DAY.exec(s);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const date = new Date(Date.UTC(y, mo - 1, d));
  // Rejects 2026-02-30, which Date would silently roll over into March.
  return date.getUTCFullYear() === y && date.getUTCMonth() === mo - 1 && date.getUTCDate() === d;
}

function decode(s: string): string | null {
  try {
    return decodeURIComponent(s);
  } catch {
    return null;
  }
}

/** day/number from the two path segments, or the 400 naming the bad one. */
function ticketId(daySeg: string, numberSeg: string): { id: string } | { field: 'day' | 'number'; message: string } {
  const day = decode(daySeg);
  if (day === null || !validDay(day)) return { field: 'day', message: 'day must be a date as YYYY-MM-DD, e.g. 2026-11-29' };
  const number = decode(numberSeg);
  if (number === null || !NUMBER.test(number)) return { field: 'number', message: 'number must be a ticket number: a capital letter and 3-6 digits, e.g. A001' };
  return { id: `${day}/${number}` };
}

export function route(pathname: string): RouteResult {
  switch (pathname) {
    case '/':
      return { ok: true, route: { kind: 'board' } };
    case '/api/queue':
      return { ok: true, route: { kind: 'apiQueue' } };
    case '/events':
      return { ok: true, route: { kind: 'events' } };
    case '/healthz':
      return { ok: true, route: { kind: 'healthz' } };
  }
  const asset = /^\/static\/([^/]+)$/.exec(pathname);
  if (asset) {
    const name = asset[1]!;
    return (ASSETS as readonly string[]).includes(name) ? { ok: true, route: { kind: 'asset', name } } : { ok: false, status: 404 };
  }
  const t = /^\/(t|api\/ticket)\/([^/]+)\/([^/]+)$/.exec(pathname);
  if (t) {
    const r = ticketId(t[2]!, t[3]!);
    if ('field' in r) return { ok: false, status: 400, field: r.field, message: r.message };
    return { ok: true, route: t[1] === 't' ? { kind: 'ticketPage', id: r.id } : { kind: 'apiTicket', id: r.id } };
  }
  return { ok: false, status: 404 };
}
