// Push (issue 8): publishes the outbox to the HQ broker, class by class in priority
// order, QoS 1, and moves the push cursor only on PUBACK, in a store transaction.
//
// - A QoS 1 PUBLISH stays unacknowledged until its PUBACK arrives (MQTT-4.3.2-1), and a
//   receiver acknowledges QoS 1 PUBLISHes in the order it received them (MQTT-4.6.0-2),
//   so the PUBACKs of one class's batches come back in order and the cursor moves over
//   a prefix. A batch whose PUBACK is lost is simply sent again: HQ deduplicates by id.
// - Every connection is a new mqtt.js client with a clean session (MQTT-3.1.2-6) and no
//   reconnect of its own. mqtt.js resends without the DUP flag and can drop publishes
//   made during its own replay, so nothing is ever resent from its store: after a
//   reconnect the pump starts again from the durable cursor, in order.
// - Only durable records go out. A commit is on disk only after its sync; a record HQ
//   had but the van lost in a power cut would come back under the same seq with other
//   content. A barrier (an empty unit through the group commit) proves durability.
import type { MqttClient, connect as MqttConnect } from 'mqtt';
import type { Logger } from 'pino';
import type { AttachmentFiles } from '../../adapters/attachment-files.js';
import type { Store } from '../../store/store.js';
import { RECORD_CLASSES, type RecordClass } from '../../store/records.js';
import type { OutboxRow } from '../../store/outbox.js';
import { Backoff } from '../../transport/backoff.js';
import type { LinkPort, LinkStatus } from '../link.js';
import type { PushOptions } from '../options.js';
import { encodeBatch } from '../wire.js';
import { ByteBucket } from './bandwidth.js';
import { classifyFailure, clientOptions, type PushFailure } from './connection.js';
import { PhotoPusher } from './photos.js';

export const PUSH_CONSUMER = 'push';

/** How often a connected pusher looks for new records, and a waiting one at the link. */
const POLL_MS = 250;
const LINK_POLL_MS = 5000;
/** A connection must carry a PUBACK, or last this long, before the backoff starts over. */
const STABLE_MS = 10_000;
/**
 * When a PUBACK's cursor move is written: with the next writing transaction after 3 s, or in one
 * of its own after 60 s. Longer than a track point's 30 s (TRACK_POINT_WRITE) on purpose: with
 * 10 s, each acknowledgement's own commit carried the track points waiting with it, their push
 * brought the next acknowledgement, and a moving van paid an fdatasync every 10 s for nothing
 * else (docs/reliability.md, disk writes). Now the track points' commit carries the acknowledgement.
 * A crash loses at most a minute of acknowledgements: those records are sent again and HQ
 * deduplicates them (docs/sync.md). The stored backlog and retention lag by at most that;
 * the push itself and its photos follow the PUBACKs (Outbox.noteDelivered, Outbox.delivered).
 */
const ACK_WRITE = { rideAfterMs: 3000, maxDelayMs: 60_000 };
/** Per-record metadata beyond the payload, for the batch byte limit. */
const ROW_META_BYTES = 150;

interface InFlight {
  lastSeq: number;
  n: number;
  bytes: number;
  acked: boolean;
}

export type PushPhase = 'stopped' | 'waiting-link' | 'connecting' | 'connected' | 'backoff';

export interface PushDeps {
  store: Store;
  vehicle: string;
  link: LinkPort;
  log: Logger;
  /** Something worth publishing changed (connection, a PUBACK). */
  onChange?: () => void;
  /** The request photos, sent after the records naming them (photos.ts); null: none. */
  photos?: AttachmentFiles | null;
}

/** Istanbul's calendar day (UTC+3 all year since 2016), for "bytes sent today". */
function istanbulDay(ms = Date.now()): string {
  return new Date(ms + 3 * 3600_000).toISOString().slice(0, 10);
}

let connectFn: typeof MqttConnect | null = null;

/** mqtt.js, loaded on the first connection attempt: a van without HQ push does not carry it (~15 MB of RSS). */
async function loadMqtt(): Promise<typeof MqttConnect> {
  connectFn ??= (await import('mqtt')).connect;
  return connectFn;
}

