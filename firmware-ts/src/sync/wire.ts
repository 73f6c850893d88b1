// The push batch on the wire (issue 8 "Push"). MQTT 3.1.1 has no message properties
// (they came in 5.0), so a batch describes itself: one line of JSON (the header: who,
// which class, the seq range, the body's encoding), a newline, then the body.
//
//   {"v":1,"vehicle":"VIM-01","class":"track","n":200,"enc":"gzip",...}\n<gzip bytes>
//
// The body is the batch's records column by column (JSON), not row by row: values of
// one field sit together, so gzip finds the repeats (boot id, type, payload keys) and
// the small deltas (seq, times). A track point costs well under 40 bytes this way.
// `enc` is "gzip" when compression pays and "identity" otherwise. HQ deduplicates by
// record id; decodeBatch() gives back exactly the records the journal holds.
import { gunzipSync, gzipSync } from 'node:zlib';
import type { ClockQuality } from '../platform/clock.js';
import type { OutboxRow, Eviction } from '../store/outbox.js';
import { RECORD_CLASSES, type RecordClass } from '../store/records.js';

export const WIRE_VERSION = 1;

export interface BatchHeader {
  v: number;
  vehicle: string;
  class: RecordClass;
  n: number;
  enc: 'gzip' | 'identity';
  /** seq and cseq of the first and the last record. */
  first: { seq: number; cseq: number };
  last: { seq: number; cseq: number };
  /** Ranges of this class evicted under disk pressure since the previous batch: explained gaps. */
  evicted?: Eviction[];
  sentAt: string;
}

/** A record as HQ receives it: the journal row with its payload parsed. */
export interface WireRecord extends Omit<OutboxRow, 'payload'> {
  payload: unknown;
}

interface Body {
  seq: number[];
  cseq: number[];
  id: string[];
  types: string[];
  type: number[];
  createdAt: number[] | null;
  createdAtRaw?: string[];
  clocks: ClockQuality[];
  clock: number[];
  boots: string[];
  boot: number[];
  monoUs: number[] | null;
  monoRaw?: number[];
  commandId: (string | null)[];
  actors: string[];
  /** Index into actors; -1: no actor (a record the gateway made itself). */
  actor: number[];
  payload: { keys: string[]; cols: unknown[][] } | { rows: unknown[] };
}

/** Below this the gzip header costs more than it saves. */
const GZIP_MIN_BYTES = 256;

export interface EncodedBatch {
  header: BatchHeader;
  bytes: Buffer;
  /** Body bytes before compression (for the compression ratio). */
  rawBytes: number;
}

export function encodeBatch(vehicle: string, cls: RecordClass, rows: readonly OutboxRow[], evicted: Eviction[] = [], now = new Date()): EncodedBatch {
  if (rows.length === 0) throw new Error('encodeBatch: empty batch');
  const raw = Buffer.from(JSON.stringify(toColumns(rows)));
  let enc: BatchHeader['enc'] = 'identity';
  let body = raw;
  if (raw.length >= GZIP_MIN_BYTES) {
    const z = gzipSync(raw, { level: 6 });
    if (z.length < raw.length * 0.9) {
      enc = 'gzip';
      body = z;
    }
  }
  const first = rows[0]!;
  const last = rows[rows.length - 1]!;
  const header: BatchHeader = {
    v: WIRE_VERSION,
    vehicle,
    class: cls,
    n: rows.length,
    enc,
    first: { seq: first.seq, cseq: first.cseq },
    last: { seq: last.seq, cseq: last.cseq },
    ...(evicted.length ? { evicted } : {}),
    sentAt: now.toISOString(),
  };
  return { header, bytes: Buffer.concat([Buffer.from(`${JSON.stringify(header)}\n`), body]), rawBytes: raw.length };
}

export class WireError extends Error {
  override readonly name = 'WireError';
}

/** Parses a batch; throws WireError on anything malformed (HQ must not trust the wire). */
export function decodeBatch(buf: Buffer): { header: BatchHeader; records: WireRecord[] } {
  const nl = buf.indexOf(0x0a);
  if (nl < 0) throw new WireError('no header line');
  const header = parseJson(buf.subarray(0, nl).toString('utf8'), 'header') as BatchHeader;
  if (typeof header !== 'object' || header === null || header.v !== WIRE_VERSION) throw new WireError(`unsupported batch version ${String((header as { v?: unknown } | null)?.v)}`);
  if (!RECORD_CLASSES.includes(header.class)) throw new WireError(`unknown class ${String(header.class)}`);
  let body = buf.subarray(nl + 1);
  if (header.enc === 'gzip') {
    try {
      body = gunzipSync(body, { maxOutputLength: 64 * 1024 * 1024 });
    } catch (e) {
      throw new WireError(`body does not gunzip: ${(e as Error).message}`);
    }
  } else if (header.enc !== 'identity') throw new WireError(`unknown encoding ${String(header.enc)}`);
  const records = fromColumns(parseJson(body.toString('utf8'), 'body') as Body, header);
  if (records.length !== header.n) throw new WireError(`header says ${header.n} records, body has ${records.length}`);
  return { header, records };
}

function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw new WireError(`${what} is not JSON: ${(e as Error).message}`);
  }
}

/** First value as is, then differences: long runs of small numbers compress well. */
function deltas(values: number[]): number[] {
  return values.map((v, i) => (i === 0 ? v : v - values[i - 1]!));
}

