// The outbox and sync as crews see them: what HQ does not have yet, per consumer
// and class, and the sync part's own state when the gateway has one. The sync
// part is read duck-typed (health(), state()/snapshot()/status(), syncNow()):
// it is built separately, and the control API must not break when it changes.
import type { Health } from '../lifecycle.js';
import { RECORD_CLASSES, type RecordClass } from '../store/records.js';
import type { ClassBacklog } from '../store/outbox.js';
import type { ControlSources } from './sources.js';

/** The push consumer's cursor name in the outbox (sync/push/pusher.ts PUSH_CONSUMER). */
export const PUSH_CONSUMER = 'push';

export interface ConsumerBacklog {
  consumer: string;
  records: number;
  bytes: number;
  /** createdAt of the oldest record this consumer has not acknowledged. */
  oldest: string | null;
  classes: Record<RecordClass, ClassBacklog>;
}

export interface OutboxView {
  lastSeq: number;
  /** What HQ has through none of the consumers: per class, the smallest of their backlogs. */
  hq: { records: number; bytes: number; oldest: string | null };
  consumers: ConsumerBacklog[];
  /** Rows still held in the outbox per class (acknowledged ones wait for retention). */
  held: Record<RecordClass, { count: number; bytes: number; lastCseq: number }>;
}

export type SyncView =
  | { configured: false; detail: string }
  | { configured: true; health: Health | null; state: unknown; canSyncNow: boolean };

type Fn = (...a: unknown[]) => unknown;
const method = (o: unknown, name: string): Fn | null => {
  const f = (o as Record<string, unknown> | null)?.[name];
  return typeof f === 'function' ? (f as Fn).bind(o) : null;
};

/** The consumers HQ reads through: push when configured, each pull consumer; push alone when none is. */
export function consumerNames(src: ControlSources): string[] {
  const s = src.config.sync;
  const names = [...(s.push?.enabled ? [PUSH_CONSUMER] : []), ...(s.pull?.enabled ? s.pull.consumers.map((c) => c.name) : [])];
  return names.length > 0 ? names : [PUSH_CONSUMER];
}

export function outboxView(src: ControlSources): OutboxView {
  const outbox = src.store.outbox;
  const consumers = consumerNames(src).map((consumer): ConsumerBacklog => {
    const classes = outbox.backlog(consumer);
    let records = 0;
    let bytes = 0;
    let oldest: string | null = null;
    for (const c of RECORD_CLASSES) {
      records += classes[c].count;
      bytes += classes[c].bytes;
      const at = classes[c].oldest?.createdAt ?? null;
      if (at !== null && (oldest === null || at < oldest)) oldest = at;
    }
    return { consumer, records, bytes, oldest, classes };
  });
  const hq = { records: 0, bytes: 0, oldest: null as string | null };
  for (const c of RECORD_CLASSES) {
    const best = consumers.reduce<ClassBacklog | null>((b, x) => (b === null || x.classes[c].count < b.count ? x.classes[c] : b), null);
    if (!best) continue;
    hq.records += best.count;
    hq.bytes += best.bytes;
    const at = best.oldest?.createdAt ?? null;
    if (at !== null && (hq.oldest === null || at < hq.oldest)) hq.oldest = at;
  }
  return { lastSeq: outbox.lastSeq(), hq, consumers, held: outbox.usage() };
}

export function syncView(src: ControlSources): SyncView {
  const sync = src.sync;
  if (sync === undefined || sync === null) return { configured: false, detail: 'not configured (no sync part in this gateway)' };
  const health = method(sync, 'health');
  const read = method(sync, 'state') ?? method(sync, 'snapshot') ?? method(sync, 'status');
  return {
    configured: true,
    health: health ? (health() as Health) : null,
    state: read ? read() : null,
    canSyncNow: method(sync, 'syncNow') !== null || method(sync, 'now') !== null,
  };
}

/** Asks the sync part to try HQ at once; false when it has no such action. */
export async function syncNow(src: ControlSources): Promise<boolean> {
  const f = method(src.sync, 'syncNow') ?? method(src.sync, 'now');
  if (!f) return false;
  await f();
  return true;
}
