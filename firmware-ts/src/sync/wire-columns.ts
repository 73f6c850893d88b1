// The batch body, column by column (wire.ts has the framing). Every column is chosen
// so gzip sees small, repetitive values, and every encoding is checked to give back
// exactly what the journal holds; where it would not, the column goes as is.
// - seq, cseq: first value, then differences.
// - id: a UUIDv7 starts with its creation time in ms, the record's createdAt (journal.ts
//   makes both from one reading), so only the random part goes when the two agree.
// - createdAt: ms, as differences; monoMs: µs, as the difference from what createdAt's
//   step predicts (a steady clock gives a small jitter, not an 8-digit step).
// - type, clock, boot id, actor: a dictionary and indexes.
// - payload: objects with the same keys go field by field; a field whose values are all
//   decimal numbers goes as scaled integers, as differences (GNSS coordinates: 4 digits).
import type { ClockQuality } from '../platform/clock.js';
import type { OutboxRow } from '../store/outbox.js';

export class ColumnError extends Error {}

type NumCol = { d: number; z: number[] };
type PayloadCol = unknown[] | NumCol;

export interface Body {
  seq: number[];
  cseq: number[];
  /** Random part of each id (time prefix dropped), or the whole id where the prefix is not createdAt. */
  id: string[];
  types: string[];
  type: number[];
  createdAt: number[] | null;
  createdAtRaw?: string[];
  clocks: ClockQuality[];
  clock: number[];
  boots: string[];
  boot: number[];
  /** µs: first value, then (step - createdAt step x 1000). */
  monoUs: number[] | null;
  monoRaw?: number[];
  commandId: (string | null)[];
  actors: string[];
  /** Index into actors; -1: no actor (a record the gateway made itself). */
  actor: number[];
  payload: { keys: string[]; cols: PayloadCol[] } | { rows: unknown[] };
}

export interface ColumnRecord extends Omit<OutboxRow, 'payload' | 'vehicle' | 'class'> {
  payload: unknown;
}

const deltas = (v: number[]) => v.map((x, i) => (i === 0 ? x : x - v[i - 1]!));

function undelta(v: number[]): number[] {
  const out: number[] = [];
  let acc = 0;
  for (let i = 0; i < v.length; i++) out.push((acc = i === 0 ? v[i]! : acc + v[i]!));
  return out;
}

function dict<T extends string>(values: T[]): { dict: T[]; idx: number[] } {
  const at = new Map<T, number>();
  const idx = values.map((v) => {
    let i = at.get(v);
    if (i === undefined) at.set(v, (i = at.size));
    return i;
  });
  return { dict: [...at.keys()], idx };
}

const UUID7 = /^([0-9a-f]{8})-([0-9a-f]{4})-(7[0-9a-f]{3})-([89ab][0-9a-f]{3})-([0-9a-f]{12})$/;

