// HQ's reference consumer (issue 8), also the tests' HQ: subscribes to the HQ broker
// and/or pulls over HTTP, de-duplicates by record id, writes a SQLite file (schema in
// scripts/hq/collector-db.ts), corrects the time of records made with an unsynced
// clock, and reports gaps in cseq per vehicle and class. Request photos are stored beside
// the database (--photos, default <db>.photos), named by SHA-256 and hash-checked. Real headquarters can run it
// as is, or copy its rule: a record is new when its id is; order within a class is seq.
//
//   node dist/scripts/hq-collector.js --db hq.sqlite [--photos DIR] --mqtt mqtt://hq:1883 [--prefix inegol/vim]
//        [--user U --password-env VAR] [--ca FILE] [--cert FILE --key FILE] [--client-id hq-collector]
//        [--pull https://van:8443 --consumer hq --token-env VAR] [--gaps]
//
// --ca trusts the broker's or the van's server certificate; --cert/--key present a client
// certificate (mutual TLS) to the HQ broker and to a pull API that requires one.
//
// MQTT: a persistent session (clean session off, QoS 1 subscription) so the broker
// queues batches while the collector is away (MQTT-3.1.2-4); the broker must not cap
// that queue below a day's traffic (mosquitto: max_queued_messages). Each batch is
// written in one transaction before mqtt.js sends its PUBACK, so a crash loses nothing.
import { readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { Agent, request } from 'node:https';
import { parseArgs } from 'node:util';
import mqtt, { type MqttClient } from 'mqtt';
import { decodeBatch, WireError, type WireRecord } from '../firmware-ts/src/sync/wire.js';
import { decodePhoto } from '../firmware-ts/src/sync/push/photos.js';
import { CollectorDb, type Gap } from './hq/collector-db.js';
import { PhotoStore, photosOf } from './hq/photo-store.js';

/** PEM material for TLS: the CA to trust, and a client certificate for mutual TLS. */
export interface TlsMaterial {
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
}

export interface CollectorOptions {
  db: string;
  /** Where request photos go, one file per SHA-256; default `<db>.photos`. */
  photosDir?: string;
  mqtt?: { url: string; topicPrefix: string; clientId: string; username?: string; password?: string; clean?: boolean } & TlsMaterial;
  pull?: { url: string; consumer: string; token: string; limit?: number; intervalMs?: number } & TlsMaterial;
  log?: (msg: string) => void;
}

export class HqCollector {
  readonly db: CollectorDb;
  readonly stats = { batches: 0, records: 0, duplicates: 0, malformed: 0, bytes: 0, pulls: 0, photos: 0, badPhotos: 0, missingPhotos: 0 };
  readonly photos: PhotoStore;
  private client: MqttClient | null = null;
  private pulling = false;
  private pullTimer: NodeJS.Timeout | null = null;
  private readonly log: (msg: string) => void;

  constructor(private readonly o: CollectorOptions) {
    this.db = new CollectorDb(o.db);
    this.photos = new PhotoStore(o.photosDir ?? `${o.db}.photos`);
    this.log = o.log ?? (() => undefined);
  }

  /** Resolves once subscribed (MQTT) and after the first pull round. */
  async start(): Promise<void> {
    const m = this.o.mqtt;
    if (m) {
      const c = mqtt.connect(m.url, {
        clientId: m.clientId,
        clean: m.clean ?? false,
        protocolVersion: 4,
        reconnectPeriod: 500,
        connectTimeout: 10_000,
        ...(m.username ? { username: m.username, password: m.password } : {}),
        ...tlsOptions(m),
      });
      this.client = c;
      c.on('message', (topic, payload) => (topic.split('/').at(-2) === 'attachments' ? this.onPhoto(topic, payload) : this.onBatch(topic, payload, 'push')));
      c.on('error', (e) => this.log(`mqtt: ${e.message}`));
      await new Promise<void>((res, rej) => {
        c.once('connect', () => res());
        c.once('error', rej);
      });
      await c.subscribeAsync([`${m.topicPrefix}/+/records/+`, `${m.topicPrefix}/+/attachments/+`], { qos: 1 });
    }
    if (this.o.pull) await this.pullRound();
  }

  async stop(): Promise<void> {
    if (this.pullTimer) clearTimeout(this.pullTimer);
    this.pullTimer = null;
    this.o.pull = undefined;
    const c = this.client;
    this.client = null;
    if (c) await c.endAsync(true);
    this.db.close();
  }

  /** One batch from the broker: decoded, stored (deduplicated) synchronously, before the PUBACK. */
  onBatch(topic: string, payload: Buffer, via: 'push' | 'pull'): void {
    let decoded;
    try {
      decoded = decodeBatch(payload);
    } catch (e) {
      this.stats.malformed++;
      this.log(`${topic}: ${e instanceof WireError ? e.message : String(e)}`);
      return;
    }
    const r = this.db.store(decoded.header, decoded.records, payload.length, via);
    this.stats.batches++;
    this.stats.bytes += payload.length;
    this.stats.records += r.inserted;
    this.stats.duplicates += r.duplicates;
  }

  /**
   * One photo from the broker (docs/sync.md "Photos"): stored, hash checked against the topic's
   * last level, before the PUBACK; a bad one is counted and logged, and the van sends it again
   * only if the PUBACK is lost, so a corrupt copy is reported rather than retried forever.
   */
  onPhoto(topic: string, payload: Buffer): void {
    try {
      const { header, data } = decodePhoto(payload);
      const name = topic.split('/').at(-1) ?? '';
      if (header.sha256 !== name) throw new Error(`header names ${String(header.sha256)}`);
      this.photos.save(name, data);
      this.stats.photos++;
    } catch (e) {
      this.stats.badPhotos++;
      this.log(`${topic}: ${(e as Error).message}`);
    }
  }

  /** Fetches the photos `records` name that HQ lacks, and acknowledges each one stored. */
  private async pullPhotos(p: NonNullable<CollectorOptions['pull']>, records: WireRecord[]): Promise<void> {
    for (const sha of new Set(records.flatMap(photosOf))) {
      if (!this.photos.has(sha)) {
        const r = await httpCall(p, `/sync/v1/attachments/${sha}`, 'GET', undefined, [404]);
        if (r.status === 404) {
          // Deleted by the van's retention before HQ fetched it, or never stored: reported, not fatal.
          this.stats.missingPhotos++;
          this.log(`pull: photo ${sha} is not on the van (404)`);
          continue;
        }
        this.photos.save(sha, r.bytes);
        this.stats.photos++;
      }
      await httpJson(p, '/sync/v1/attachments/ack', 'POST', JSON.stringify({ sha256: sha }));
    }
  }

  /** Pulls until caught up, acknowledging each page after it is stored; then again later. */
  async pullRound(): Promise<void> {
    const p = this.o.pull;
    if (!p || this.pulling) return;
    this.pulling = true;
    try {
      for (;;) {
        const page = await httpJson(p, `/sync/v1/records?limit=${p.limit ?? 5000}`, 'GET');
        const records = page.body
          .split('\n')
          .filter((l) => l.length > 0)
          .map((l) => JSON.parse(l) as WireRecord);
        const byClass = new Map<string, WireRecord[]>();
        for (const r of records) byClass.set(r.class, [...(byClass.get(r.class) ?? []), r]);
        for (const [cls, rs] of byClass) this.db.store({ vehicle: rs[0]!.vehicle, class: cls as WireRecord['class'], enc: 'identity' }, rs, 0, 'pull');
        await this.pullPhotos(p, records);
        this.stats.pulls++;
        this.stats.records += records.length;
        const upTo = Number(page.headers['x-sync-up-to']);
        const after = Number(page.headers['x-sync-after']);
        if (upTo > after) await httpJson(p, '/sync/v1/ack', 'POST', JSON.stringify({ consumer: p.consumer, upTo }));
        if (upTo <= after || records.length === 0) break;
      }
    } catch (e) {
      this.log(`pull: ${(e as Error).message}`);
    } finally {
      this.pulling = false;
      if (this.o.pull) this.pullTimer = setTimeout(() => void this.pullRound(), this.o.pull.intervalMs ?? 5000);
    }
  }

  gaps(): Gap[] {
    return this.db.gaps();
  }
}

function tlsOptions(t: TlsMaterial): TlsMaterial {
  return { ...(t.ca ? { ca: t.ca } : {}), ...(t.cert ? { cert: t.cert } : {}), ...(t.key ? { key: t.key } : {}) };
}

function httpJson(p: NonNullable<CollectorOptions['pull']>, path: string, method: string, body?: string): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return httpCall(p, path, method, body).then((r) => ({ status: r.status, headers: r.headers, body: r.bytes.toString('utf8') }));
}

