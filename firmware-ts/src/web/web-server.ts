// The gateway's web pages (issue 5): the now-serving board on the HDMI screen in the van's
// window and the ticket status page a ticket's QR code opens, both live over SSE, both fed
// only by the read-only QueueView (ticket numbers and states, never a name).
//
// The pages are a convenience next to the queue, not part of it: a port that cannot be
// bound (the Wi-Fi address not up yet, a port taken) marks this part failed and is retried
// with backoff, instead of stopping the gateway that the tablets and the kiosk depend on.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { HealthTracker, type Health, type Part } from '../lifecycle.js';
import type { QueueView, TicketStatus } from '../services/queue/view.js';
import { Backoff } from '../transport/backoff.js';
import { loadAssets, type Asset } from './assets.js';
import type { WebOptions, WebServerDeps } from './options.js';
import { route, type Route } from './routes.js';
import { SseHub } from './sse.js';

/** What the ticket page may show: the priority class is left out (it can tell a disability or a pregnancy). */
export type PublicTicket = Omit<TicketStatus, 'priority'>;

export function publicTicket(t: TicketStatus): PublicTicket {
  const { priority: _priority, ...rest } = t;
  return rest;
}

/** Same-origin everything: the van is offline, so the pages load nothing from anywhere else. */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy':
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
};

const STOP_DEADLINE_MS = 1000;

export class WebServer implements Part {
  readonly name = 'web';
  private server: Server | null = null;
  private bound = 0;
  private readonly hub: SseHub;
  private readonly tracker = new HealthTracker('absent', 'not started');
  private readonly backoff = new Backoff();
  private assets = new Map<string, Asset>();
  private unsubscribe: (() => void) | null = null;
  private retry: NodeJS.Timeout | null = null;
  private pending: NodeJS.Immediate | null = null;
  private lastSent = '';
  private stopped = false;
  private readonly counters = { requests: 0, badRequests: 0, notFound: 0, bindFailures: 0 };

  constructor(
    private readonly opts: WebOptions,
    private readonly view: QueueView,
    private readonly deps: WebServerDeps,
  ) {
    this.hub = new SseHub({ maxClients: opts.maxClients, heartbeatMs: opts.heartbeatMs, retryMs: opts.retryMs });
  }

  async start(): Promise<void> {
    this.stopped = false;
    this.assets = await loadAssets({ vehicleName: this.deps.vehicleName });
    // Several commits in one tick become one event: only the newest picture matters.
    this.unsubscribe = this.view.onChange(() => {
      this.pending ??= setImmediate(() => {
        this.pending = null;
        this.pushSnapshot();
      });
    });
    await this.bind();
  }

