// `node dist/firmware-ts/src/cli/store-info.js FILE`: one line "<schema version> <last seq>"
// for a journal file, opened read-only. scripts/install-pi.sh asks it, when an upgrade
// fails its health check, whether the failed release took records the backup does not
// hold and whether the previous release can still open the store (docs/operations.md
// "Upgrade"). Exit 1 (with the reason on stderr) when the file is not a readable journal.
import Database from 'better-sqlite3';

export interface StoreInfo {
  /** PRAGMA user_version: how many migrations (store/migrations.ts) the file has. */
  schemaVersion: number;
  /** The last journal seq; 0 for an empty journal. */
  lastSeq: number;
}

export function storeInfo(file: string): StoreInfo {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const schemaVersion = db.pragma('user_version', { simple: true }) as number;
    const hasJournal = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'journal'").get() !== undefined;
    const lastSeq = hasJournal ? ((db.prepare('SELECT coalesce(max(seq), 0) AS s FROM journal').get() as { s: number }).s) : 0;
    return { schemaVersion, lastSeq };
  } finally {
    db.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const file = process.argv[2];
  if (!file || process.argv.length > 3) {
    process.stderr.write('usage: store-info FILE\n');
    process.exit(64);
  }
  try {
    const i = storeInfo(file);
    process.stdout.write(`${i.schemaVersion} ${i.lastSeq}\n`);
  } catch (e) {
    process.stderr.write(`store-info: ${file}: ${(e as Error).message}\n`);
    process.exit(1);
  }
}
