// systemd's sd_notify(3) protocol: datagrams like "READY=1" sent to the
// AF_UNIX/SOCK_DGRAM socket named by $NOTIFY_SOCKET. Node's dgram has no unix
// datagram sockets, so this uses the unix-dgram addon.
import { createRequire } from 'node:module';

interface DgramSocket {
  sendto(buf: Buffer, offset: number, length: number, path: string, cb?: (err?: Error) => void): void;
  on(ev: 'error', fn: (err: Error) => void): void;
  close(): void;
}

export class SdNotify {
  private sock: DgramSocket | null = null;
  readonly path: string | null;

  constructor(env: NodeJS.ProcessEnv = process.env) {
    const p = env.NOTIFY_SOCKET;
    // Abstract sockets ('@...') would need a NUL-prefixed sun_path, which unix-dgram cannot pass.
    this.path = p && p.startsWith('/') ? p : null;
  }

  get enabled(): boolean {
    return this.path !== null;
  }

  /** WATCHDOG_USEC as ms, if systemd asked for watchdog pings for this very process. */
  static watchdogMs(env: NodeJS.ProcessEnv = process.env): number | null {
    const usec = Number(env.WATCHDOG_USEC);
    if (!Number.isFinite(usec) || usec <= 0) return null;
    if (env.WATCHDOG_PID && Number(env.WATCHDOG_PID) !== process.pid) return null;
    return usec / 1000;
  }

  send(state: string): void {
    if (!this.path) return;
    if (!this.sock) {
      const require = createRequire(import.meta.url);
      const ud = require('unix-dgram') as { createSocket(type: 'unix_dgram'): DgramSocket };
      this.sock = ud.createSocket('unix_dgram');
      this.sock.on('error', () => {
        /* systemd went away; nothing to tell */
      });
    }
    const buf = Buffer.from(state);
    this.sock.sendto(buf, 0, buf.length, this.path);
  }

  close(): void {
    this.sock?.close();
    this.sock = null;
  }
}
