// Photos over the push (issue 8: everything the van records reaches HQ; docs/sync.md
// "Photos"). A request record carries only its photos' hashes; once HQ has PUBACKed the
// records naming a photo (its PUBACKs are past the first of them), the
// photo goes QoS 1 to `<topicPrefix>/<vehicle>/attachments/<sha256>` and is marked
// delivered (store/attachment-deliveries.ts) on its PUBACK, which is what lets the photo
// retention delete the file later. After HQ, never before: a photo HQ cannot yet tie to
// a record would be an orphan there.
//
// One photo in flight at a time (up to a few MB each; a window would only hold RAM and
// the cellular link), after the records: the pusher calls pump() only when its record
// batches did not wait on the bandwidth cap, and photos take from the same bucket. A lost
// connection forgets the photo in flight; the next connection sends it again from the
// table, and HQ keeps one file per hash. The message describes itself like a batch (MQTT
// 3.1.1 has no properties): one JSON header line, `\n`, then the file's bytes.
import { readFile } from 'node:fs/promises';
import type { MqttClient } from 'mqtt';
import type { Logger } from 'pino';
import type { AttachmentFiles } from '../../adapters/attachment-files.js';
import { REQUEST_RECORD_TYPE } from '../../services/requests/record.js';
import type { AttachmentRow } from '../../store/attachment-deliveries.js';
import type { Store } from '../../store/store.js';
import type { ByteBucket } from './bandwidth.js';

export const PHOTO_CONSUMER = 'push';

export interface PhotoHeader {
  v: 1;
  vehicle: string;
  sha256: string;
  mime: string | null;
  bytes: number;
  /** The first request record naming it. */
  seq: number;
  sentAt: string;
}

/** Splits a photo message into its header and the file's bytes. */
export function decodePhoto(msg: Buffer): { header: PhotoHeader; data: Buffer } {
  const nl = msg.indexOf(0x0a);
  if (nl < 0) throw new Error('a photo message starts with a JSON header line');
  return { header: JSON.parse(msg.subarray(0, nl).toString('utf8')) as PhotoHeader, data: msg.subarray(nl + 1) };
}

export class PhotoPusher {
  readonly totals = { photos: 0, bytes: 0, missing: 0 };
  private client: MqttClient | null = null;
  private busy = false;
  private wait: NodeJS.Timeout | null = null;
  /** Registered photos whose file is gone (a damaged card): skipped until the next connection, warned once. */
  private readonly missing = new Set<string>();
  private registeredAt = -1;

  constructor(
    private readonly files: AttachmentFiles,
    private readonly d: { store: Store; vehicle: string; topicPrefix: string; log: Logger; bucket: ByteBucket | null; pushConsumer: string; again: () => void },
  ) {}

  topic(sha256: string): string {
    return `${this.d.topicPrefix}/${this.d.vehicle}/attachments/${sha256}`;
  }

  /** Sends the next photo HQ should have, if none is in flight. */
  pump(client: MqttClient): void {
    if (this.busy || this.wait) return;
    this.client = client;
    this.busy = true;
    this.next(client).then(
      (sent) => {
        if (!sent) this.busy = false;
      },
      (e: unknown) => {
        this.busy = false;
        this.d.log.warn({ err: (e as Error).message }, 'photo push step failed; the next pump retries');
      },
    );
  }

  /** The connection went away: the photo in flight is sent again on the next one. */
  reset(): void {
    this.client = null;
    this.busy = false;
    if (this.wait) clearTimeout(this.wait);
    this.wait = null;
    this.missing.clear();
  }

  /** True when a photo went out (busy until its PUBACK). */
  private async next(client: MqttClient): Promise<boolean> {
    const store = this.d.store;
    // What HQ has PUBACKed, not the stored cursor: that write is deferred (pusher.ts ACK_WRITE) and
    // would hold the photo back by up to a minute while HQ already has the record naming it.
    const acked = store.outbox.delivered(this.d.pushConsumer, 'requests');
    if (acked === 0) return false;
    if (acked > this.registeredAt) {
      await store.transact(() => store.attachments.register(REQUEST_RECORD_TYPE));
      this.registeredAt = acked;
    }
    const row = store.attachments.pending(acked, 64).find((r) => !this.missing.has(r.sha256));
    if (!row || this.client !== client) return false;
    const found = await this.files.find(row.sha256);
    const data = found ? await readFile(found.path).catch(() => null) : null;
    if (!data) {
      this.missing.add(row.sha256);
      this.totals.missing++;
      this.d.log.warn({ sha256: row.sha256, seq: row.namedSeq }, 'a photo a request names has no file; HQ cannot get it');
      return false;
    }
    const header: PhotoHeader = { v: 1, vehicle: this.d.vehicle, sha256: row.sha256, mime: row.mime, bytes: data.length, seq: row.namedSeq, sentAt: new Date().toISOString() };
    const msg = Buffer.concat([Buffer.from(`${JSON.stringify(header)}\n`), data]);
    if (this.d.bucket) {
      const ms = this.d.bucket.delayFor(msg.length);
      if (ms > 0) {
        this.wait = setTimeout(() => {
          this.wait = null;
          this.d.again();
        }, ms);
        return false;
      }
      this.d.bucket.take(msg.length);
    }
    if (this.client !== client) return false;
    client.publish(this.topic(row.sha256), msg, { qos: 1 }, (err) => this.onPuback(client, row, msg.length, err));
    return true;
  }

  private onPuback(client: MqttClient, row: AttachmentRow, bytes: number, err: Error | undefined): void {
    if (this.client !== client) return; // a dropped connection's photo: sent again on the next
    if (err) {
      this.busy = false;
      this.d.log.debug({ err: err.message, sha256: row.sha256 }, 'photo not acknowledged');
      return;
    }
    const store = this.d.store;
    store.transact(() => store.attachments.markDelivered(row.sha256, PHOTO_CONSUMER, new Date())).then(
      () => {
        this.totals.photos++;
        this.totals.bytes += bytes;
        if (this.client === client) this.busy = false;
        this.d.again();
      },
      (e: unknown) => {
        if (this.client === client) this.busy = false;
        this.d.log.warn({ err: (e as Error).message, sha256: row.sha256 }, 'photo PUBACK not recorded; it will be sent again');
      },
    );
  }
}