export class Pusher {
  phase: PushPhase = 'stopped';
  lastFailure: PushFailure | null = null;
  lastSuccessAt: string | null = null;
  link: LinkStatus = { up: false, via: 'not checked' };
  nextAttemptAt: string | null = null;
  today = { day: istanbulDay(), bytes: 0, records: 0, batches: 0 };
  readonly totals = { connects: 0, failures: 0, batches: 0, records: 0, bytes: 0, rawBytes: 0, resent: 0 };

  private client: MqttClient | null = null;
  private gen = 0;
  private running = false;
  private timer: NodeJS.Timeout | null = null;
  private poller: NodeJS.Timeout | null = null;
  private stableTimer: NodeJS.Timeout | null = null;
  private pumpAt: NodeJS.Timeout | null = null;
  private readonly backoff: Backoff;
  private readonly bucket: ByteBucket | null;
  readonly photos: PhotoPusher | null;
  private readonly sentUpTo = {} as Record<RecordClass, number>;
  private readonly inflight = {} as Record<RecordClass, InFlight[]>;
  private durableSeq = 0;
  private barrier = false;
  /** Average row size per class in the last batch, to read about a batch's worth of rows. */
  private readonly rowBytes: Partial<Record<RecordClass, number>> = {};
  /** Why the current attempt failed, if it did (the error event comes before the close). */
  private attemptFailure: PushFailure | null = null;

  constructor(
    private readonly o: PushOptions,
    private readonly d: PushDeps,
  ) {
    this.backoff = new Backoff({ minMs: o.backoffMinMs, maxMs: o.backoffMaxMs });
    this.bucket = o.bandwidthBytesPerS ? new ByteBucket(o.bandwidthBytesPerS) : null;
    for (const c of RECORD_CLASSES) this.inflight[c] = [];
    const p = { store: d.store, vehicle: d.vehicle, topicPrefix: o.topicPrefix, log: d.log, bucket: this.bucket, pushConsumer: PUSH_CONSUMER, again: () => this.pump() };
    this.photos = d.photos ? new PhotoPusher(d.photos, p) : null;
  }

  get connected(): boolean {
    return this.phase === 'connected';
  }

  topic(cls: RecordClass): string {
    return `${this.o.topicPrefix}/${this.d.vehicle}/records/${cls}`;
  }

  start(): void {
    this.running = true;
    this.d.store.outbox.registerConsumer(PUSH_CONSUMER);
    // Whatever the journal held at open was recovered from disk: durable by definition.
    this.durableSeq = this.d.store.outbox.lastSeq();
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.running = false;
    this.clearTimers();
    this.phase = 'stopped';
    const c = this.client;
    this.drop();
    if (c) await new Promise<void>((res) => c.end(true, {}, () => res()));
  }

  /** `vimgw sync now`: try at once, link or not, unless already connected. */
  syncNow(): void {
    if (!this.running) return;
    if (this.connected) return this.pump();
    if (this.phase === 'connecting') return;
    this.schedule(0, true);
  }

  /** The highest seq of class `c` HQ has PUBACKed, whether or not its cursor write has been committed yet. */
  deliveredUpTo(c: RecordClass): number {
    return this.d.store.outbox.delivered(PUSH_CONSUMER, c);
  }

  /** Batches sent and not yet acknowledged, per class. */
  inFlight(): Record<RecordClass, number> {
    return Object.fromEntries(RECORD_CLASSES.map((c) => [c, this.inflight[c].reduce((s, b) => s + b.n, 0)])) as Record<RecordClass, number>;
  }

  private clearTimers(): void {
    for (const t of [this.timer, this.poller, this.stableTimer, this.pumpAt]) if (t) clearTimeout(t);
    this.timer = this.poller = this.stableTimer = this.pumpAt = null;
  }

  private schedule(ms: number, force = false): void {
    if (this.timer) clearTimeout(this.timer);
    this.nextAttemptAt = new Date(Date.now() + ms).toISOString();
    this.timer = setTimeout(() => this.attempt(force), ms);
  }

