// The control API (DESIGN.md "Diagnostics over SSH"): HTTP+JSON on a Unix socket
// for the `vimgw` CLI, never on a network interface. It serves the health model of
// every part and the crews' actions (control/routes.ts).
//
// Like the web pages, it is a convenience next to the van's work: a socket that
// cannot be bound marks this part degraded and is retried with backoff; it never
// stops the gateway that tablets and kiosks depend on.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { unlinkSync } from 'node:fs';
import type { Logger } from 'pino';
import { HealthTracker, type Health, type Part } from '../lifecycle.js';
import { Backoff } from '../transport/backoff.js';
import { ControlError, readBody, sendJson, STREAMED, type Handler } from './http.js';
import type { ControlOptions } from './options.js';
import { listenUnix } from './unix-socket.js';

const STOP_DEADLINE_MS = 1000;

export class ControlServer implements Part {
  readonly name = 'control';
  private server: Server | null = null;
  private readonly sockets = new Set<Socket>();
  private readonly tracker = new HealthTracker('absent', 'not started');
  private readonly backoff = new Backoff();
  private retry: NodeJS.Timeout | null = null;
  private stopped = false;
  private readonly counters = { requests: 0, errors: 0, refusedConnections: 0, bindFailures: 0 };

  constructor(
    private readonly opts: ControlOptions,
    private readonly routes: (route: string) => Handler | undefined,
    private readonly log: Logger,
  ) {}

  get socketPath(): string {
    return this.opts.socket;
  }

  async start(): Promise<void> {
    this.stopped = false;
    await this.bind();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.retry) clearTimeout(this.retry);
    this.retry = null;
    const server = this.server;
    this.server = null;
    if (server) {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      // An export stream or a long AT command must not hold up the gateway's stop.
      for (const s of this.sockets) s.destroy();
      await Promise.race([closed, new Promise<void>((resolve) => setTimeout(resolve, STOP_DEADLINE_MS).unref())]);
      try {
        unlinkSync(this.opts.socket);
      } catch {
        /* already gone (net removes it on close) */
      }
    }
    this.tracker.set('absent', 'stopped');
  }

  health(): Health {
    const h = this.tracker.get();
    h.counters = { ...this.counters, clients: this.sockets.size };
    return h;
  }

  private async bind(): Promise<void> {
    const server = createServer({ requestTimeout: 0, headersTimeout: 10_000, keepAliveTimeout: 5000 }, (req, res) => void this.handle(req, res));
    server.maxConnections = this.opts.maxConnections;
    server.on('connection', (s: Socket) => {
      this.sockets.add(s);
      s.once('close', () => this.sockets.delete(s));
    });
    server.on('drop', () => this.counters.refusedConnections++);
    try {
      await listenUnix(server, this.opts.socket, this.opts.group);
    } catch (e) {
      this.counters.bindFailures++;
      const wait = this.backoff.next();
      const detail = `cannot listen on ${this.opts.socket}: ${(e as Error).message}; retrying in ${Math.round(wait / 1000)} s`;
      if (this.tracker.set('degraded', detail)) this.log.error({ err: (e as Error).message, socket: this.opts.socket }, 'control socket cannot listen; retrying');
      server.close();
      if (!this.stopped) {
        this.retry = setTimeout(() => void this.bind(), wait);
        this.retry.unref();
      }
      return;
    }
    if (this.stopped) {
      server.close();
      return;
    }
    server.on('error', (e) => this.log.warn({ err: e.message }, 'control socket error'));
    this.server = server;
    this.backoff.reset();
    this.tracker.set('ok', `listening on ${this.opts.socket}`);
    this.log.info({ socket: this.opts.socket, group: this.opts.group ?? null }, 'control API listening');
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    this.counters.requests++;
    const url = new URL(req.url ?? '/', 'http://control');
    const method = req.method ?? 'GET';
    const handler = this.routes(`${method} ${url.pathname}`);
    const aborted = new AbortController();
    res.once('close', () => aborted.abort());
    try {
      if (!handler) throw new ControlError(404, 'NOT_FOUND', `no ${method} ${url.pathname} in the control API`);
      const body = method === 'GET' ? {} : await readBody(req);
      const result = await handler({ method, path: url.pathname, query: url.searchParams, body, res, signal: aborted.signal });
      if (result !== STREAMED) sendJson(res, 200, result);
    } catch (e) {
      this.counters.errors++;
      if (res.headersSent) {
        // A stream broke half-way: cut it, so the client sees a truncated answer, not a complete one.
        this.log.warn({ err: (e as Error).message, path: url.pathname }, 'control stream failed');
        res.destroy();
        return;
      }
      if (e instanceof ControlError) return sendJson(res, e.status, { error: { code: e.code, message: e.message, details: e.details } });
      this.log.error({ err: e, path: url.pathname }, 'control request failed');
      sendJson(res, 500, { error: { code: 'INTERNAL', message: (e as Error).message ?? String(e), details: {} } });
    }
  }
}
