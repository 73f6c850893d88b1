// Command idempotency (DESIGN.md non-negotiable 2): a command id maps to the first
// answer. A retry with the same payload gets that answer again; the same id with a
// different payload is a CONFLICT. This is the only place ids are checked.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { Statement } from 'better-sqlite3';
import type { Db } from './database.js';

export type IdempotencyLookup =
  | { kind: 'new' }
  | { kind: 'replay'; answer: unknown }
  | { kind: 'conflict'; firstTopic: string };

/** JSON with sorted keys, so the hash ignores key order. */
export function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o)
      .sort()
      .filter((k) => o[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v);
}

export function payloadHash(topic: string, payload: unknown): string {
  return createHash('sha256').update(topic).update('\0').update(canonicalJson(payload)).digest('base64url');
}

export class IdempotencyTable {
  private readonly getStmt: Statement;
  private readonly putStmt: Statement;
  private readonly pruneStmt: Statement;

  /**
   * `key`: a per-installation secret. Payloads carry personal data of little entropy (a TC
   * Kimlik No has ~10^9 valid values), so a plain SHA-256 of a payload in the commands table
   * could be reversed by trying them all (KVKK, DESIGN.md non-negotiable 6); what is stored
   * is HMAC(key, hash) instead. Without a key (tests) the hash is stored as it is.
   */
  constructor(
    db: Db,
    private readonly key: Buffer | null = null,
  ) {
    this.getStmt = db.prepare('SELECT actor, topic, payload_hash, answer FROM commands WHERE id = ?');
    this.putStmt = db.prepare(
      'INSERT INTO commands (id, actor, topic, payload_hash, answer, created_at) VALUES (?, ?, ?, ?, ?, ?)',
    );
    // A full scan (no index on created_at: it cost a page per commit). It runs at start and
    // daily, over at most idempotencyDays of commands; a scan, unlike a cut in arrival order,
    // is also right about rows written while the clock was wrong.
    this.pruneStmt = db.prepare('DELETE FROM commands WHERE created_at < ?');
  }

  lookup(id: string, actor: string, hash: string): IdempotencyLookup {
    const row = this.getStmt.get(id) as { actor: string; topic: string; payload_hash: string; answer: string } | undefined;
    if (!row) return { kind: 'new' };
    // Another user reusing an id is a conflict too: ids are not shared across users.
    if (!this.sameHash(row.payload_hash, hash) || row.actor !== actor) return { kind: 'conflict', firstTopic: row.topic };
    return { kind: 'replay', answer: JSON.parse(row.answer) as unknown };
  }

  remember(id: string, actor: string, topic: string, hash: string, answer: unknown): void {
    this.putStmt.run(id, actor, topic, this.sealed(hash), JSON.stringify(answer), new Date().toISOString());
  }

  private sealed(hash: string): string {
    return this.key ? `h1:${createHmac('sha256', this.key).update(hash).digest('base64url')}` : hash;
  }

  /** A row written before the key existed (an upgrade) holds the plain hash; it still matches. */
  private sameHash(stored: string, hash: string): boolean {
    const want = stored.startsWith('h1:') ? this.sealed(hash) : hash;
    return want.length === stored.length && timingSafeEqual(Buffer.from(want), Buffer.from(stored));
  }

  /** Forgets command ids older than the retention; returns how many went. */
  prune(olderThan: Date): number {
    return this.pruneStmt.run(olderThan.toISOString()).changes;
  }
}
