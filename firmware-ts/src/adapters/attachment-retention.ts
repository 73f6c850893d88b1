// Photo files follow their records' retention (issue 8 "Retention", DESIGN.md
// non-negotiable 6): a citizen's photo is personal data, so its file goes when the purge
// has cleared the personal data of every request that names it (sync.retention.
// personalDataDays after HQ acknowledged them), or when those records are compacted away.
// The purge itself (store/outbox-retention.ts) rewrites only the journal; this part runs
// on the same schedule (sync.retention.everyMinutes) and removes the files it left
// behind. The record keeps the photo's hash, so the auditor still sees what was attached.
//
// A file stays while any request record not yet purged names it (photos are content-
// addressed, so two requests can share one), and for a grace period after it was last
// written, which covers a photo written just before its request's transaction commits.
//
// And it stays until HQ has it (issue 8: everything the van records reaches HQ): a purged
// or compacted record proves only that HQ acknowledged the record, not that it got the
// photo, which travels apart (the push's attachment topic, or the pull API's attachment
// route and its ack). Each pass first registers the photos records named since the last
// one (store/attachment-deliveries.ts), so a file no record ever named is an orphan and
// still goes; the purge of the record's personal data happens regardless.
import type { Logger } from 'pino';
import { HealthTracker, type Health, type Part } from '../lifecycle.js';
import { REQUEST_RECORD_TYPE, type RequestRecord } from '../services/requests/record.js';
import type { Store } from '../store/store.js';
import type { AttachmentFiles } from './attachment-files.js';

export interface AttachmentRetentionOptions {
  everyMinutes: number;
  /** A file younger than this is never deleted. */
  graceMs: number;
}

export class AttachmentRetention implements Part {
  readonly name = 'attachment-retention';
  private readonly tracker = new HealthTracker('absent', 'not started');
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<number> | null = null;
  /** heldUndelivered: files kept only because HQ has not confirmed them (a gauge, as of the last pass). */
  private readonly counters = { runs: 0, deleted: 0, failures: 0, heldUndelivered: 0 };

  constructor(
    private readonly files: AttachmentFiles,
    private readonly store: Store,
    private readonly o: AttachmentRetentionOptions,
    private readonly log: Logger,
  ) {}

  start(): Promise<void> {
    this.timer = setInterval(() => void this.run(), this.o.everyMinutes * 60_000);
    this.timer.unref();
    this.tracker.set('ok', `photo files follow the personal-data purge, every ${this.o.everyMinutes} min`);
    void this.run();
    return Promise.resolve();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running?.catch(() => undefined);
    this.tracker.set('absent', 'stopped');
  }

  health(): Health {
    const h = this.tracker.get();
    h.counters = { ...this.counters };
    return h;
  }

  /** One pass; never throws (a failure is logged and counted, and the next pass retries). */
  run(now = Date.now()): Promise<number> {
    this.running ??= this.pass(now).finally(() => (this.running = null));
    return this.running;
  }

  private async pass(now: number): Promise<number> {
    try {
      await this.store.transact(() => this.store.attachments.register(REQUEST_RECORD_TYPE));
      const { named, undelivered } = this.store.read((tx) => {
        const purgedUpTo = this.store.outbox.retention.lastPurgedSeq(REQUEST_RECORD_TYPE);
        const named = new Set<string>();
        for (const r of tx.journal.ofClass('requests', new Date(0))) {
          if (r.type !== REQUEST_RECORD_TYPE || r.seq <= purgedUpTo) continue;
          for (const p of (r.payload as Partial<RequestRecord>).photos ?? []) named.add(p.sha256);
        }
        return { named, undelivered: this.store.attachments.undelivered() };
      });
      const deleted = await this.files.sweep(new Set([...named, ...undelivered]), now - this.o.graceMs);
      const present = await this.files.list();
      let held = 0;
      for (const h of undelivered) if (!named.has(h) && present.has(h)) held++;
      if (held !== this.counters.heldUndelivered && held > 0) {
        this.log.warn({ held }, 'photo files of purged or compacted requests kept: HQ has not received them yet');
      }
      this.counters.heldUndelivered = held;
      this.counters.runs++;
      this.counters.deleted += deleted;
      if (deleted) this.log.info({ deleted, kept: named.size }, 'photo files of purged requests deleted');
      return deleted;
    } catch (e) {
      this.counters.failures++;
      this.log.warn({ err: (e as Error).message }, 'photo retention pass failed; the next one retries');
      return 0;
    }
  }
}