/** One request to the van's pull API; a status of 300 or more rejects unless listed in `accept`. */
function httpCall(
  p: NonNullable<CollectorOptions['pull']>,
  path: string,
  method: string,
  body?: string,
  accept: number[] = [],
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; bytes: Buffer }> {
  const url = new URL(path, p.url);
  return new Promise((resolve, reject) => {
    const opts = { method, headers: { authorization: `Bearer ${p.token}`, ...(body ? { 'content-type': 'application/json' } : {}) }, ...(p.ca || p.cert ? { agent: new Agent(tlsOptions(p)) } : {}) };
    const mod = url.protocol === 'https:' ? request : httpRequest;
    const req = mod(url, opts, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const bytes = Buffer.concat(chunks);
        const status = res.statusCode ?? 0;
        if (status >= 300 && !accept.includes(status)) reject(new Error(`${method} ${path}: ${status} ${bytes.toString('utf8').slice(0, 300)}`));
        else resolve({ status, headers: res.headers, bytes });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      db: { type: 'string' },
      photos: { type: 'string' },
      mqtt: { type: 'string' },
      prefix: { type: 'string', default: 'inegol/vim' },
      'client-id': { type: 'string', default: 'hq-collector' },
      user: { type: 'string' },
      'password-env': { type: 'string' },
      ca: { type: 'string' },
      cert: { type: 'string' },
      key: { type: 'string' },
      pull: { type: 'string' },
      consumer: { type: 'string', default: 'hq' },
      'token-env': { type: 'string' },
      gaps: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help || !values.db) {
    process.stdout.write('usage: hq-collector --db FILE [--photos DIR] [--mqtt URL --prefix P] [--pull URL --consumer NAME --token-env VAR] [--ca FILE] [--cert FILE --key FILE] [--gaps]\n');
    return values.help ? 0 : 64;
  }
  if ((values.cert === undefined) !== (values.key === undefined)) {
    process.stderr.write('hq-collector: --cert and --key go together\n');
    return 64;
  }
  const tls: TlsMaterial = {
    ...(values.ca ? { ca: readFileSync(values.ca) } : {}),
    ...(values.cert ? { cert: readFileSync(values.cert) } : {}),
    ...(values.key ? { key: readFileSync(values.key) } : {}),
  };
  const col = new HqCollector({
    db: values.db,
    ...(values.photos ? { photosDir: values.photos } : {}),
    log: (m) => process.stderr.write(`${m}\n`),
    ...(values.mqtt
      ? { mqtt: { url: values.mqtt, topicPrefix: values.prefix, clientId: values['client-id'], ...(values.user ? { username: values.user, password: process.env[values['password-env'] ?? ''] ?? '' } : {}), ...tls } }
      : {}),
    ...(values.pull ? { pull: { url: values.pull, consumer: values.consumer, token: process.env[values['token-env'] ?? ''] ?? '', ...tls } } : {}),
  });
  if (values.gaps) {
    for (const g of col.gaps()) process.stdout.write(`${g.vehicle} ${g.class} cseq ${g.fromCseq}..${g.toCseq} ${g.evicted ? 'evicted by the van' : 'MISSING'}\n`);
    col.db.close();
    return 0;
  }
  await col.start();
  process.stderr.write('hq-collector: running (SIGINT to stop)\n');
  await new Promise<void>((res) => process.once('SIGINT', () => res()));
  await col.stop();
  return 0;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e: unknown) => {
      process.stderr.write(`hq-collector: ${(e as Error).message}\n`);
      process.exit(1);
    },
  );
}
