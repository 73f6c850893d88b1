// Binding the control socket safely: a stale socket from a killed gateway is
// removed, a live one (another gateway) or a non-socket file at the path is never
// touched, and the socket gets mode 0660 and its group before anyone relies on it.
import { chmodSync, chownSync, lstatSync, mkdirSync, readFileSync, statSync, unlinkSync } from 'node:fs';
import { connect, type Server } from 'node:net';
import { dirname } from 'node:path';
import { MAX_SOCKET_PATH_BYTES } from './constants.js';

export const SOCKET_MODE = 0o660;

export class ControlSocketError extends Error {}

/** The gid of a group named in /etc/group (no NSS lookups: a van has local groups only). */
export function groupId(name: string, groupFile = '/etc/group'): number | null {
  let text: string;
  try {
    text = readFileSync(groupFile, 'utf8');
  } catch {
    return null;
  }
  for (const line of text.split('\n')) {
    const [n, , gid] = line.split(':');
    if (n === name && gid !== undefined && /^\d+$/.test(gid)) return Number(gid);
  }
  return null;
}

/** Resolves true when something accepts connections on the socket at `path`. */
function answers(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ path });
    const done = (live: boolean) => {
      s.destroy();
      resolve(live);
    };
    s.once('connect', () => done(true));
    s.once('error', () => done(false));
    s.setTimeout(1000, () => done(true));
  });
}

/** Makes the path free for a new socket, or throws saying why it cannot be taken. */
async function clearStale(path: string): Promise<void> {
  let st;
  try {
    st = lstatSync(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw e;
  }
  if (!st.isSocket()) throw new ControlSocketError(`${path} exists and is not a socket; refusing to replace it`);
  if (await answers(path)) throw new ControlSocketError(`${path} is in use: another gateway is running`);
  unlinkSync(path);
}

/** Listens on `path` with mode 0660 and, when given, the group `group`. */
export async function listenUnix(server: Server, path: string, group: string | undefined): Promise<void> {
  if (Buffer.byteLength(path) > MAX_SOCKET_PATH_BYTES) {
    throw new ControlSocketError(`socket path is ${Buffer.byteLength(path)} bytes; Unix sockets allow ${MAX_SOCKET_PATH_BYTES}: ${path}`);
  }
  const gid = group === undefined ? null : groupId(group);
  if (group !== undefined && gid === null) throw new ControlSocketError(`group "${group}" does not exist (control.group)`);
  // Under systemd the directory is RuntimeDirectory=; on the bench it is made here.
  mkdirSync(dirname(path), { recursive: true, mode: 0o750 });
  await clearStale(path);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ path, exclusive: true }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  // The socket is born with 0777 & ~umask (0750 under the unit's UMask=0027): narrower, never
  // wider, than 0660, so setting the mode after bind opens no window for strangers.
  chmodSync(path, SOCKET_MODE);
  // Under systemd the gateway's primary group is usually the socket's group already; chown only
  // when it is another group the gateway belongs to.
  if (gid !== null && statSync(path).gid !== gid) chownSync(path, -1, gid);
}
