// Parameters of the pull API, checked strictly: a malformed request gets a clear
// 400 and changes nothing (DESIGN.md non-negotiable 5).
import { RECORD_CLASSES, type RecordClass } from '../../store/records.js';

export class ApiProblem extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

const bad = (message: string) => new ApiProblem(400, 'BAD_REQUEST', message);

function integer(name: string, raw: string, min: number, max: number): number {
  if (!/^\d{1,16}$/.test(raw)) throw bad(`${name} must be a whole number, got "${raw.slice(0, 40)}"`);
  const n = Number(raw);
  if (n < min || n > max) throw bad(`${name} must be between ${min} and ${max}, got ${n}`);
  return n;
}

/**
 * The request target as a URL. Node's HTTP parser lets through targets the WHATWG URL
 * parser refuses (e.g. "//[" or "//a b", read as an authority): a 400 naming it, not
 * the 500 of an unexpected throw (found by the fuzz suite).
 */
export function parseTarget(raw: string | undefined): URL {
  try {
    return new URL(raw ?? '/', 'http://gateway');
  } catch {
    throw bad(`the request target is not a valid path: "${(raw ?? '').slice(0, 40)}"`);
  }
}

export function parseClasses(raw: string | string[] | undefined): RecordClass[] | null {
  if (raw === undefined) return null;
  const list = (Array.isArray(raw) ? raw : raw.split(',')).map((c) => c.trim());
  const unknown = list.filter((c) => !RECORD_CLASSES.includes(c as RecordClass));
  if (list.length === 0 || unknown.length) throw bad(`class must be one or more of ${RECORD_CLASSES.join(', ')}; unknown: ${unknown.map((u) => JSON.stringify(u.slice(0, 20))).join(', ') || '(empty)'}`);
  // Priority order and no repeats, whatever order the client wrote them in.
  return RECORD_CLASSES.filter((c) => list.includes(c));
}

export interface RecordsQuery {
  after: number | null;
  limit: number;
  classes: RecordClass[] | null;
}

export function parseRecordsQuery(params: URLSearchParams, defaultLimit: number, maxLimit: number): RecordsQuery {
  for (const k of new Set(params.keys())) {
    if (!['after', 'limit', 'class'].includes(k)) throw bad(`unknown parameter "${k.slice(0, 40)}" (after, limit, class)`);
    if (params.getAll(k).length > 1) throw bad(`${k} given more than once`);
  }
  const after = params.get('after');
  const limit = params.get('limit');
  const cls = params.get('class');
  return {
    after: after === null ? null : integer('after', after, 0, Number.MAX_SAFE_INTEGER),
    limit: limit === null ? defaultLimit : integer('limit', limit, 1, maxLimit),
    classes: cls === null ? null : parseClasses(cls),
  };
}

export interface AckBody {
  consumer: string;
  upTo: number;
  classes: RecordClass[] | null;
}

export function parseAck(text: string): AckBody {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw bad(`body is not JSON (${(e as Error).message})`);
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw bad('body must be a JSON object {consumer, upTo, class?}');
  const o = doc as Record<string, unknown>;
  const extra = Object.keys(o).filter((k) => !['consumer', 'upTo', 'class'].includes(k));
  if (extra.length) throw bad(`unknown field ${JSON.stringify(extra[0]!.slice(0, 40))} (consumer, upTo, class)`);
  if (typeof o.consumer !== 'string' || o.consumer.length === 0) throw bad('consumer must be a non-empty string');
  if (typeof o.upTo !== 'number' || !Number.isSafeInteger(o.upTo) || o.upTo < 0) throw bad('upTo must be a whole number >= 0');
  if (o.class !== undefined && typeof o.class !== 'string' && !(Array.isArray(o.class) && o.class.every((c) => typeof c === 'string'))) {
    throw bad('class must be a class name or a list of them');
  }
  return { consumer: o.consumer, upTo: o.upTo, classes: parseClasses(o.class) };
}
