// The AttachmentStore port (services/requests/ports.ts) on files beside the journal:
// `<dataDir>/attachments/<sha256>.<ext>`. Content-addressed, so a retry writes the same
// name and two requests with the same photo share one file. Each file is written to a
// temporary name, fsynced, renamed into place and the directory fsynced (the rename is
// only durable once its directory is), all before `put` resolves: the transaction that
// records the hash comes after. A crash leaves at most an orphan (a photo no record names,
// or a temporary file, which start() removes); never a record naming a missing photo.
import { randomBytes } from 'node:crypto';
import { mkdir, open, readdir, rename, stat, unlink, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { AttachmentStore } from '../services/requests/ports.js';

const NAME = /^[0-9a-f]{64}\.[a-z0-9]{1,5}$/;

export class AttachmentFiles implements AttachmentStore {
  private ready: Promise<void> | null = null;

  constructor(
    readonly dir: string,
    private readonly log: Logger,
  ) {}

  /** Creates the directory and removes temporary files a crash left behind. */
  private prepare(): Promise<void> {
    this.ready ??= (async () => {
      await mkdir(this.dir, { recursive: true, mode: 0o750 });
      let removed = 0;
      for (const f of await readdir(this.dir)) {
        if (!f.includes('.tmp-')) continue;
        await unlink(join(this.dir, f)).catch(() => undefined);
        removed++;
      }
      if (removed) this.log.info({ removed, dir: this.dir }, 'removed unfinished photo files');
    })().catch((e: unknown) => {
      this.ready = null; // try again with the next photo (the disk may come back)
      throw e;
    });
    return this.ready;
  }

  path(sha256: string, ext: string): string {
    return join(this.dir, `${sha256}.${ext}`);
  }

  /** Every finished photo file: hash to file name. */
  async list(): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    const names = await readdir(this.dir).catch((e: unknown) => {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [] as string[];
      throw e;
    });
    for (const f of names) if (NAME.test(f)) out.set(f.slice(0, 64), f);
    return out;
  }

  /** The file of a photo (any extension), or null when it is not (or no longer) here. */
  async find(sha256: string): Promise<{ path: string; size: number; ext: string } | null> {
    if (!/^[0-9a-f]{64}$/.test(sha256)) return null;
    const name = (await this.list()).get(sha256);
    if (!name) return null;
    const st = await stat(join(this.dir, name)).catch(() => null);
    return st?.isFile() ? { path: join(this.dir, name), size: st.size, ext: name.slice(65) } : null;
  }

  async put(file: { sha256: string; ext: string; data: Buffer }): Promise<void> {
    const name = `${file.sha256}.${file.ext}`;
    if (!NAME.test(name)) throw new Error(`attachment name ${JSON.stringify(name)} is not <sha256>.<ext>`);
    await this.prepare();
    const final = join(this.dir, name);
    const existing = await stat(final).catch(() => null);
    if (existing?.size === file.data.length) {
      // Written before (a retry, or the same photo in another request). Touched, so the sweep's
      // grace period covers it until the record naming it is committed; and its rename may not
      // be on disk yet if that put is still running: sync the directory.
      const now = new Date();
      await utimes(final, now, now);
      await this.syncDir();
      return;
    }
    const tmp = `${final}.tmp-${randomBytes(6).toString('hex')}`;
    const fh = await open(tmp, 'wx', 0o640);
    try {
      await fh.writeFile(file.data);
      await fh.sync();
    } finally {
      await fh.close();
    }
    try {
      await rename(tmp, final);
    } catch (e) {
      await unlink(tmp).catch(() => undefined);
      throw e;
    }
    await this.syncDir();
  }

  /**
   * Deletes every photo whose hash is not in `keep` and that was last written before
   * `writtenBefore` (ms): photos only records already purged (or compacted) name, and
   * orphans of requests that were never committed. The grace period protects a photo
   * written for a request whose transaction has not committed yet. Returns how many went.
   */
  async sweep(keep: ReadonlySet<string>, writtenBefore: number): Promise<number> {
    await this.prepare();
    let deleted = 0;
    for (const f of await readdir(this.dir)) {
      if (!NAME.test(f) || keep.has(f.slice(0, 64))) continue;
      const st = await stat(join(this.dir, f)).catch(() => null);
      if (!st || st.mtimeMs >= writtenBefore) continue;
      try {
        await unlink(join(this.dir, f));
        deleted++;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      }
    }
    if (deleted) await this.syncDir();
    return deleted;
  }

  private async syncDir(): Promise<void> {
    const d = await open(this.dir, 'r');
    try {
      await d.sync();
    } finally {
      await d.close();
    }
  }
}