function undelta(values: number[]): number[] {
  const out: number[] = [];
  let acc = 0;
  for (const [i, v] of values.entries()) {
    acc = i === 0 ? v : acc + v;
    out.push(acc);
  }
  return out;
}

/** A column of repeated strings as a dictionary and indexes into it. */
function dict<T extends string>(values: T[]): { dict: T[]; idx: number[] } {
  const at = new Map<T, number>();
  const idx = values.map((v) => {
    let i = at.get(v);
    if (i === undefined) at.set(v, (i = at.size));
    return i;
  });
  return { dict: [...at.keys()], idx };
}

function toColumns(rows: readonly OutboxRow[]): Body {
  const created = rows.map((r) => Date.parse(r.createdAt));
  // Times go as millisecond deltas only when that gives the very same string back.
  const createdOk = created.every((ms, i) => Number.isFinite(ms) && new Date(ms).toISOString() === rows[i]!.createdAt);
  const mono = rows.map((r) => Math.round(r.monoMs * 1000));
  const monoOk = mono.every((us, i) => us / 1000 === rows[i]!.monoMs);
  const types = dict(rows.map((r) => r.type));
  const clocks = dict(rows.map((r) => r.clock));
  const boots = dict(rows.map((r) => r.bootId));
  const actors = dict(rows.filter((r) => r.actor !== null).map((r) => r.actor!));
  const actorAt = new Map(actors.dict.map((a, i) => [a, i]));
  return {
    seq: deltas(rows.map((r) => r.seq)),
    cseq: deltas(rows.map((r) => r.cseq)),
    id: rows.map((r) => r.id),
    types: types.dict,
    type: types.idx,
    createdAt: createdOk ? deltas(created) : null,
    ...(createdOk ? {} : { createdAtRaw: rows.map((r) => r.createdAt) }),
    clocks: clocks.dict,
    clock: clocks.idx,
    boots: boots.dict,
    boot: boots.idx,
    monoUs: monoOk ? deltas(mono) : null,
    ...(monoOk ? {} : { monoRaw: rows.map((r) => r.monoMs) }),
    commandId: rows.map((r) => r.commandId),
    actors: actors.dict,
    actor: rows.map((r) => (r.actor === null ? -1 : actorAt.get(r.actor)!)),
    payload: payloadColumns(rows.map((r) => JSON.parse(r.payload) as unknown)),
  };
}

/** Payloads that are objects with the same keys in the same order go field by field. */
function payloadColumns(payloads: unknown[]): Body['payload'] {
  const first = payloads[0];
  if (!isPlainObject(first)) return { rows: payloads };
  const keys = Object.keys(first);
  const same = payloads.every((p) => isPlainObject(p) && sameKeys(Object.keys(p), keys));
  if (!same) return { rows: payloads };
  return { keys, cols: keys.map((k) => payloads.map((p) => (p as Record<string, unknown>)[k])) };
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function sameKeys(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((k, i) => k === b[i]);
}

function fromColumns(b: Body, h: BatchHeader): WireRecord[] {
  if (typeof b !== 'object' || b === null || !Array.isArray(b.seq) || !Array.isArray(b.id)) throw new WireError('body has no seq/id columns');
  const n = b.id.length;
  const seq = undelta(b.seq);
  const cseq = undelta(b.cseq);
  const created = b.createdAt ? undelta(b.createdAt).map((ms) => new Date(ms).toISOString()) : b.createdAtRaw;
  const mono = b.monoUs ? undelta(b.monoUs).map((us) => us / 1000) : b.monoRaw;
  const payloads = 'rows' in b.payload ? b.payload.rows : transpose(b.payload.keys, b.payload.cols, n);
  const cols = [seq, cseq, created, mono, payloads, b.type, b.clock, b.boot, b.commandId, b.actor];
  if (cols.some((c) => !Array.isArray(c) || c.length !== n)) throw new WireError('body columns differ in length');
  const out: WireRecord[] = [];
  for (let i = 0; i < n; i++) {
    const type = b.types[b.type[i]!];
    const clock = b.clocks[b.clock[i]!];
    const bootId = b.boots[b.boot[i]!];
    const actorIdx = b.actor[i]!;
    const actor = actorIdx === -1 ? null : b.actors[actorIdx];
    if (type === undefined || clock === undefined || bootId === undefined || actor === undefined) throw new WireError(`record ${i}: dictionary index out of range`);
    out.push({
      seq: seq[i]!,
      cseq: cseq[i]!,
      id: b.id[i]!,
      vehicle: h.vehicle,
      type,
      class: h.class,
      createdAt: created![i]!,
      clock,
      monoMs: mono![i]!,
      bootId,
      commandId: b.commandId[i] ?? null,
      actor,
      payload: payloads[i],
    });
  }
  return out;
}

function transpose(keys: string[], cols: unknown[][], n: number): Record<string, unknown>[] {
  if (!Array.isArray(keys) || !Array.isArray(cols) || keys.length !== cols.length || cols.some((c) => !Array.isArray(c) || c.length !== n)) {
    throw new WireError('payload columns are malformed');
  }
  return Array.from({ length: n }, (_, i) => Object.fromEntries(keys.map((k, j) => [k, cols[j]![i]])));
}
