// WalSync: the fdatasync of the journal's WAL that stands behind every "ok" now that
// the database runs with synchronous=NORMAL (docs/store-durability.md). Real SQLite
// files; the fs calls go through a recorder so the test sees which file was synced.
import Database from 'better-sqlite3';
import { fdatasync, fdatasyncSync, fstatSync, fsync, fsyncSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase, type Db } from '../../firmware-ts/src/store/database.js';
import { StoreError } from '../../firmware-ts/src/store/errors.js';
import { GroupCommitter } from '../../firmware-ts/src/store/group-commit.js';
import { WalSync, type SyncFs } from '../../firmware-ts/src/store/wal-sync.js';
import { cleanupTempDirs, tempDir } from '../helpers/tmp.js';

afterAll(cleanupTempDirs);

/** The real fs calls, recording the inode of every fd synced and able to fail the next one. */
class RecordingFs implements SyncFs {
  dataSyncs: { ino: number; sync: boolean }[] = [];
  dirSyncs = 0;
  failNext: NodeJS.ErrnoException | null = null;
  /** Holds the callback of the next async fdatasync until release() is called. */
  hold = false;
  private held: (() => void)[] = [];

  fdatasync = (fd: number, cb: (err: NodeJS.ErrnoException | null) => void): void => {
    this.dataSyncs.push({ ino: fstatSync(fd).ino, sync: false });
    const fail = this.failNext;
    this.failNext = null;
    const run = () => (fail ? cb(fail) : fdatasync(fd, cb));
    if (this.hold) this.held.push(run);
    else run();
  };
  fdatasyncSync = (fd: number): void => {
    this.dataSyncs.push({ ino: fstatSync(fd).ino, sync: true });
    fdatasyncSync(fd);
  };
  fsync = (fd: number, cb: (err: NodeJS.ErrnoException | null) => void): void => {
    this.dirSyncs++;
    fsync(fd, cb);
  };
  fsyncSync = (fd: number): void => {
    this.dirSyncs++;
    fsyncSync(fd);
  };
  releaseHeld(): void {
    this.hold = false;
    for (const r of this.held.splice(0)) r();
  }
}

function dbWithTable(file: string): Db {
  const db = openDatabase(file);
  db.exec('CREATE TABLE IF NOT EXISTS t (v TEXT)');
  return db;
}

const walIno = (dbFile: string) => statSync(`${dbFile}-wal`).ino;

