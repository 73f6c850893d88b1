// Storage failures as the command path reports them (issue 2, "Store"): a full
// disk is STORE_FULL, anything that makes the file unwritable is STORE_UNAVAILABLE.
export type StoreErrorCode = 'STORE_FULL' | 'STORE_UNAVAILABLE';

export class StoreError extends Error {
  constructor(
    readonly code: StoreErrorCode,
    message: string,
    readonly sqliteCode?: string,
  ) {
    super(message);
    this.name = 'StoreError';
  }
}

/** Maps a better-sqlite3 / fs error to a StoreError, or returns null for a programming error. */
export function classifyStoreError(e: unknown): StoreError | null {
  if (e instanceof StoreError) return e;
  const code = (e as { code?: unknown })?.code;
  if (typeof code !== 'string') return null;
  if (code === 'SQLITE_FULL' || code === 'ENOSPC' || code === 'EDQUOT') {
    return new StoreError('STORE_FULL', 'the journal disk is full', code);
  }
  if (/^SQLITE_(READONLY|IOERR|CANTOPEN|CORRUPT|NOTADB|PROTOCOL|BUSY|LOCKED)/.test(code) || code === 'EROFS' || code === 'EIO') {
    return new StoreError('STORE_UNAVAILABLE', `the journal cannot be written (${code})`, code);
  }
  return null;
}

/**
 * A failed fdatasync of the WAL (wal-sync.ts). Always STORE_UNAVAILABLE, also for
 * ENOSPC: after a failed sync the kernel may have dropped the dirty pages, so no
 * later commit can be trusted to be on disk and the committer refuses all writes
 * until the store is reopened (a restart replays the WAL as it is on disk). A
 * "full" answer would promise that freeing space helps, and it would not.
 */
export function syncFailure(e: unknown): StoreError {
  if (e instanceof StoreError) return e;
  const code = (e as { code?: unknown })?.code;
  const c = typeof code === 'string' ? code : undefined;
  return new StoreError('STORE_UNAVAILABLE', `the journal could not be flushed to disk (${c ?? String(e)})`, c);
}