function idPrefix(ms: number): string {
  const h = ms.toString(16).padStart(12, '0');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-`;
}

/** The id without its time prefix when that prefix is the record's createdAt; else the whole id. */
function idTail(id: string, ms: number): string {
  const m = UUID7.exec(id);
  if (!m || !Number.isFinite(ms) || ms < 0 || idPrefix(ms) !== `${m[1]}-${m[2]}-`) return id;
  return `${m[3]!.slice(1)}${m[4]}${m[5]}`; // 19 hex digits: the version nibble is always 7
}

function idFrom(tail: string, ms: number): string {
  if (tail.length !== 19) return tail;
  return `${idPrefix(ms)}7${tail.slice(0, 3)}-${tail.slice(3, 7)}-${tail.slice(7)}`;
}

/** Digits after the point of a plain decimal (no exponent); null when it is not one. */
function decimals(v: number): number | null {
  const s = String(v);
  if (!/^-?\d+(\.\d+)?$/.test(s)) return null;
  const dot = s.indexOf('.');
  return dot < 0 ? 0 : s.length - dot - 1;
}

/** A column of decimal numbers as integers scaled by 10^d, as differences; null when not exact. */
function numberColumn(values: unknown[]): NumCol | null {
  let d = 0;
  for (const v of values) {
    if (typeof v !== 'number') return null;
    const k = decimals(v);
    if (k === null || k > 9) return null;
    d = Math.max(d, k);
  }
  const scale = 10 ** d;
  const ints = (values as number[]).map((v) => Math.round(v * scale));
  if (!ints.every((n, i) => Number.isSafeInteger(n) && n / scale === values[i])) return null;
  const z = deltas(ints);
  return z.every(Number.isSafeInteger) ? { d, z } : null;
}

export function toColumns(rows: readonly OutboxRow[]): Body {
  const created = rows.map((r) => Date.parse(r.createdAt));
  const createdOk = created.every((ms, i) => Number.isFinite(ms) && new Date(ms).toISOString() === rows[i]!.createdAt);
  const mono = rows.map((r) => Math.round(r.monoMs * 1000));
  const monoOk = createdOk && mono.every((us, i) => Number.isSafeInteger(us) && us / 1000 === rows[i]!.monoMs);
  const types = dict(rows.map((r) => r.type));
  const clocks = dict(rows.map((r) => r.clock));
  const boots = dict(rows.map((r) => r.bootId));
  const actors = dict(rows.filter((r) => r.actor !== null).map((r) => r.actor!));
  const actorAt = new Map(actors.dict.map((a, i) => [a, i]));
  return {
    seq: deltas(rows.map((r) => r.seq)),
    cseq: deltas(rows.map((r) => r.cseq)),
    id: rows.map((r, i) => (createdOk ? idTail(r.id, created[i]!) : r.id)),
    types: types.dict,
    type: types.idx,
    createdAt: createdOk ? deltas(created) : null,
    ...(createdOk ? {} : { createdAtRaw: rows.map((r) => r.createdAt) }),
    clocks: clocks.dict,
    clock: clocks.idx,
    boots: boots.dict,
    boot: boots.idx,
    monoUs: monoOk ? mono.map((us, i) => (i === 0 ? us : us - mono[i - 1]! - (created[i]! - created[i - 1]!) * 1000)) : null,
    ...(monoOk ? {} : { monoRaw: rows.map((r) => r.monoMs) }),
    commandId: rows.map((r) => r.commandId),
    actors: actors.dict,
    actor: rows.map((r) => (r.actor === null ? -1 : actorAt.get(r.actor)!)),
    payload: payloadColumns(rows.map((r) => JSON.parse(r.payload) as unknown)),
  };
}

const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function payloadColumns(payloads: unknown[]): Body['payload'] {
  const first = payloads[0];
  if (!isPlainObject(first)) return { rows: payloads };
  const keys = Object.keys(first);
  const same = payloads.every((p) => isPlainObject(p) && Object.keys(p).length === keys.length && Object.keys(p).every((k, i) => k === keys[i]));
  if (!same) return { rows: payloads };
  const cols = keys.map((k) => payloads.map((p) => (p as Record<string, unknown>)[k]));
  return { keys, cols: cols.map((c) => numberColumn(c) ?? c) };
}

function column<T>(c: unknown, n: number, what: string): T[] {
  if (!Array.isArray(c) || c.length !== n) throw new ColumnError(`column ${what} is missing or of the wrong length`);
  return c as T[];
}

export function fromColumns(b: Body): ColumnRecord[] {
  if (typeof b !== 'object' || b === null || !Array.isArray(b.id)) throw new ColumnError('body has no id column');
  const n = b.id.length;
  const seq = undelta(column<number>(b.seq, n, 'seq'));
  const cseq = undelta(column<number>(b.cseq, n, 'cseq'));
  const ms = b.createdAt ? undelta(column<number>(b.createdAt, n, 'createdAt')) : null;
  const created = ms ? ms.map((t) => new Date(t).toISOString()) : column<string>(b.createdAtRaw, n, 'createdAtRaw');
  let mono: number[];
  if (b.monoUs && ms) {
    const m = column<number>(b.monoUs, n, 'monoUs');
    let acc = 0;
    mono = m.map((v, i) => (acc = i === 0 ? v : acc + v + (ms[i]! - ms[i - 1]!) * 1000) / 1000);
  } else mono = column<number>(b.monoRaw, n, 'monoRaw');
  const payloads = 'rows' in b.payload ? column<unknown>(b.payload.rows, n, 'payload') : transpose(b.payload.keys, b.payload.cols, n);
  const [type, clock, boot, commandId, actor] = [column<number>(b.type, n, 'type'), column<number>(b.clock, n, 'clock'), column<number>(b.boot, n, 'boot'), column<string | null>(b.commandId, n, 'commandId'), column<number>(b.actor, n, 'actor')];
  const out: ColumnRecord[] = [];
  for (let i = 0; i < n; i++) {
    const t = b.types[type[i]!];
    const c = b.clocks[clock[i]!];
    const bootId = b.boots[boot[i]!];
    const a = actor[i] === -1 ? null : b.actors[actor[i]!];
    if (t === undefined || c === undefined || bootId === undefined || a === undefined) throw new ColumnError(`record ${i}: dictionary index out of range`);
    const id = ms ? idFrom(b.id[i]!, ms[i]!) : b.id[i]!;
    out.push({ seq: seq[i]!, cseq: cseq[i]!, id, type: t, createdAt: created[i]!, clock: c, monoMs: mono[i]!, bootId, commandId: commandId[i] ?? null, actor: a, payload: payloads[i] });
  }
  return out;
}

function transpose(keys: string[], cols: PayloadCol[], n: number): Record<string, unknown>[] {
  if (!Array.isArray(keys) || !Array.isArray(cols) || keys.length !== cols.length) throw new ColumnError('payload columns are malformed');
  const values = cols.map((c, j) => {
    if (Array.isArray(c)) return column<unknown>(c, n, `payload.${keys[j]}`);
    if (typeof c !== 'object' || c === null || typeof c.d !== 'number' || !Number.isInteger(c.d) || c.d < 0 || c.d > 9) throw new ColumnError(`payload.${keys[j]}: bad number column`);
    const scale = 10 ** c.d;
    return undelta(column<number>(c.z, n, `payload.${keys[j]}`)).map((v) => v / scale);
  });
  return Array.from({ length: n }, (_, i) => Object.fromEntries(keys.map((k, j) => [k, values[j]![i]])));
}