describe('WalSync', () => {
  it('fdatasyncs the -wal file on the threadpool, with one directory fsync per WAL file it opens', async () => {
    const file = join(tempDir(), 'j.sqlite');
    const db = dbWithTable(file);
    const fs = new RecordingFs();
    const ws = new WalSync(file, fs);
    db.prepare('INSERT INTO t VALUES (?)').run('a');
    await ws.sync();
    db.prepare('INSERT INTO t VALUES (?)').run('b');
    await ws.sync();
    ws.syncNow();
    expect(fs.dataSyncs).toEqual([
      { ino: walIno(file), sync: false },
      { ino: walIno(file), sync: false },
      { ino: walIno(file), sync: true },
    ]);
    // The name of a WAL file we have not synced before must be durable too (SQLite's DIRSYNC).
    expect(fs.dirSyncs).toBe(1);
    expect(ws.opens).toBe(1);
    ws.release();
    expect(ws.openFile()).toBeNull();
    db.close();
  });

  it('keeps syncing the live WAL after a TRUNCATE checkpoint, and reopens its fd when the WAL file is replaced', async () => {
    const dir = tempDir();
    const file = join(dir, 'j.sqlite');
    let db = dbWithTable(file);
    const fs = new RecordingFs();
    const ws = new WalSync(file, fs);
    db.prepare('INSERT INTO t VALUES (?)').run('a');
    await ws.sync();
    const first = ws.openFile();
    expect(first?.ino).toBe(walIno(file));

    // TRUNCATE empties the WAL in place: the next frames land in the same inode, which our fd must be on.
    db.pragma('wal_checkpoint(TRUNCATE)');
    expect(statSync(`${file}-wal`).size).toBe(0);
    db.prepare('INSERT INTO t VALUES (?)').run('b');
    await ws.sync();
    expect(ws.openFile()?.ino).toBe(walIno(file));
    expect(fs.dataSyncs.at(-1)?.ino).toBe(walIno(file));

    // TRUNCATE and close: SQLite deletes the WAL; the reopened database writes a new file.
    db.pragma('wal_checkpoint(TRUNCATE)');
    db.close();
    expect(() => statSync(`${file}-wal`)).toThrow();
    db = dbWithTable(file);
    db.prepare('INSERT INTO t VALUES (?)').run('c');
    await ws.sync();
    expect(ws.opens).toBe(2);
    expect(ws.openFile()?.ino).not.toBe(first?.ino);
    expect(ws.openFile()?.ino).toBe(walIno(file));
    expect(fs.dataSyncs.at(-1)?.ino).toBe(walIno(file));
    expect(fs.dirSyncs).toBe(2);

    // Replaced behind SQLite's back (rename over it): the stat catches the new inode.
    writeFileSync(join(dir, 'other'), '');
    renameSync(join(dir, 'other'), `${file}-wal`);
    await ws.sync();
    expect(ws.opens).toBe(3);
    expect(fs.dataSyncs.at(-1)?.ino).toBe(walIno(file));
    ws.release();
    db.close();
  });

  it('refuses to report a sync for a WAL that is missing, and passes on a failed fdatasync', async () => {
    const file = join(tempDir(), 'j.sqlite');
    const db = dbWithTable(file);
    const fs = new RecordingFs();
    const ws = new WalSync(file, fs);
    db.prepare('INSERT INTO t VALUES (?)').run('a');
    fs.failNext = Object.assign(new Error('EIO: i/o error, fdatasync'), { code: 'EIO' });
    await expect(ws.sync()).rejects.toMatchObject({ code: 'EIO' });
    rmSync(`${file}-wal`);
    await expect(ws.sync()).rejects.toMatchObject({ code: 'ENOENT' });
    expect(() => ws.syncNow()).toThrow(/missing/);
    ws.release();
    db.close();
  });

  it('closes its fd only once the running sync is done', async () => {
    const file = join(tempDir(), 'j.sqlite');
    const db = dbWithTable(file);
    const fs = new RecordingFs();
    const ws = new WalSync(file, fs);
    db.prepare('INSERT INTO t VALUES (?)').run('a');
    await ws.sync(); // opened
    const fd = (ws as unknown as { fd: number }).fd;
    fs.hold = true;
    const p = ws.sync();
    ws.release();
    expect(() => fstatSync(fd)).not.toThrow(); // still open under the running fdatasync
    fs.releaseHeld();
    await p;
    expect(ws.openFile()).toBeNull();
    expect(() => fstatSync(fd)).toThrow(/EBADF/);
    db.close();
  });
});

describe('GroupCommitter on a real WAL', () => {
  it('syncs the live WAL file after every batch, before answering, across a TRUNCATE checkpoint', async () => {
    const file = join(tempDir(), 'j.sqlite');
    const db = dbWithTable(file);
    const fs = new RecordingFs();
    const gc = new GroupCommitter(db, 512, undefined, undefined, new WalSync(file, fs));
    const insert = db.prepare('INSERT INTO t VALUES (?)');
    await Promise.all(['a', 'b'].map((v) => gc.submit(() => insert.run(v))));
    expect(fs.dataSyncs).toHaveLength(1);
    db.pragma('wal_checkpoint(TRUNCATE)');
    await gc.submit(() => insert.run('c'));
    expect(fs.dataSyncs).toHaveLength(2);
    expect(fs.dataSyncs[1]!.ino).toBe(walIno(file));
    expect(gc.stats).toMatchObject({ commits: 2, syncs: 2, failedSyncs: 0 });
    gc.flush();
    db.close();
  });

  it('answers a real fdatasync failure with STORE_UNAVAILABLE and writes nothing more', async () => {
    const file = join(tempDir(), 'j.sqlite');
    const db = dbWithTable(file);
    const fs = new RecordingFs();
    const errors: unknown[] = [];
    const gc = new GroupCommitter(db, 512, (e) => errors.push(e), undefined, new WalSync(file, fs));
    const insert = db.prepare('INSERT INTO t VALUES (?)');
    fs.failNext = Object.assign(new Error('EIO: i/o error, fdatasync'), { code: 'EIO' });
    const err = await gc.submit(() => insert.run('a')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StoreError);
    expect(err).toMatchObject({ code: 'STORE_UNAVAILABLE', sqliteCode: 'EIO' });
    expect(errors).toEqual([err]);
    await expect(gc.submit(() => insert.run('b'))).rejects.toBe(err);
    // 'a' was committed (its sync failed, so it was refused), 'b' never ran.
    const reader = new Database(file, { readonly: true });
    expect(reader.prepare('SELECT v FROM t').pluck().all()).toEqual(['a']);
    reader.close();
    gc.flush();
    db.close();
  });
});
