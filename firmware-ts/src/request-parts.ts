// Builds the requests service, the SMS sender and the photo files' retention from the
// config and the parts they use: the photo files beside the journal, the GNSS fix, the
// visit in progress, the receipt printer (`requests.receiptPrinter`, or the first printer)
// and the modem. Part of the composition root, like device-parts.ts and payment-parts.ts.
import { resolve } from 'node:path';
import type { Logger } from 'pino';
import { AttachmentFiles } from './adapters/attachment-files.js';
import { AttachmentRetention } from './adapters/attachment-retention.js';
import { ticketPrinterPort } from './adapters/queue-ports.js';
import { gnssPositionPort, hmacKeySource } from './adapters/requests-ports.js';
import { SmsSender } from './adapters/sms-sender.js';
import type { Config } from './config/schema.js';
import type { Devices } from './device-parts.js';
import { isRegistered } from './drivers/modem/status.js';
import type { Part } from './lifecycle.js';
import { partLogger } from './log/logger.js';
import type { Clock } from './platform/clock.js';
import { staffPayloadNeeded, toRequestsConfig } from './services/requests/options.js';
import type { CurrentVisit } from './services/requests/ports.js';
import { RequestsService } from './services/requests/requests-service.js';
import type { Store } from './store/store.js';

export interface RequestParts {
  service: RequestsService;
  /** Null without a modem: SMS then stay queued in the outbox until one is configured. */
  sms: SmsSender | null;
  /** Deletes photo files once every request naming them is purged (sync.retention). */
  photoRetention: AttachmentRetention;
}

/** A photo written less than this long ago is never swept: its request may still be committing. */
const PHOTO_GRACE_MS = 15 * 60_000;

export function buildRequests(config: Config, store: Store, devices: Devices, clock: Clock, log: Logger, visit?: CurrentVisit): RequestParts {
  const o = toRequestsConfig(config.requests);
  const rlog = partLogger(log, 'requests');
  const printer = (o.receiptPrinter === null ? devices.printers[0] : devices.printers.find((p) => p.name === o.receiptPrinter)) ?? null;
  const modem = devices.modem;
  const sms = modem
    ? new SmsSender(
        store,
        {
          canSend: () => {
            const s = modem.state();
            return s.connected && s.responsive && isRegistered(s.registration);
          },
          sendSms: (n, t) => modem.sendSms(n, t),
        },
        { maxAttempts: o.sms.maxAttempts, retryBaseMs: o.sms.retryBaseMs, retryMaxMs: o.sms.retryMaxMs, pollMs: o.sms.pollMs },
        partLogger(log, 'sms-sender'),
      )
    : null;
  const need = staffPayloadNeeded(o);
  if (config.broker.limits.staff.maxPayloadBytes < need) {
    rlog.warn(
      { maxPayloadBytes: config.broker.limits.staff.maxPayloadBytes, needed: need },
      'broker.limits.staff.maxPayloadBytes is below what requests.photos allows: a request with every photo at its largest gets PAYLOAD_TOO_LARGE',
    );
  }
  const files = new AttachmentFiles(resolve(config.dataDir, o.attachmentsDir), rlog);
  const photoRetention = new AttachmentRetention(files, store, { everyMinutes: config.sync.retention.everyMinutes, graceMs: PHOTO_GRACE_MS }, partLogger(log, 'attachment-retention'));
  const service = new RequestsService(o, {
    attachments: files,
    hmacKey: hmacKeySource(o.kvkk.hmacKey, resolve(config.dataDir, 'requests-hmac.key')),
    clock,
    vehicle: { id: config.vehicle.id, name: config.vehicle.name },
    position: gnssPositionPort(devices.gnss),
    ...(visit ? { visit } : {}),
    printer: printer && ticketPrinterPort(printer),
    smsQueued: () => sms?.kick(),
    log: rlog,
  });
  return { service, sms, photoRetention };
}

/** The parts in start order: the sender after the modem, which gateway.ts starts with the devices. */
export function requestParts(r: RequestParts): Part[] {
  return [...(r.sms ? [r.sms] : []), r.photoRetention];
}
