// The control API's routes: `METHOD /v1/...` -> handler. Read-only views are GETs;
// anything that touches a device or HQ is a POST, so a stray curl cannot chime.
import { StoreError } from '../store/errors.js';
import * as act from './device-actions.js';
import { streamExport } from './export.js';
import { ControlError, notConfigured, STREAMED, type ControlRequest, type Handler } from './http.js';
import { deviceViews, statusModel } from './model.js';
import { outboxView, syncNow, syncView } from './outbox-view.js';
import type { ControlSources } from './sources.js';

/** Store reads answer 503 while the journal cannot be opened, like commands do. */
function fromStore<T>(read: () => T): T {
  try {
    return read();
  } catch (e) {
    if (e instanceof StoreError) throw new ControlError(503, e.code, e.message);
    throw e;
  }
}

function parseSince(q: URLSearchParams): Date {
  const s = q.get('since');
  const d = s === null ? null : new Date(s);
  if (d === null || Number.isNaN(d.getTime())) throw new ControlError(400, 'BAD_REQUEST', 'since: an ISO date-time is required, e.g. 2025-03-01T00:00:00+03:00');
  return d;
}

export function controlRoutes(src: ControlSources): (route: string) => Handler | undefined {
  const table: Record<string, Handler> = {
    'GET /v1/status': () => statusModel(src),
    'GET /v1/devices': () => deviceViews(src),
    'GET /v1/modem': () => act.modemStatus(src),
    'POST /v1/modem/at': (r: ControlRequest) => act.modemAt(src, r),
    'POST /v1/modem/sms-test': (r: ControlRequest) => act.smsTest(src, r),
    'POST /v1/print/test': (r: ControlRequest) => act.printTest(src, r),
    'POST /v1/display/test': (r: ControlRequest) => act.displayTest(src, r),
    'POST /v1/chime': () => act.chime(src),
    'GET /v1/terminal': (r: ControlRequest) => act.terminalStatus(src, r),
    'GET /v1/queue': () => src.queue.snapshot(),
    'GET /v1/outbox': () => fromStore(() => outboxView(src)),
    'GET /v1/sync': () => ({ sync: syncView(src), outbox: fromStore(() => outboxView(src)) }),
    'POST /v1/sync/now': async () => {
      // Only push can be hurried: pull waits for HQ to ask.
      if (!src.config.sync.push?.enabled || !(await syncNow(src))) throw notConfigured('push to HQ', 'sync.push');
      return { requested: true, sync: syncView(src), outbox: fromStore(() => outboxView(src)) };
    },
    'GET /v1/export': async (r: ControlRequest) => {
      const since = parseSince(r.query);
      // Checked before the first byte: once streaming, an error can only cut the stream.
      const journal = fromStore(() => src.store.journal);
      await streamExport(r.res, journal, src.config.vehicle.id, since, r.signal);
      return STREAMED;
    },
  };
  return (route) => (Object.hasOwn(table, route) ? table[route] : undefined);
}
