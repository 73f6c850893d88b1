// The requests service as a part: the catalog, the calendar and the keys, the ports it
// stamps records with (position, visit) and the devices it uses once a request is durable
// (receipt printer, SMS sender). The command layer (api/commands/requests.ts) runs the
// transaction; everything here is either pure or behind a port.
import type { Logger } from 'pino';
import { HealthTracker, type Health, type Part } from '../../lifecycle.js';
import type { Clock, ClockQuality } from '../../platform/clock.js';
import type { Photo } from './attachments.js';
import { WorkingCalendar, type DueDate } from './calendar.js';
import { RequestError } from './errors.js';
import { checkIntake, type CreateArgs, type Intake } from './intake.js';
import { encryptTckn, keyId, tcknHmac, type ProtectedTckn } from './kvkk-crypto.js';
import { maskTckn } from '../identity/tckn.js';
import { toRequestsConfig, type RequestsConfig } from './options.js';
import type { AttachmentStore, CurrentVisit, PositionPort, ReceiptPrinter, ReceiptPrinterStatus, RequestPosition } from './ports.js';
import { COPY_NOTE, receiptDocument } from './receipt.js';
import type { RequestRecord } from './record.js';
import { renderSmsText, trDate } from './sms-text.js';

/** Where the HMAC key comes from: config (fleet-wide) or a key kept in dataDir (this van only). */
export interface HmacKeySource {
  load(): Promise<{ key: Buffer; origin: 'config' | 'local' }>;
}

export interface RequestsDeps {
  attachments: AttachmentStore;
  hmacKey: HmacKeySource;
  clock: Clock;
  vehicle: { id: string; name: string };
  position?: PositionPort;
  visit?: CurrentVisit;
  printer?: ReceiptPrinter | null;
  /** Called after a request with an SMS is committed, so the sender looks at once. */
  smsQueued?: () => void;
  log: Logger;
}

const NO_FIX: RequestPosition = { fix: 'none' };

export class RequestsService implements Part {
  readonly name = 'requests';
  readonly config: RequestsConfig;
  readonly calendar: WorkingCalendar;
  private readonly tracker = new HealthTracker('absent', 'not started');
  private readonly counters = { created: 0, receiptsQueued: 0, receiptFailures: 0, reprints: 0, smsQueued: 0, photos: 0 };
  private readonly printing = new Set<Promise<void>>();
  private hmac: { key: Buffer; kid: string } | null = null;

  constructor(
    config: RequestsConfig | undefined,
    private readonly deps: RequestsDeps,
  ) {
    this.config = config ?? toRequestsConfig();
    this.calendar = new WorkingCalendar(this.config.holidays);
  }

  async start(): Promise<void> {
    try {
      const { key, origin } = await this.deps.hmacKey.load();
      this.hmac = { key, kid: keyId(key) };
      if (origin === 'local') this.deps.log.warn('requests.kvkk.hmacKey is not set: TC Kimlik No HMACs use a key kept in dataDir, so HQ can match people within this van only');
      const year = new Date(this.deps.clock.now().getTime()).getUTCFullYear();
      if (!this.calendar.covers(year) || !this.calendar.covers(year + 1)) {
        this.deps.log.warn({ year }, 'the holiday table lacks this or next year\'s bayrams (requests.holidays.bayrams): due dates are marked provisional');
      }
      this.tracker.set('ok', `${this.describe()}; HMAC key ${origin === 'config' ? 'from config' : 'local to this van'}`);
    } catch (e) {
      this.deps.log.error({ err: (e as Error).message }, 'no HMAC key: requests with a TC Kimlik No are refused');
      this.tracker.set('failed', `no HMAC key (${(e as Error).message}): requests with a TC Kimlik No are refused`);
    }
  }

  async stop(): Promise<void> {
    // A receipt being saved as a print job finishes before the store closes behind us.
    await Promise.allSettled([...this.printing]);
    this.tracker.set('absent', 'stopped');
  }

  get vehicleId(): string {
    return this.deps.vehicle.id;
  }

  /** The journal's clock: the tracking day, the due date and the record's time come from one reading. */
  now(): Date {
    return this.deps.clock.now();
  }

