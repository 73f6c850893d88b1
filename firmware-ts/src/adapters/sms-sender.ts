// The sender half of the durable SMS outbox (store/sms-outbox-table.ts): a part that sends
// queued messages through the modem, oldest first, whenever the modem is registered on the
// network, and marks each sent, or failed after its last attempt (kept for the crew to see).
// - A message waits for its retry (exponential backoff from retryBaseMs to retryMaxMs)
//   without holding back the ones behind it.
// - "The modem cannot send now" (port closed, initialising, recovering) is not an attempt:
//   the message waits for the modem. A number or text the modem code refuses (SmsInputError)
//   cannot succeed later and is given up at once.
// - Delivery is at least once: a crash between the modem's +CMGS and markSent sends the
//   message again after the restart. A duplicate tracking-number SMS is harmless; a lost one is not.
// - Logs name the message by id and tracking number, never by phone number (KVKK).
import type { Logger } from 'pino';
import { AtAbortedError } from '../drivers/modem/at-types.js';
import { SmsInputError } from '../drivers/modem/sms.js';
import { ModemUnavailableError } from '../drivers/modem/options.js';
import { HealthTracker, type Health, type Part } from '../lifecycle.js';
import type { SmsRow } from '../store/sms-outbox-table.js';
import type { Store } from '../store/store.js';

/** The modem as the sender sees it (ModemDriver fits it through gateway.ts). */
export interface SmsModem {
  /** Registered on a network (home or roaming) and answering. */
  canSend(): boolean;
  sendSms(number: string, text: string): Promise<unknown>;
}

export interface SmsSenderOptions {
  maxAttempts: number;
  retryBaseMs: number;
  retryMaxMs: number;
  /** How often the queue is looked at when nothing wakes the sender. */
  pollMs: number;
}

export class SmsSender implements Part {
  readonly name = 'sms-sender';
  private readonly tracker = new HealthTracker('absent', 'not started');
  private readonly counters = { sent: 0, failedAttempts: 0, givenUp: 0, pending: 0 };
  /** id -> earliest next try (ms); in memory: after a restart every pending message is tried at once. */
  private readonly notBefore = new Map<string, number>();
  private timer: NodeJS.Timeout | null = null;
  private pumping: Promise<void> | null = null;
  private again = false;
  private running = false;

  constructor(
    private readonly store: Store,
    private readonly modem: SmsModem,
    private readonly opts: SmsSenderOptions,
    private readonly log: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  start(): Promise<void> {
    this.running = true;
    this.tracker.set('ok', 'starting');
    this.kick();
    return Promise.resolve();
  }

  /** Stops within a few seconds: a send already on the wire is left to finish (or be aborted by the modem's stop). */
  async stop(): Promise<void> {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.pumping) await Promise.race([this.pumping, new Promise((r) => setTimeout(r, 2000).unref())]);
    this.tracker.set('absent', 'stopped');
  }

  health(): Health {
    const h = this.tracker.get();
    h.counters = { ...this.counters };
    return h;
  }

  /** Look at the queue now (a request just queued an SMS, or the modem registered). */
  kick(): void {
    if (!this.running) return;
    if (this.pumping) {
      this.again = true;
      return;
    }
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.pumping = this.pump()
      .catch((e: unknown) => this.log.error({ err: (e as Error).message }, 'SMS queue pass failed'))
      .finally(() => {
        this.pumping = null;
        if (this.again) {
          this.again = false;
          this.kick();
        } else this.schedule();
      });
  }

  private schedule(): void {
    if (!this.running) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.kick();
    }, this.opts.pollMs);
    this.timer.unref();
  }

  private backoff(attempts: number): number {
    return Math.min(this.opts.retryMaxMs, this.opts.retryBaseMs * 2 ** Math.max(0, attempts - 1));
  }

  private async pump(): Promise<void> {
    const pending = this.store.read((tx) => tx.sms.pending(50));
    this.counters.pending = this.store.read((tx) => tx.sms.pendingCount());
    const live = new Set(pending.map((p) => p.id));
    for (const id of this.notBefore.keys()) if (!live.has(id)) this.notBefore.delete(id);
    if (pending.length === 0) {
      this.tracker.set('ok', 'no SMS waiting');
      return;
    }
    if (!this.modem.canSend()) {
      this.tracker.set('degraded', `${this.counters.pending} SMS waiting for the modem to register`);
      return;
    }
    for (const sms of pending) {
      if (!this.running || !this.modem.canSend()) break;
      if ((this.notBefore.get(sms.id) ?? 0) > this.now()) continue;
      await this.sendOne(sms);
    }
    this.counters.pending = this.store.read((tx) => tx.sms.pendingCount());
    this.tracker.set(this.counters.pending > 0 && this.counters.givenUp > 0 ? 'degraded' : 'ok', `${this.counters.pending} SMS waiting; ${this.counters.sent} sent, ${this.counters.givenUp} given up`);
  }

  private async sendOne(sms: SmsRow): Promise<void> {
    try {
      await this.modem.sendSms(sms.to, sms.text);
    } catch (e) {
      // The modem's state, not the message's (not ready, or its port closed mid-send): no attempt counted.
      if (e instanceof ModemUnavailableError || e instanceof AtAbortedError) return;
      const permanent = e instanceof SmsInputError;
      const at = new Date(this.now()).toISOString();
      const max = permanent ? 1 : this.opts.maxAttempts;
      const why = smsErrorText(e);
      await this.store.transact((tx) => tx.sms.markAttemptFailed(sms.id, why, max, at));
      this.counters.failedAttempts++;
      const attempts = sms.attempts + 1;
      if (permanent || attempts >= this.opts.maxAttempts) {
        this.counters.givenUp++;
        this.notBefore.delete(sms.id);
        this.log.error({ sms: sms.id, ref: sms.ref, attempts, err: why }, 'SMS given up');
      } else {
        this.notBefore.set(sms.id, this.now() + this.backoff(attempts));
        this.log.warn({ sms: sms.id, ref: sms.ref, attempts, err: why }, 'SMS not sent; will retry');
      }
      return;
    }
    await this.store.transact((tx) => tx.sms.markSent(sms.id, new Date(this.now()).toISOString()));
    this.counters.sent++;
    this.notBefore.delete(sms.id);
    this.log.info({ sms: sms.id, ref: sms.ref }, 'SMS sent');
  }
}

/**
 * A send error without the phone number: AT errors quote their command, and AT+CMGS carries
 * the destination (in clear, or UCS2 hex); SmsInputError quotes the refused number.
 */
export function smsErrorText(e: unknown): string {
  if (e instanceof SmsInputError) return `${e.field}: refused by the modem driver's checks`;
  const m = e instanceof Error ? e.message : String(e);
  return m.replace(/AT\+CMGS="[^"]*"(,\d+)?/g, 'AT+CMGS').slice(0, 200);
}
