// Before a driver touches a device: can this user open it at all? The driver's
// transport would only retry; a crew needs the reason in words, e.g.
// "/dev/vim-gnss: permission denied, user pi not in group dialout".
import { closeSync, constants, openSync, readFileSync, statSync } from 'node:fs';
import { connect } from 'node:net';
import { userInfo } from 'node:os';
import type { TransportTarget } from '../../transport/uri.js';

function groupName(gid: number): string {
  try {
    for (const line of readFileSync('/etc/group', 'utf8').split('\n')) {
      const [name, , id] = line.split(':');
      if (id === String(gid) && name) return name;
    }
  } catch {
    /* no /etc/group: show the number */
  }
  return `gid ${gid}`;
}

function whoAmI(): string {
  try {
    return userInfo().username;
  } catch {
    return `uid ${process.getuid?.() ?? '?'}`;
  }
}

/** Why this user may not open `path`, in a crew's words. */
export function permissionReason(path: string): string {
  let st;
  try {
    st = statSync(path);
  } catch {
    return `${path}: permission denied`;
  }
  const group = groupName(st.gid);
  const groupRw = (st.mode & 0o060) === 0o060;
  const inGroup = process.getgroups?.().includes(st.gid) ?? false;
  const mode = (st.mode & 0o777).toString(8).padStart(4, '0');
  if (groupRw && !inGroup) return `${path}: permission denied, user ${whoAmI()} not in group ${group} (sudo usermod -aG ${group} ${whoAmI()}, then log in again)`;
  return `${path}: permission denied (mode ${mode}, group ${group}; the udev rule should set GROUP="${group === 'lp' ? 'lp' : 'dialout'}", MODE="0660")`;
}

/** Opens and closes a device node; null when it can be opened, else the reason. */
export function openReason(path: string): string | null {
  try {
    // O_NONBLOCK: a serial port must not wait for carrier; O_NOCTTY: never become our terminal.
    closeSync(openSync(path, constants.O_RDWR | constants.O_NOCTTY | constants.O_NONBLOCK));
    return null;
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    switch (err.code) {
      case 'EACCES':
      case 'EPERM':
        return permissionReason(path);
      case 'ENOENT':
        return `${path}: no such device (not plugged in, or no udev rule gives it this name; see devices/README.md)`;
      case 'EBUSY':
        return `${path}: busy (another program holds it; is the gateway running?)`;
      case 'ENXIO':
      case 'ENODEV':
        return `${path}: the device node exists but no device answers behind it (unplugged?)`;
      default:
        return `${path}: ${err.code ?? err.message}`;
    }
  }
}

function tcpReason(host: string, port: number, timeoutMs = 3000): Promise<string | null> {
  return new Promise((resolve) => {
    const s = connect({ host, port });
    const done = (r: string | null) => {
      s.destroy();
      resolve(r);
    };
    s.setTimeout(timeoutMs, () => done(`${host}:${port}: no answer within ${timeoutMs / 1000} s (wrong address, or the device is off or on another network)`));
    s.once('connect', () => done(null));
    s.once('error', (e: NodeJS.ErrnoException) =>
      done(e.code === 'ECONNREFUSED' ? `${host}:${port}: connection refused (the device is up but not listening on that port)` : `${host}:${port}: ${e.code ?? e.message}`),
    );
  });
}

/** Null when the target can be opened by this user now, else why not. */
export async function accessReason(t: TransportTarget): Promise<string | null> {
  switch (t.kind) {
    case 'serial':
    case 'file':
      return openReason(t.path);
    case 'tcp':
      return tcpReason(t.host, t.port);
    case 'sim':
      return null;
  }
}