  clockQuality(): ClockQuality {
    return this.deps.clock.quality();
  }

  health(): Health {
    const h = this.tracker.get();
    h.counters = { ...this.counters };
    return h;
  }

  private describe(): string {
    return this.deps.printer ? `receipts on ${this.deps.printer.status().printer}` : 'no receipt printer';
  }

  /** The arguments checked against the catalog and the law (throws RequestError); photos decoded. */
  intake(args: CreateArgs): Intake {
    const i = checkIntake(this.config.catalog, args, this.config.photos.maxBytes);
    if (i.citizen.tckn !== null && this.hmac === null) throw new RequestError('INVALID_PAYLOAD', 'citizen.tckn: cannot be taken now (no HMAC key; see the requests part health)', { field: 'citizen.tckn' });
    return i;
  }

  /** Writes the photos durably (file and directory fsynced) before their transaction. */
  async storePhotos(photos: readonly Photo[]): Promise<void> {
    await Promise.all(photos.map((p) => this.deps.attachments.put({ sha256: p.sha256, ext: p.ext, data: p.data })));
    this.counters.photos += photos.length;
  }

  protectTckn(tckn: string | null): ProtectedTckn | null {
    if (tckn === null) return null;
    if (!this.hmac) throw new RequestError('INVALID_PAYLOAD', 'citizen.tckn: cannot be taken now (no HMAC key)', { field: 'citizen.tckn' });
    const p: ProtectedTckn = { masked: maskTckn(tckn), hmac: tcknHmac(this.hmac.key, tckn), hmacKid: this.hmac.kid };
    const k = this.config.kvkk;
    if (k.storeClearTckn && k.encryptionKey) p.enc = encryptTckn(k.encryptionKey, tckn);
    return p;
  }

  position(): RequestPosition {
    try {
      return this.deps.position?.current() ?? NO_FIX;
    } catch {
      return NO_FIX;
    }
  }

  visit(): RequestRecord['visit'] {
    try {
      const v = this.deps.visit?.current() ?? null;
      return v && { visitId: v.visitId, stopId: v.stopId, name: v.name };
    } catch {
      return null;
    }
  }

  dueDate(rule: DueDate['rule'], receivedAtMs: number): DueDate {
    return this.calendar.dueDate(rule, receivedAtMs, this.config.deadlines);
  }

  smsText(r: RequestRecord): string {
    const template = r.due.date === null ? this.config.sms.textWithoutDue : this.config.sms.text;
    return renderSmsText(template, { municipality: this.config.municipality, tracking: r.trackingNumber, due: r.due.date && trDate(r.due.date) });
  }

  printerStatus(): ReceiptPrinterStatus | null {
    return this.deps.printer?.status() ?? null;
  }

  /** What follows a committed request: its receipt and its SMS. Never throws; nothing here can undo the request. */
  committed(r: RequestRecord): void {
    this.counters.created++;
    if (r.sms) {
      this.counters.smsQueued++;
      this.deps.smsQueued?.();
    }
    if (r.receipt) this.printReceipt(r);
  }

  /** A journaled reprint (requests/reprint): the receipt again, marked as a copy. Never throws. */
  reprinted(r: RequestRecord): void {
    this.counters.reprints++;
    this.printReceipt(r, COPY_NOTE);
  }

  private printReceipt(r: RequestRecord, copyNote?: string): void {
    const printer = this.deps.printer;
    if (!printer) return;
    const doc = receiptDocument(
      r,
      { municipality: this.config.municipality, vehicleName: this.deps.vehicle.name, trackingUrl: this.config.trackingUrl, noticeLine: this.config.kvkk.noticeLine },
      copyNote,
    );
    const p = printer.print(doc).then(
      () => void this.counters.receiptsQueued++,
      (e: unknown) => {
        this.counters.receiptFailures++;
        this.deps.log.error({ err: (e as Error).message, tracking: r.trackingNumber }, 'receipt print job not saved; print it again with requests/reprint');
      },
    );
    this.printing.add(p);
    void p.finally(() => this.printing.delete(p));
  }
}
