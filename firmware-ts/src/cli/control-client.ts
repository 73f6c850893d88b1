// The CLI's side of the control API: HTTP+JSON over the gateway's Unix socket.
// Where the socket is: cli/context.ts quickSocketPath.
// A daemon that cannot be reached is its own error (exit 3) with the likely cause.
import { request, type IncomingMessage } from 'node:http';
import { existsSync } from 'node:fs';

export const ETC_CONFIG = '/etc/vim-gateway/config.json';

export class DaemonUnreachable extends Error {
  constructor(
    readonly socket: string,
    why: string,
  ) {
    super(`cannot reach the gateway at ${socket}: ${why}`);
    this.name = 'DaemonUnreachable';
  }
}

/** An error answer of the control API: {error: {code, message, details}}. */
export class ControlReplyError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'ControlReplyError';
  }
}

/** The config file the CLI reads for paths: explicit, $VIM_CONFIG, or the Pi's when present. */
export function configFile(explicit: string | undefined): string | null {
  return explicit ?? process.env.VIM_CONFIG ?? (existsSync(ETC_CONFIG) ? ETC_CONFIG : null);
}

function why(e: NodeJS.ErrnoException): string {
  switch (e.code) {
    case 'ENOENT':
      return 'no control socket there; is the gateway running? (systemctl status vim-gateway; `vimgw selftest` probes the devices without it)';
    case 'ECONNREFUSED':
      return 'nothing answers on the socket (a stale socket: the gateway is not running)';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied; run with sudo, or join the socket\'s group (sudo usermod -aG vimgw $USER, then log in again)';
    case 'ETIMEDOUT':
      return 'no answer in time (the gateway is overloaded or hung; see `vimgw logs`)';
    default:
      return e.message;
  }
}

export class ControlClient {
  constructor(
    readonly socket: string,
    private readonly timeoutMs = 10_000,
  ) {}

  /** Opens a request and resolves with the response stream (status not yet checked). */
  open(method: 'GET' | 'POST', path: string, body?: unknown, timeoutMs = this.timeoutMs): Promise<IncomingMessage> {
    const payload = body === undefined ? null : JSON.stringify(body);
    return new Promise((resolve, reject) => {
      const req = request(
        { socketPath: this.socket, method, path, headers: payload === null ? {} : { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(payload) } },
        (res) => {
          req.setTimeout(0);
          resolve(res);
        },
      );
      req.setTimeout(timeoutMs, () => req.destroy(Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' })));
      req.once('error', (e: NodeJS.ErrnoException) => reject(new DaemonUnreachable(this.socket, why(e))));
      req.end(payload ?? undefined);
    });
  }

  /** A JSON request; an error answer becomes ControlReplyError. */
  async call<T>(method: 'GET' | 'POST', path: string, body?: unknown, timeoutMs?: number): Promise<T> {
    const res = await this.open(method, path, body, timeoutMs);
    const chunks: Buffer[] = [];
    for await (const c of res) chunks.push(c as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new ControlReplyError(res.statusCode ?? 0, 'BAD_REPLY', `the gateway answered ${res.statusCode} with something that is not JSON`);
    }
    if ((res.statusCode ?? 500) >= 400) {
      const err = (parsed as { error?: { code?: string; message?: string; details?: Record<string, unknown> } }).error ?? {};
      throw new ControlReplyError(res.statusCode ?? 500, err.code ?? 'ERROR', err.message ?? `HTTP ${res.statusCode}`, err.details ?? {});
    }
    return parsed as T;
  }
}
