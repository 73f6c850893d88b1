// Binding the control socket (control/unix-socket.ts): mode 0660, a stale socket
// left by a killed gateway is replaced, a live one or a plain file is never touched,
// and a path too long for a Unix socket is refused with the reason.
import { execFileSync } from 'node:child_process';
import { statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { listenUnix } from '../../firmware-ts/src/control/unix-socket.js';
import { cleanupTempDirs, tempDir } from '../helpers/tmp.js';

const servers: Server[] = [];
afterAll(async () => {
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  cleanupTempDirs();
});
const server = () => {
  const s = createServer();
  servers.push(s);
  return s;
};

describe('the control socket', () => {
  it('is made with mode 0660, in a directory made for it', async () => {
    const path = join(tempDir('vimgw-sock-'), 'run', 'control.sock');
    await listenUnix(server(), path, undefined);
    expect(statSync(path).isSocket()).toBe(true);
    expect(statSync(path).mode & 0o777).toBe(0o660);
  });

  it('replaces a stale socket, but not a live one', async () => {
    const dir = tempDir('vimgw-sock-');
    const stale = join(dir, 'stale.sock');
    // A socket file nobody listens on, as a SIGKILLed gateway leaves it.
    execFileSync('python3', ['-c', `import socket; socket.socket(socket.AF_UNIX).bind(${JSON.stringify(stale)})`]);
    await listenUnix(server(), stale, undefined);
    expect(statSync(stale).isSocket()).toBe(true);
    await expect(listenUnix(server(), stale, undefined)).rejects.toThrow(/is in use: another gateway is running/);
  });

  it('refuses a plain file at the path, a path too long, and a group that does not exist', async () => {
    const dir = tempDir('vimgw-sock-');
    writeFileSync(join(dir, 'file'), 'x');
    await expect(listenUnix(server(), join(dir, 'file'), undefined)).rejects.toThrow(/exists and is not a socket/);
    await expect(listenUnix(server(), join(dir, 'x'.repeat(120)), undefined)).rejects.toThrow(/Unix sockets allow 107/);
    await expect(listenUnix(server(), join(dir, 'g.sock'), 'no-such-group-x')).rejects.toThrow(/group "no-such-group-x" does not exist/);
  });
});
