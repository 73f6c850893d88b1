// vim/cmd/requests/*: requests and complaints (issue 6). `create` takes one from a citizen
// through staff's tablet; `get` reads one back by its tracking number; `reprint` prints its
// receipt again, marked as a copy.
//
// `create` is an async command (command.ts): its photos must be on disk, fsynced, before
// the transaction that records their hashes, and that file I/O must not run inside the
// group commit every other command shares. So it checks everything first (a refusal
// writes nothing), writes the photos (content-addressed: a retry or a crash leaves at most
// an orphan file), then in ONE group-committed transaction draws the tracking number from
// the day's sequence, journals the record, queues the SMS and stores the answer under the
// command id. A number is therefore committed with its record, its SMS and its answer, or
// none of them exist; a retry after a crash finds the answer like any other command's.
// The receipt and the SMS sender's wake-up follow the commit (RequestsService.committed).
import type { Static } from '@sinclair/typebox';
import type { RequestsService } from '../../services/requests/requests-service.js';
import { RequestError } from '../../services/requests/errors.js';
import { toRequestsConfig } from '../../services/requests/options.js';
import { istanbulDate } from '../../services/requests/calendar.js';
import { buildRecord, REQUEST_RECORD_TYPE, requestView, type RequestRecord } from '../../services/requests/record.js';
import { formatTrackingNumber, parseTrackingNumber, sequenceName } from '../../services/requests/tracking.js';
import { uuidv7 } from '../../platform/ids.js';
import type { Store, Tx } from '../../store/store.js';
import { defineAsyncCommand, defineCommand, topicOf, type CommandContext, type CommandDefinition } from '../command.js';
import { ApiError, type Answer } from '../errors.js';
import * as S from './requests-schemas.js';
import { REQUEST_EXAMPLES } from './requests-examples.js';

export { RequestsCreateResult, RequestsGetResult, RequestsReprintResult } from './requests-schemas.js';

function apiError(e: unknown): unknown {
  if (e instanceof RequestError) return new ApiError(e.code, e.message, e.details);
  const code = (e as NodeJS.ErrnoException).code;
  // DESIGN.md "Store": a request that cannot be written is refused with STORE_FULL and an alarm.
  if (code === 'ENOSPC' || code === 'EDQUOT') return new ApiError('STORE_FULL', 'photos: no space left on the data disk', { field: 'photos' });
  if (code === 'EROFS' || code === 'EIO' || code === 'EACCES' || code === 'EPERM') return new ApiError('STORE_UNAVAILABLE', `photos: cannot be written (${code})`, { field: 'photos' });
  return e;
}

function createReply(r: RequestRecord, recordId: string, service: RequestsService): Static<typeof S.RequestsCreateResult> {
  const printer = service.printerStatus();
  return {
    trackingNumber: r.trackingNumber,
    recordId,
    receivedAt: r.receivedAt,
    clock: r.clock,
    dueDate: r.due.date,
    deadline: { rule: r.due.rule, days: r.due.days, provisional: r.due.provisional },
    position: r.position.fix,
    visitId: r.visit?.visitId ?? null,
    photos: r.photos.length,
    receipt: { status: !r.receipt ? 'not-requested' : printer ? 'printing' : 'no-printer', printer },
    sms: r.sms ? 'queued' : 'not-requested',
  };
}

/**
 * The requests commands. Without a service (the AsyncAPI generator, the tablet client's
 * catalog) the definitions carry the default limits and refuse to run.
 */
