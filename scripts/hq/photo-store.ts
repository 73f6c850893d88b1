// HQ's copy of the vans' request photos: one file per photo, named by its SHA-256, in a
// directory beside the collector's SQLite file. A photo is written only when its bytes hash
// to the name it came under (the topic or the URL), and atomically (temp file, fsync,
// rename), so a crash or a corrupt message never leaves a wrong or half file under a hash.
import { createHash } from 'node:crypto';
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, renameSync, writeSync } from 'node:fs';
import { join } from 'node:path';

const SHA256 = /^[0-9a-f]{64}$/;

export class PhotoStore {
  constructor(readonly dir: string) {
    mkdirSync(dir, { recursive: true });
  }

  has(sha256: string): boolean {
    return SHA256.test(sha256) && existsSync(join(this.dir, sha256));
  }

  /** Stores `data` as `sha256`; throws, writing nothing, when the name is malformed or the bytes hash otherwise. */
  save(sha256: string, data: Buffer): void {
    if (!SHA256.test(sha256)) throw new Error(`photo name ${JSON.stringify(sha256.slice(0, 80))}: not a SHA-256 in hex`);
    const actual = createHash('sha256').update(data).digest('hex');
    if (actual !== sha256) throw new Error(`photo ${sha256}: its ${data.length} bytes hash to ${actual}`);
    if (this.has(sha256)) return; // content-addressed: the same bytes are already here
    const tmp = join(this.dir, `.${sha256}.${process.pid}.tmp`);
    const fd = openSync(tmp, 'w', 0o640);
    try {
      writeSync(fd, data);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, join(this.dir, sha256));
  }
}

/** The photo hashes a request record names (`payload.photos[].sha256`); none for other records. */
export function photosOf(record: { class: string; payload: unknown }): string[] {
  if (record.class !== 'requests') return [];
  const photos = (record.payload as { photos?: unknown } | null)?.photos;
  if (!Array.isArray(photos)) return [];
  return photos.flatMap((p) => (typeof (p as { sha256?: unknown })?.sha256 === 'string' && SHA256.test((p as { sha256: string }).sha256) ? [(p as { sha256: string }).sha256] : []));
}
