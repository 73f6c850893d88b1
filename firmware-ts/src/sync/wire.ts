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
import type { OutboxRow, Eviction } from '../store/outbox.js';
import { RECORD_CLASSES, type RecordClass } from '../store/records.js';
import { ColumnError, fromColumns, toColumns, type Body } from './wire-columns.js';

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
    const z = gzipSync(raw, { level: 5 }); // as small as 6-9 for these bodies, at 60 % of the time
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
  let cols;
  try {
    cols = fromColumns(parseJson(body.toString('utf8'), 'body') as Body);
  } catch (e) {
    if (e instanceof ColumnError) throw new WireError(e.message);
    throw e;
  }
  const records = cols.map((r): WireRecord => ({ ...r, vehicle: header.vehicle, class: header.class }));
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
