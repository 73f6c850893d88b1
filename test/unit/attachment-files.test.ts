// Photo files beside the journal (adapters/attachment-files.ts): content-addressed names,
// the bytes on disk when put() resolves, a second put of the same photo a no-op, no
// temporary files left, the ones a crash left removed, and names that are not a hash refused.
import { existsSync, readdirSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { AttachmentFiles } from '../../firmware-ts/src/adapters/attachment-files.js';
import { silent } from '../helpers/store.js';
import { cleanupTempDirs, tempDir } from '../helpers/tmp.js';

afterAll(cleanupTempDirs);

const photo = (data: Buffer) => ({ sha256: createHash('sha256').update(data).digest('hex'), ext: 'jpg', data });

describe('attachment files', () => {
  it('writes <sha256>.<ext>, once, with nothing temporary left', async () => {
    const dir = join(tempDir(), 'attachments');
    const files = new AttachmentFiles(dir, silent);
    const p = photo(Buffer.from([0xff, 0xd8, 0xff, 1, 2, 3]));
    await files.put(p);
    await Promise.all([files.put(p), files.put(p)]);
    expect(readdirSync(dir)).toEqual([`${p.sha256}.jpg`]);
    expect(readFileSync(files.path(p.sha256, 'jpg'))).toEqual(p.data);
  });

  it('removes temporary files a crash left behind', async () => {
    const dir = join(tempDir(), 'attachments');
    mkdirSync(dir);
    const orphan = join(dir, `${'a'.repeat(64)}.jpg.tmp-123456`);
    writeFileSync(orphan, 'half');
    await new AttachmentFiles(dir, silent).put(photo(Buffer.from('x')));
    expect(existsSync(orphan)).toBe(false);
  });

  it('refuses a name that is not a hash', async () => {
    const files = new AttachmentFiles(tempDir(), silent);
    await expect(files.put({ sha256: '../../etc/passwd', ext: 'jpg', data: Buffer.from('x') })).rejects.toThrow(/not <sha256>/);
  });
});
