// Shared pieces of the sync tests: mixed records written through the real store, and
// the checks that HQ (the collector's SQLite file) holds each exactly once, in order.
import { expect } from 'vitest';
import type { Store } from '../../firmware-ts/src/store/store.js';
import { RECORD_CLASSES, type RecordClass } from '../../firmware-ts/src/store/records.js';
import type { HqCollector } from '../../scripts/hq-collector.js';

/** A deterministic mix: mostly track points, some of every other class. */
export function classOf(i: number): RecordClass {
  const r = (i * 7919) % 100;
  if (r < 5) return 'money';
  if (r < 12) return 'requests';
  if (r < 30) return 'queue';
  if (r < 45) return 'events';
  return 'track';
}

export function payloadOf(cls: RecordClass, i: number): unknown {
  switch (cls) {
    case 'track':
      return { time: new Date(Date.UTC(2026, 10, 28, 9, 0, i % 60)).toISOString(), mode: '3d', lat: 40.0776 + i * 1e-5, lon: 29.5133 + i * 1e-5, altMSL: 230.5, speed: 8.2, track: 91.3, hdop: 0.9, satellitesUsed: 9 };
    case 'money':
      return { paymentId: `p-${i}`, amountKurus: 1000 + i, payer: { ref: `S${i}`, name: 'Ayşe Yılmaz', id: null } };
    case 'requests':
      return { trackingNumber: `T-${i}`, subject: 'Yol çukuru', citizen: { name: 'Mehmet Öz', phone: '+905551112233', tckn: null, address: null, email: null } };
    case 'queue':
      return { ticket: `A${String(i % 1000).padStart(3, '0')}`, at: i };
    default:
      return { text: `olay ${i}`, severity: 'info', device: null };
  }
}

/** Appends `n` mixed records in commits of up to `perCommit`; returns their seqs by class. */
export async function writeMixed(store: Store, n: number, start = 0, perCommit = 500): Promise<number> {
  for (let i = 0; i < n; i += perCommit) {
    const m = Math.min(perCommit, n - i);
    await store.transact((tx) => {
      for (let k = 0; k < m; k++) {
        const j = start + i + k;
        const cls = classOf(j);
        tx.journal.append({ type: `test.${cls}`, class: cls, payload: payloadOf(cls, j), ...(j % 3 === 0 ? {} : { actor: 'ayse' }) });
      }
    });
  }
  return start + n;
}

export async function waitUntil(what: string, cond: () => boolean, timeoutMs: number, context: () => string = () => ''): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}\n${context()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

interface JournalRow {
  seq: number;
  id: string;
  class: string;
  payload: string;
}

/** HQ holds every journal row exactly once with the same content, and arrival order within a class is seq order. */
export function expectExactlyOnce(hq: HqCollector, journal: readonly JournalRow[], vehicle: string): void {
  const got = hq.db.db.prepare('SELECT id, seq, class, payload FROM records WHERE vehicle = ?').all(vehicle) as JournalRow[];
  const byId = new Map(got.map((r) => [r.id, r]));
  const missing = journal.filter((r) => !byId.has(r.id));
  const journalIds = new Set(journal.map((r) => r.id));
  const extra = got.filter((r) => !journalIds.has(r.id));
  expect(missing.map((r) => r.seq).slice(0, 20), `missing at HQ (${missing.length})`).toEqual([]);
  expect(extra.map((r) => r.seq).slice(0, 20), `extra at HQ (${extra.length})`).toEqual([]);
  const differ = journal.filter((r) => {
    const h = byId.get(r.id)!;
    return h.seq !== r.seq || h.class !== r.class || JSON.stringify(JSON.parse(h.payload)) !== JSON.stringify(JSON.parse(r.payload));
  });
  expect(differ.map((r) => r.seq).slice(0, 20), 'records whose content differs at HQ').toEqual([]);
  for (const c of RECORD_CLASSES) {
    const order = hq.db.arrivalOrder(vehicle, c).map((r) => r.seq);
    const bad = order.findIndex((s, i) => i > 0 && s <= order[i - 1]!);
    expect(bad, `class ${c}: arrival order breaks at index ${bad} (${order.slice(Math.max(0, bad - 2), bad + 2).join(',')})`).toBe(-1);
  }
  expect(hq.gaps().filter((g) => !g.evicted), 'unexplained gaps').toEqual([]);
}
