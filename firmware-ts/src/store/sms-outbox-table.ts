// The sms_outbox table (migration 4): SMS to citizens (a request's tracking number) are
// queued in the transaction of the record they are about, so an acknowledged request's SMS
// is never lost to a crash or a modem outage; a sender part sends them in order when the
// modem can, and marks each sent, or failed after its last attempt.
import type { Statement } from 'better-sqlite3';
import type { Db } from './database.js';

export interface SmsRow {
  id: string;
  to: string;
  text: string;
  ref: string | null;
  createdAt: string;
  attempts: number;
  lastError: string | null;
  sentAt: string | null;
  failedAt: string | null;
}

interface Raw {
  id: string;
  to_number: string;
  text: string;
  ref: string | null;
  created_at: string;
  attempts: number;
  last_error: string | null;
  sent_at: string | null;
  failed_at: string | null;
}

const fromRaw = (r: Raw): SmsRow => ({
  id: r.id,
  to: r.to_number,
  text: r.text,
  ref: r.ref,
  createdAt: r.created_at,
  attempts: r.attempts,
  lastError: r.last_error,
  sentAt: r.sent_at,
  failedAt: r.failed_at,
});

export class SmsOutboxTable {
  private readonly insert: Statement;
  private readonly pendingStmt: Statement;
  private readonly sentStmt: Statement;
  private readonly attemptStmt: Statement;
  private readonly getStmt: Statement;
  private readonly countStmt: Statement;

  constructor(db: Db) {
    this.insert = db.prepare('INSERT INTO sms_outbox (id, to_number, text, ref, created_at) VALUES (?, ?, ?, ?, ?)');
    this.pendingStmt = db.prepare('SELECT * FROM sms_outbox WHERE sent_at IS NULL AND failed_at IS NULL ORDER BY seq LIMIT ?');
    this.sentStmt = db.prepare('UPDATE sms_outbox SET sent_at = ?, attempts = attempts + 1, last_error = NULL WHERE id = ? AND sent_at IS NULL');
    this.attemptStmt = db.prepare('UPDATE sms_outbox SET attempts = attempts + 1, last_error = ?, failed_at = CASE WHEN attempts + 1 >= ? THEN ? ELSE NULL END WHERE id = ?');
    this.getStmt = db.prepare('SELECT * FROM sms_outbox WHERE id = ?');
    this.countStmt = db.prepare('SELECT count(*) AS n FROM sms_outbox WHERE sent_at IS NULL AND failed_at IS NULL');
  }

  enqueue(sms: { id: string; to: string; text: string; ref: string | null; createdAt: string }): void {
    this.insert.run(sms.id, sms.to, sms.text, sms.ref, sms.createdAt);
  }

  pending(limit = 50): SmsRow[] {
    return (this.pendingStmt.all(limit) as Raw[]).map(fromRaw);
  }

  pendingCount(): number {
    return (this.countStmt.get() as { n: number }).n;
  }

  get(id: string): SmsRow | undefined {
    const r = this.getStmt.get(id) as Raw | undefined;
    return r && fromRaw(r);
  }

  /** False when it was already marked sent (or is unknown). */
  markSent(id: string, at: string): boolean {
    return this.sentStmt.run(at, id).changes === 1;
  }

  /** Counts a failed attempt; after `maxAttempts` the message is marked failed (kept, for the crew to see). */
  markAttemptFailed(id: string, error: string, maxAttempts: number, at: string): void {
    this.attemptStmt.run(error, maxAttempts, at, id);
  }
}