  private attempt(force: boolean): void {
    this.timer = null;
    this.nextAttemptAt = null;
    if (!this.running) return;
    this.link = this.d.link.check();
    if (!this.link.up && !force) {
      this.setPhase('waiting-link');
      this.schedule(LINK_POLL_MS);
      return;
    }
    let opts;
    try {
      opts = clientOptions(this.o, this.d.vehicle);
    } catch (e) {
      this.failed(classifyFailure(e));
      return;
    }
    this.setPhase('connecting');
    if (!connectFn) {
      loadMqtt().then(
        () => this.running && this.attempt(force),
        (e: unknown) => this.failed(classifyFailure(e)),
      );
      return;
    }
    this.attemptFailure = null;
    const gen = ++this.gen;
    let client: MqttClient;
    try {
      client = connectFn(this.o.url, opts);
    } catch (e) {
      this.failed(classifyFailure(e));
      return;
    }
    this.client = client;
    client.on('connect', () => gen === this.gen && this.onConnect());
    client.on('error', (e) => {
      if (gen !== this.gen) return;
      this.attemptFailure = classifyFailure(e, new Date(), { url: this.o.url, connected: this.connected });
      this.d.log.debug({ err: e.message }, 'HQ connection error');
    });
    client.on('close', () => gen === this.gen && this.onClose());
  }

  private onConnect(): void {
    this.totals.connects++;
    this.lastFailure = null;
    this.setPhase('connected');
    this.d.log.info({ url: this.o.url }, 'connected to the HQ broker');
    for (const c of RECORD_CLASSES) {
      // A reconnect within ACK_WRITE of a PUBACK need not resend what HQ acknowledged.
      this.sentUpTo[c] = this.deliveredUpTo(c);
      this.inflight[c] = [];
    }
    this.stableTimer = setTimeout(() => this.backoff.reset(), STABLE_MS);
    this.poller = setInterval(() => this.pump(), POLL_MS);
    this.pump();
  }

  private onClose(): void {
    const was = this.connected;
    this.drop();
    if (!this.running) return;
    const at = new Date().toISOString();
    this.failed(this.attemptFailure ?? { kind: 'closed', message: was ? 'the connection to the HQ broker was lost' : 'the HQ broker closed the connection before CONNACK', at });
  }

  /** Forgets the connection: its late callbacks are ignored, its batches will be sent again. */
  private drop(): void {
    this.gen++;
    for (const t of [this.poller, this.stableTimer, this.pumpAt]) if (t) clearTimeout(t);
    this.poller = this.stableTimer = this.pumpAt = null;
    for (const c of RECORD_CLASSES) {
      this.totals.resent += this.inflight[c].reduce((s, b) => s + b.n, 0);
      this.inflight[c] = [];
    }
    this.photos?.reset();
    const c = this.client;
    this.client = null;
    if (c) {
      c.removeAllListeners();
      c.on('error', () => undefined); // a late socket error must not become an uncaught 'error' event
      c.end(true);
    }
  }

  private failed(f: PushFailure): void {
    // One warning per streak of the same failure: a van in a dead zone retries for hours.
    const repeat = this.lastFailure?.kind === f.kind && this.phase !== 'connected';
    this.lastFailure = f;
    this.totals.failures++;
    const wait = this.backoff.next();
    this.d.log[repeat ? 'debug' : 'warn']({ kind: f.kind, retryInMs: wait, failures: this.totals.failures }, `HQ push: ${f.message}`);
    this.setPhase('backoff');
    this.schedule(wait);
  }

  private setPhase(p: PushPhase): void {
    if (this.phase === p) return;
    this.phase = p;
    this.d.onChange?.();
  }

