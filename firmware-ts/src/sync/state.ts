// Retained `vim/state/sync` (issue 8): what HQ still lacks per class, how old the
// oldest of it is, the push link, the alarm. Tablets, the CLI and `mosquitto_sub -t
// vim/state/sync` read it; it is published on change and as a heartbeat.
import type { Clock } from '../platform/clock.js';
import type { ClassBacklog } from '../store/outbox.js';
import type { OutboxAlarm } from '../store/outbox-pressure.js';
import { RECORD_CLASSES, type RecordClass } from '../store/records.js';
import type { Pusher } from './push/pusher.js';

export interface BacklogState {
  count: number;
  bytes: number;
  oldestSeq: number | null;
  oldestAt: string | null;
  /** Seconds since the oldest undelivered record was made (by the monotonic clock when its wall time was unsynced). */
  oldestAgeS: number | null;
}

export interface SyncState {
  vehicle: string;
  at: string;
  /** Connected to the HQ broker now. */
  connected: boolean;
  alarm: OutboxAlarm | null;
  /** What HQ has through neither push nor pull, per class, in priority order. */
  backlog: Record<RecordClass, BacklogState>;
  oldestUndeliveredAgeS: number | null;
  lastSuccessAt: string | null;
  bytesSentToday: number;
  push: {
    phase: string;
    broker: string;
    link: { up: boolean; via: string };
    lastFailure: { kind: string; message: string; at: string } | null;
    nextAttemptAt: string | null;
    inFlight: Record<RecordClass, number>;
    today: { day: string; bytes: number; records: number; batches: number };
  } | null;
  pull: { endpoints: string[]; lastAckAt: string | null } | null;
  outbox: {
    usedBytes: number;
    limitBytes: number | null;
    freeDiskBytes: number | null;
    evicted: Record<RecordClass, number>;
    refused: Record<RecordClass, number>;
  };
}

/** A broker URL without any credentials in it, for display. */
export function safeUrl(url: string): string {
  try {
    const u = new URL(url);
    u.username = '';
    u.password = '';
    return u.toString().replace(/\/$/, '');
  } catch {
    return url.replace(/\/\/[^@/]*@/, '//');
  }
}

export function backlogState(b: ClassBacklog, clock: Clock, now = clock.now()): BacklogState {
  const o = b.oldest;
  let age: number | null = null;
  if (o) {
    const wallOk = o.clock !== 'unsynced' || clock.quality() === 'unsynced';
    // An unsynced record of this boot: the monotonic clock knows its age even if the wall clock was wrong.
    if (!wallOk && o.bootId === clock.bootId) age = (clock.monoMs() - o.monoMs) / 1000;
    else age = (now.getTime() - Date.parse(o.createdAt)) / 1000;
    age = Math.max(0, Math.round(age));
  }
  return { count: b.count, bytes: b.bytes, oldestSeq: o?.seq ?? null, oldestAt: o?.createdAt ?? null, oldestAgeS: age };
}

export function oldestAge(backlog: Record<RecordClass, BacklogState>): number | null {
  const ages = RECORD_CLASSES.map((c) => backlog[c].oldestAgeS).filter((a): a is number => a !== null);
  return ages.length ? Math.max(...ages) : null;
}

export function pushState(p: Pusher | null, url: string | null): SyncState['push'] {
  if (!p || url === null) return null;
  return {
    phase: p.phase,
    broker: safeUrl(url),
    link: p.link,
    lastFailure: p.lastFailure,
    nextAttemptAt: p.nextAttemptAt,
    inFlight: p.inFlight(),
    today: { ...p.today },
  };
}

/** What counts as a change worth publishing at once (not the ages, which move every second). */
export function changeKey(s: SyncState): string {
  return JSON.stringify([s.connected, s.alarm?.class, s.push?.phase, s.push?.lastFailure?.kind, s.push?.link.up, RECORD_CLASSES.map((c) => s.backlog[c].count === 0)]);
}