export function requestsCommands(svc: RequestsService | null): CommandDefinition[] {
  const limits = svc?.config ?? toRequestsConfig();
  const need = (): RequestsService => {
    if (!svc) throw new ApiError('STORE_UNAVAILABLE', 'the requests service is not running');
    return svc;
  };
  const CreatePayload = S.requestsCreatePayload({ subjectMaxChars: limits.subjectMaxChars, descriptionMaxChars: limits.descriptionMaxChars, photoMaxCount: limits.photos.maxCount });
  const createTopic = topicOf({ service: 'requests', action: 'create' });

  async function create(ctx: CommandContext, args: Static<typeof CreatePayload>, store: Store) {
    const service = need();
    let intake;
    try {
      intake = service.intake(args);
      await service.storePhotos(intake.photos);
    } catch (e) {
      throw apiError(e);
    }
    const tckn = service.protectTckn(intake.citizen.tckn);
    const position = service.position();
    const visit = service.visit();
    // The hash the command path files the answer under (computed once there: over a megabyte
    // of photos it is not cheap), so the answer is stored in this transaction; the path's own
    // later store then finds it and adds nothing.
    const hash = ctx.payloadHash;
    const user = ctx.client.username;
    const out = await store.transact((tx): { record: RequestRecord | null; result: unknown } => {
      const seen = tx.idempotency.lookup(ctx.commandId, user, hash);
      if (seen.kind === 'replay') return { record: null, result: (seen.answer as Answer & { ok: true }).result };
      if (seen.kind === 'conflict') throw new ApiError('CONFLICT', `id: ${ctx.commandId} was already used for a different command`, { field: 'id', firstTopic: seen.firstTopic });
      const now = service.now();
      const day = istanbulDate(now.getTime());
      const trackingNumber = formatTrackingNumber(service.vehicleId, day, tx.sequences.next(sequenceName(day)));
      const record = buildRecord(intake, {
        trackingNumber,
        vehicle: service.vehicleId,
        staff: user,
        visit,
        position,
        receivedAt: now,
        clock: service.clockQuality(),
        due: service.dueDate(intake.type.rule, now.getTime()),
        tckn,
      });
      const rec = tx.journal.append({ type: REQUEST_RECORD_TYPE, class: 'requests', payload: record, commandId: ctx.commandId, actor: user });
      if (record.sms && record.citizen.phone) {
        tx.sms.enqueue({ id: uuidv7(now.getTime()), to: record.citizen.phone, text: service.smsText(record), ref: trackingNumber, createdAt: now.toISOString() });
      }
      const result = createReply(record, rec.id, service);
      tx.idempotency.remember(ctx.commandId, user, createTopic, hash, { id: ctx.commandId, ok: true, result });
      return { record, result };
    });
    if (out.record) service.committed(out.record);
    return out.result;
  }

  return [
    defineAsyncCommand({
      service: 'requests',
      action: 'create',
      summary: 'Take a request or complaint: stamped with vehicle, staff, visit, GNSS fix and time; tracking number, legal due date, receipt and optional SMS',
      roles: ['staff'],
      payload: CreatePayload,
      result: S.RequestsCreateResult,
      examples: REQUEST_EXAMPLES.create,
      run: create,
    }),
    defineCommand({
      service: 'requests',
      action: 'get',
      summary: 'A request by its tracking number (TC Kimlik No and phone masked)',
      roles: ['staff', 'maintenance'],
      payload: S.RequestsGet,
      result: S.RequestsGetResult,
      examples: REQUEST_EXAMPLES.get,
      handle(_ctx, args: Static<typeof S.RequestsGet>, tx) {
        const found = findRequest(tx, need().vehicleId, args.trackingNumber);
        return requestView(found.record, found.recordId);
      },
    }),
    defineCommand({
      service: 'requests',
      action: 'reprint',
      summary: "Print a request's receipt again, marked as a copy (the citizen lost it, the paper ran out)",
      roles: ['staff'],
      payload: S.RequestsReprint,
      result: S.RequestsReprintResult,
      examples: REQUEST_EXAMPLES.reprint,
      // Journaled (who printed a citizen's receipt again, and when) in the command's own
      // transaction, with its answer, so a retry of the same id is answered from the table
      // and prints nothing more; the copy goes to the printer's durable queue after the commit.
      handle(ctx, args: Static<typeof S.RequestsReprint>, tx) {
        const service = need();
        const { record } = findRequest(tx, service.vehicleId, args.trackingNumber);
        const printer = service.printerStatus();
        if (!printer) throw new ApiError('NO_PRINTER', 'no receipt printer is configured (requests.receiptPrinter, devices.printers)', {});
        tx.journal.append({ type: REPRINT_RECORD_TYPE, class: 'requests', payload: { trackingNumber: record.trackingNumber }, commandId: ctx.commandId, actor: ctx.client.username });
        toReprint.set(ctx, record);
        return { trackingNumber: record.trackingNumber, printer };
      },
      afterCommit(ctx) {
        const record = toReprint.get(ctx);
        toReprint.delete(ctx);
        if (record) need().reprinted(record);
      },
    }),
  ];
}

/** The audit record of a receipt printed again. */
export const REPRINT_RECORD_TYPE = 'requests.receipt.reprint';

/** The record a reprint found, from its transaction to its afterCommit (same context object). */
const toReprint = new WeakMap<CommandContext, RequestRecord>();

/** The request with this tracking number in this vehicle's journal, or UNKNOWN_REQUEST. */
function findRequest(tx: Tx, vehicleId: string, trackingNumber: string): { record: RequestRecord; recordId: string } {
  const unknown = () => new ApiError('UNKNOWN_REQUEST', `trackingNumber: no request ${JSON.stringify(trackingNumber.slice(0, 48))} in this vehicle's journal`, { field: 'trackingNumber' });
  const parts = parseTrackingNumber(trackingNumber);
  if (!parts || parts.vehicle !== vehicleId) throw unknown();
  const tn = formatTrackingNumber(parts.vehicle, parts.day, parts.seq);
  // The number's day is the Istanbul day of the record's own clock reading, so the record's
  // created_at lies within a day of it whatever that clock said.
  const start = Date.parse(`${parts.day.slice(0, 4)}-${parts.day.slice(4, 6)}-${parts.day.slice(6)}T00:00:00Z`);
  for (const r of tx.journal.ofClass('requests', new Date(start - 86_400_000), new Date(start + 2 * 86_400_000))) {
    const p = r.payload as RequestRecord;
    if (r.type === REQUEST_RECORD_TYPE && p.trackingNumber === tn) return { record: p, recordId: r.id };
  }
  throw unknown();
}