  /** Publishes batches until every class has its window full or nothing more to send. */
  private pump(): void {
    const client = this.client;
    if (!client || !this.connected || this.pumpAt) return;
    const last = this.d.store.outbox.lastSeq();
    if (last > this.durableSeq) this.proveDurable(last);
    for (const c of RECORD_CLASSES) {
      while (this.inflight[c].length < this.o.window) {
        const rows = this.takeRows(c);
        if (rows.length === 0) break;
        const evicted = this.d.store.outbox.evictionsBetween(c, this.sentUpTo[c], rows[rows.length - 1]!.seq);
        const batch = encodeBatch(this.d.vehicle, c, rows, evicted);
        if (this.bucket) {
          const wait = this.bucket.delayFor(batch.bytes.length);
          // Lower classes wait too: the cap is spent in priority order.
          if (wait > 0) {
            this.pumpAt = setTimeout(() => {
              this.pumpAt = null;
              this.pump();
            }, wait);
            return;
          }
          this.bucket.take(batch.bytes.length);
        }
        const b: InFlight = { lastSeq: batch.header.last.seq, n: rows.length, bytes: batch.bytes.length, acked: false };
        this.inflight[c].push(b);
        this.sentUpTo[c] = b.lastSeq;
        this.totals.batches++;
        this.totals.bytes += b.bytes;
        this.totals.rawBytes += batch.rawBytes;
        const gen = this.gen;
        client.publish(this.topic(c), batch.bytes, { qos: 1 }, (err) => this.onPuback(gen, c, b, err));
      }
    }
    this.photos?.pump(client);
  }

  /** The next rows of a class: durable ones only, at most batchRecords and about batchBytes. */
  private takeRows(c: RecordClass): OutboxRow[] {
    // Read about as many rows as the byte limit will let through, not batchRecords every time.
    const guess = Math.ceil(this.o.batchBytes / (this.rowBytes[c] ?? ROW_META_BYTES)) + 8;
    const rows = this.d.store.outbox.batch(c, this.sentUpTo[c], Math.min(this.o.batchRecords, guess));
    let bytes = 0;
    let n = 0;
    for (const r of rows) {
      if (r.seq > this.durableSeq) break;
      const size = r.payload.length + ROW_META_BYTES;
      if (n > 0 && bytes + size > this.o.batchBytes) break;
      bytes += size;
      n++;
    }
    if (n > 0) this.rowBytes[c] = bytes / n;
    return n === rows.length ? rows : rows.slice(0, n);
  }

  /** Waits for everything committed up to `top` to be on disk, then pumps again. */
  private proveDurable(top: number): void {
    if (this.barrier) return;
    this.barrier = true;
    this.d.store.transact(() => null).then(
      () => {
        this.barrier = false;
        this.durableSeq = Math.max(this.durableSeq, top);
        this.pump();
      },
      (e: unknown) => {
        this.barrier = false;
        this.d.log.warn({ err: (e as Error).message }, 'cannot prove the journal durable; push waits');
      },
    );
  }

  private onPuback(gen: number, c: RecordClass, b: InFlight, err: Error | undefined): void {
    if (gen !== this.gen) return; // a dropped connection's batch: it will be sent again
    if (err) {
      this.d.log.debug({ err: err.message, class: c }, 'batch not acknowledged');
      return;
    }
    b.acked = true;
    const q = this.inflight[c];
    let upTo = 0;
    let n = 0;
    let bytes = 0;
    while (q[0]?.acked) {
      const done = q.shift()!;
      upTo = done.lastSeq;
      n += done.n;
      bytes += done.bytes;
    }
    if (upTo > 0) this.acknowledged(c, upTo, n, bytes);
    this.pump();
  }

  private acknowledged(c: RecordClass, upTo: number, n: number, bytes: number): void {
    const day = istanbulDay();
    if (day !== this.today.day) this.today = { day, bytes: 0, records: 0, batches: 0 };
    this.today.bytes += bytes;
    this.today.records += n;
    this.today.batches++;
    this.totals.records += n;
    this.lastSuccessAt = new Date().toISOString();
    this.backoff.reset();
    this.d.store.outbox.noteDelivered(PUSH_CONSUMER, c, upTo);
    // Deferred (ACK_WRITE): several PUBACKs move the cursor in one later transaction, which
    // cost a transaction of two WAL pages each (docs/reliability.md, disk writes). An
    // acknowledgement lost in a crash before that commit only means those batches are sent
    // again from the durable cursor, and HQ deduplicates by record id (docs/sync.md).
    this.d.store.transactDeferred(() => this.d.store.outbox.advance(PUSH_CONSUMER, c, upTo), ACK_WRITE).then(
      () => this.d.onChange?.(),
      (e: unknown) => this.d.log.warn({ err: (e as Error).message, class: c, upTo }, 'PUBACK not recorded; the batch will be sent again'),
    );
  }
}
