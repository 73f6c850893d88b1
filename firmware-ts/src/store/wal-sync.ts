// Makes committed WAL frames durable off the main thread (docs/store-durability.md).
//
// The journal runs with synchronous=NORMAL, so SQLite's COMMIT writes the WAL frames
// but does not fsync them; that fsync used to block the event loop for every batch.
// This class does it instead: fdatasync of our own fd on the `-wal` file, on the
// libuv threadpool. The group committer answers a unit only after a sync that
// started after the unit's COMMIT has completed, which is what synchronous=FULL gave.
//
// One job: keep an fd on the current `-wal` file and sync it. Why our own fd works:
// fdatasync flushes the inode's dirty pages whoever wrote them, and a writeback error
// is reported to every fd that was open when it happened (Linux errseq_t).
import { closeSync, fdatasync, fdatasyncSync, fstatSync, fsync, fsyncSync, openSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

/** What the group committer needs from a durability barrier (a fake in unit tests). */
export interface DurableSync {
  /** Makes everything written to the WAL before this call durable; runs off the main thread. */
  sync(): Promise<void>;
  /** The same, blocking: for the stop path, which must be durable before it returns. */
  syncNow(): void;
  /** Closes the fd once no sync is running; the next sync() reopens it. */
  release(): void;
}

/** The fs calls WalSync makes, injectable so a test can count them or make them fail. */
export interface SyncFs {
  fdatasync(fd: number, cb: (err: NodeJS.ErrnoException | null) => void): void;
  fdatasyncSync(fd: number): void;
  fsync(fd: number, cb: (err: NodeJS.ErrnoException | null) => void): void;
  fsyncSync(fd: number): void;
}

const nodeFs: SyncFs = { fdatasync, fdatasyncSync, fsync, fsyncSync };

export class WalSync implements DurableSync {
  readonly walPath: string;
  private fd: number | null = null;
  private dev = 0;
  private ino = 0;
  /**
   * SQLite fsyncs the directory on the first sync of a WAL it created
   * (UNIXFILE_DIRSYNC), so that a power cut cannot lose the file's name. Under
   * synchronous=NORMAL that first sync only comes with a checkpoint, so each WAL
   * file we open gets one directory fsync from us before it counts as durable.
   */
  private dirSyncPending = false;
  private running = 0;
  private released = false;
  /** fds of replaced WAL files that a running sync still uses; closed when none runs. */
  private retired: number[] = [];
  /** For tests and diagnostics: how many times an fd was opened on the WAL. */
  opens = 0;

  constructor(
    dbPath: string,
    private readonly fs: SyncFs = nodeFs,
  ) {
    this.walPath = `${resolve(dbPath)}-wal`;
  }

  sync(): Promise<void> {
    let fd: number;
    let dir: boolean;
    try {
      fd = this.current();
      dir = this.takeDirSync();
    } catch (e) {
      return Promise.reject(e instanceof Error ? e : new Error(String(e)));
    }
    this.running++;
    return new Promise<void>((res, rej) => {
      this.fs.fdatasync(fd, (err) => {
        if (err || !dir) return this.settle(err, res, rej);
        this.syncDir((dirErr) => this.settle(dirErr, res, rej));
      });
    });
  }

  syncNow(): void {
    const fd = this.current();
    const dir = this.takeDirSync();
    try {
      this.fs.fdatasyncSync(fd);
      if (dir) {
        const dfd = openSync(dirname(this.walPath), 'r');
        try {
          this.fs.fsyncSync(dfd);
        } finally {
          closeSync(dfd);
        }
      }
    } catch (e) {
      this.dirSyncPending = true; // as in settle(): a failed attempt proves nothing about the directory
      throw e;
    }
  }

  release(): void {
    this.released = true;
    if (this.running === 0) this.closeFd();
  }

  /** The (dev, inode) our fd is on, or null when closed: lets a test see a reopen. */
  openFile(): { dev: number; ino: number } | null {
    return this.fd === null ? null : { dev: this.dev, ino: this.ino };
  }

  /**
   * The fd on the WAL file that is there now. SQLite deletes the WAL when the last
   * connection closes and creates a new one on the next write, so an fd kept from
   * before would sync a dead file. A stat per sync costs microseconds (no disk I/O
   * for a cached inode) and catches that. A TRUNCATE checkpoint keeps the inode.
   */
  private current(): number {
    this.released = false;
    const st = statSync(this.walPath, { throwIfNoEntry: false });
    // With the connection open and a commit behind us, the WAL exists. If it does
    // not, refuse: "synced" must never be answered for a file we could not sync.
    if (!st) throw Object.assign(new Error(`the journal's WAL ${this.walPath} is missing`), { code: 'ENOENT' });
    if (this.fd !== null && st.dev === this.dev && st.ino === this.ino) return this.fd;
    if (this.fd !== null && this.running > 0) {
      // The old fd is still in a sync; closing it now could let the number be reused under it.
      this.retired.push(this.fd);
      this.fd = null;
    } else {
      this.closeFd();
    }
    const fd = openSync(this.walPath, 'r'); // Linux syncs through a read-only fd: it flushes the inode
    const own = fstatSync(fd);
    this.fd = fd;
    this.dev = own.dev;
    this.ino = own.ino;
    this.opens++;
    this.dirSyncPending = true;
    return fd;
  }

  private takeDirSync(): boolean {
    const d = this.dirSyncPending;
    this.dirSyncPending = false;
    return d;
  }

  private syncDir(cb: (err: NodeJS.ErrnoException | null) => void): void {
    let dfd: number;
    try {
      dfd = openSync(dirname(this.walPath), 'r');
    } catch (e) {
      cb(e as NodeJS.ErrnoException);
      return;
    }
    this.fs.fsync(dfd, (err) => {
      closeSync(dfd);
      cb(err);
    });
  }

  private settle(err: NodeJS.ErrnoException | null, res: () => void, rej: (e: Error) => void): void {
    this.running--;
    if (this.running === 0) {
      for (const fd of this.retired.splice(0)) closeQuietly(fd);
      if (this.released) this.closeFd();
    }
    if (err) {
      // The next sync must not count the directory as synced on this failed attempt's word.
      this.dirSyncPending = true;
      rej(err);
    } else {
      res();
    }
  }

  private closeFd(): void {
    if (this.fd === null) return;
    closeQuietly(this.fd);
    this.fd = null;
  }
}

function closeQuietly(fd: number): void {
  try {
    closeSync(fd);
  } catch {
    /* already gone; no sync was pending on it */
  }
}