  /** The port actually bound (config port 0 in tests), or 0 while not listening. */
  port(): number {
    return this.bound;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.retry) clearTimeout(this.retry);
    if (this.pending) clearImmediate(this.pending);
    this.retry = null;
    this.pending = null;
    this.unsubscribe?.();
    this.unsubscribe = null;
    // Streams end cleanly, so the pages see the close at once and start reconnecting.
    this.hub.closeAll();
    const server = this.server;
    this.server = null;
    this.bound = 0;
    if (server) {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      // A browser mid-request or a stream that ignored the end must not hold up shutdown.
      const deadline = new Promise<void>((resolve) => setTimeout(resolve, STOP_DEADLINE_MS).unref());
      server.closeAllConnections();
      await Promise.race([closed, deadline]);
    }
    this.tracker.set('absent', 'stopped');
  }

  health(): Health {
    const h = this.tracker.get();
    h.counters = { ...this.counters, ...this.hub.stats() };
    return h;
  }

  private bind(): Promise<void> {
    const server = createServer({ requestTimeout: 10_000, headersTimeout: 10_000, keepAliveTimeout: 5000 }, (req, res) => this.handle(req, res));
    return new Promise((resolve) => {
      server.once('error', (e: NodeJS.ErrnoException) => {
        this.counters.bindFailures++;
        const wait = this.backoff.next();
        const detail = `cannot listen on ${this.opts.host}:${this.opts.port} (${e.code ?? e.message}); retrying in ${Math.round(wait / 1000)} s`;
        // Logged when it starts failing, not on every retry of a van parked for hours without Wi-Fi.
        if (this.tracker.set('failed', detail)) this.deps.log.error({ err: e.message, host: this.opts.host, port: this.opts.port }, 'web server cannot listen; retrying');
        if (!this.stopped) this.retry = setTimeout(() => void this.bind(), wait);
        resolve();
      });
      server.listen(this.opts.port, this.opts.host, () => {
        server.removeAllListeners('error');
        server.on('error', (e) => this.deps.log.warn({ err: e.message }, 'web server error'));
        if (this.stopped) {
          server.close();
          resolve();
          return;
        }
        this.server = server;
        this.bound = (server.address() as AddressInfo).port;
        this.backoff.reset();
        const url = `http://${this.opts.host}:${this.bound}`;
        this.tracker.set('ok', `serving ${url}/ (now serving) and ${url}/t/<day>/<number> (tickets)`);
        this.deps.log.info({ url }, 'web pages listening');
        resolve();
      });
    });
  }

  private pushSnapshot(): void {
    const json = JSON.stringify(this.view.snapshot());
    // The start-up notification and a no-op command repeat the picture; the pages need only changes.
    if (json === this.lastSent) return;
    this.lastSent = json;
    this.hub.broadcast('queue', json);
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    this.counters.requests++;
    for (const [k, v] of Object.entries(SECURITY_HEADERS)) res.setHeader(k, v);
    const method = req.method ?? 'GET';
    const path = pathOf(req.url);
    const api = path === null || path.startsWith('/api/') || path === '/events' || path === '/healthz';
    if (method !== 'GET' && method !== 'HEAD') {
      res.setHeader('Allow', 'GET, HEAD');
      this.error(res, api, 405, 'METHOD_NOT_ALLOWED', `${method} is not allowed here; use GET`);
      return;
    }
    if (path === null) {
      this.error(res, true, 400, 'BAD_REQUEST', 'the request target is not a valid path');
      return;
    }
    const r = route(path);
    if (!r.ok) {
      if (r.status === 400) this.error(res, api, 400, 'BAD_REQUEST', r.message, { field: r.field });
      else this.error(res, api, 404, 'NOT_FOUND', `nothing at ${path}`);
      return;
    }
    try {
      this.serve(r.route, req, res);
    } catch (e) {
      // A bug in one request must not take the page down for everyone.
      this.deps.log.error({ err: e, path }, 'web request failed');
      if (!res.headersSent) this.error(res, api, 500, 'INTERNAL', 'internal error');
      else res.destroy();
    }
  }

  private serve(r: Route, req: IncomingMessage, res: ServerResponse): void {
    switch (r.kind) {
      case 'board':
        return this.asset(req, res, 'index.html');
      case 'ticketPage':
        return this.asset(req, res, 'ticket.html');
      case 'asset':
        return this.asset(req, res, r.name);
      case 'apiQueue':
        return this.json(res, 200, this.view.snapshot());
      case 'apiTicket': {
        const t = this.view.ticket(r.id);
        if (t === null) return this.error(res, true, 404, 'TICKET_NOT_FOUND', `ticket ${r.id} is not in today's queue`, { ticket: r.id });
        return this.json(res, 200, publicTicket(t));
      }
      case 'healthz': {
        const h = this.tracker.get();
        return this.json(res, 200, { state: h.state, clients: this.hub.size });
      }
      case 'events':
        return this.events(req, res);
    }
  }

  private events(req: IncomingMessage, res: ServerResponse): void {
    if (req.method === 'HEAD') {
      res.writeHead(200, { 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-store' });
      res.end();
      return;
    }
    if (this.hub.full()) {
      this.hub.noteRefused();
      res.setHeader('Retry-After', '5');
      this.error(res, true, 503, 'TOO_MANY_CLIENTS', `at most ${this.opts.maxClients} live pages at once; try again shortly`);
      return;
    }
    this.hub.open(req, res, { event: 'queue', data: JSON.stringify(this.view.snapshot()) }, {});
    this.deps.log.debug({ remote: req.socket.remoteAddress, clients: this.hub.size }, 'live page connected');
  }

  private asset(req: IncomingMessage, res: ServerResponse, name: string): void {
    const a = this.assets.get(name);
    if (!a) return this.error(res, false, 404, 'NOT_FOUND', `no ${name}`);
    // Revalidated on every load, so an updated gateway never leaves an old script on the screen.
    res.setHeader('Cache-Control', 'no-cache');
    res.setHeader('ETag', a.etag);
    if (req.headers['if-none-match'] === a.etag) {
      res.writeHead(304);
      res.end();
      return;
    }
    res.writeHead(200, { 'Content-Type': a.type, 'Content-Length': a.body.length });
    res.end(a.body);
  }

  private json(res: ServerResponse, status: number, value: unknown): void {
    const body = Buffer.from(JSON.stringify(value));
    res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': body.length, 'Cache-Control': 'no-store' });
    res.end(body);
  }

  private error(res: ServerResponse, api: boolean, status: number, code: string, message: string, details: Record<string, unknown> = {}): void {
    if (status === 400) this.counters.badRequests++;
    if (status === 404) this.counters.notFound++;
    if (api) return this.json(res, status, { error: { code, message, details } });
    // A person typed or scanned this: Turkish, plain text.
    const text = status === 404 ? 'Sayfa bulunamadı.' : status === 400 ? `Geçersiz bağlantı: ${message}` : `Hata (${status}).`;
    const body = Buffer.from(`${text}\n`);
    res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': body.length, 'Cache-Control': 'no-store' });
    res.end(body);
  }
}

/** The path of a request target, or null when it is not one (`*`, garbage). */
function pathOf(url: string | undefined): string | null {
  if (url === undefined || !url.startsWith('/')) return null;
  try {
    // Prefixing (not a base URL) keeps `//x/y` a path instead of a host.
    return new URL(`http://gateway.invalid${url}`).pathname;
  } catch {
    return null;
  }
}
