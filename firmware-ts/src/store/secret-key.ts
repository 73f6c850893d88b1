// A per-installation secret beside the journal (`journal.sqlite.key`, mode 0600), for keyed
// hashes of command payloads (idempotency.ts). It lives in its own file so a copy of the
// journal alone (a support bundle, a backup) does not carry it.
import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, openSync, readFileSync, writeSync } from 'node:fs';

const KEY_BYTES = 32;

export function loadOrCreateKey(file: string): Buffer {
  try {
    const k = readFileSync(file);
    if (k.length === KEY_BYTES) return k;
    throw new Error(`${file}: must hold ${KEY_BYTES} bytes, has ${k.length}`);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  const key = randomBytes(KEY_BYTES);
  // 'wx': never overwrite a key another process just wrote; fsync before the first hash uses it.
  const fd = openSync(file, 'wx', 0o600);
  try {
    writeSync(fd, key);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  return key;
}
