import { chmodSync, chownSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { addUser, Authenticator, hashPassword, parseCredentials, readCredentials, removeUser, verifyPassword } from '../../firmware-ts/src/broker/credentials.js';
import { TokenBucket, sniffCommandId } from '../../firmware-ts/src/broker/limits.js';
import { cleanupTempDirs, tempDir } from '../helpers/tmp.js';

afterAll(cleanupTempDirs);

describe('scrypt credentials', () => {
  it('hashes with a fresh salt and verifies only the right password', async () => {
    const a = await hashPassword('doğru-parola');
    const b = await hashPassword('doğru-parola');
    expect(a).not.toBe(b);
    expect(a).toMatch(/^scrypt\$16384\$8\$1\$/);
    expect(await verifyPassword('doğru-parola', a)).toBe(true);
    expect(await verifyPassword('yanlış-parola', a)).toBe(false);
    expect(await verifyPassword('x', 'md5$abc')).toBe(false);
  });

  it('adds, replaces and removes users in a 0600 file that never holds a clear password', async () => {
    const file = join(tempDir(), 'users.json');
    await addUser(file, 'ayse', 'staff', 'parola-123');
    await addUser(file, 'kiosk1', 'kiosk', 'kiosk-pass');
    await addUser(file, 'ayse', 'maintenance', 'yeni-parola');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file, 'utf8')).not.toContain('parola');
    const users = readCredentials(file).users;
    expect(users.map((u) => [u.username, u.role])).toEqual([['kiosk1', 'kiosk'], ['ayse', 'maintenance']]);
    expect(removeUser(file, 'kiosk1')).toBe(true);
    expect(removeUser(file, 'kiosk1')).toBe(false);
    await expect(addUser(file, 'Ayşe', 'staff', 'parola-123')).rejects.toThrow(/username: must match/);
    await expect(addUser(file, 'ali', 'staff', 'short')).rejects.toThrow(/password: must be at least 8/);
  });

  it('keeps an existing file\'s owner, group and mode when rewriting it', async () => {
    const file = join(tempDir(), 'users.json');
    await addUser(file, 'ayse', 'staff', 'parola-123');
    // As root (CI), hand the file to another user, as a vimgw-owned /etc/vim-gateway would be.
    const owner = process.getuid?.() === 0 ? 65534 : (process.getuid?.() ?? 0);
    chownSync(file, owner, owner);
    chmodSync(file, 0o640);
    await addUser(file, 'mehmet', 'staff', 'parola-456');
    const st = statSync(file);
    expect([st.uid, st.gid, st.mode & 0o777]).toEqual([owner, owner, 0o640]);
    expect(readCredentials(file).users).toHaveLength(2);
  });

  it('rejects a broken credentials file with the field named', () => {
    expect(() => parseCredentials('{"version":1,"users":[{"username":"a","role":"admin","hash":"x"}]}', 'u.json')).toThrow(/users\[0\]\.role: must be one of staff, kiosk, display, maintenance/);
    expect(() => parseCredentials('{', 'u.json')).toThrow(/not valid JSON/);
    const dup = { version: 1, users: [{ username: 'a', role: 'staff', hash: 'scrypt$1$1$1$a$b' }, { username: 'a', role: 'kiosk', hash: 'scrypt$1$1$1$a$b' }] };
    expect(() => parseCredentials(JSON.stringify(dup), 'u.json')).toThrow(/duplicate username a/);
  });

  it('authenticates known users with their role and refuses the rest', async () => {
    const file = join(tempDir(), 'users.json');
    await addUser(file, 'ayse', 'staff', 'parola-123');
    const auth = new Authenticator();
    auth.load(readCredentials(file));
    expect(await auth.check('ayse', 'parola-123')).toBe('staff');
    expect(await auth.check('ayse', 'parola-123')).toBe('staff'); // cached path
    expect(await auth.check('ayse', 'parola-124')).toBeNull();
    expect(await auth.check('nobody', 'parola-123')).toBeNull();
    writeFileSync(file, JSON.stringify({ version: 1, users: [] }));
    auth.load(readCredentials(file));
    expect(await auth.check('ayse', 'parola-123')).toBeNull(); // removal takes effect, cache cleared
  });
});

describe('limits', () => {
  it('token bucket allows a burst, then the configured rate', () => {
    let t = 0;
    const b = new TokenBucket(2, 3, () => t);
    expect([b.take(), b.take(), b.take(), b.take()]).toEqual([true, true, true, false]);
    t += 500; // half a second at 2/s refills one token
    expect([b.take(), b.take()]).toEqual([true, false]);
  });

  it('sniffs a command id from the start of a payload too big to parse', () => {
    const id = '0190a0b1-0000-7000-8000-000000000001';
    expect(sniffCommandId(Buffer.from(`{"id": "${id}", "text": "${'x'.repeat(100000)}"`))).toBe(id);
    expect(sniffCommandId(Buffer.from('garbage'))).toBeNull();
  });
});
