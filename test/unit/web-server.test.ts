// The web pages' server against a fake QueueView: routes, validation, headers, the SSE
// stream (snapshot at connect and on change, ping, client cap), stop() and bind retry.
import { request, type IncomingMessage } from 'node:http';
import { createServer, type AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { QueueSnapshot } from '../../firmware-ts/src/services/queue/snapshot.js';
import type { QueueView, TicketStatus } from '../../firmware-ts/src/services/queue/view.js';
import type { WebOptions } from '../../firmware-ts/src/web/options.js';
import { route } from '../../firmware-ts/src/web/routes.js';
import { WebServer } from '../../firmware-ts/src/web/web-server.js';
import { silent } from '../helpers/store.js';

const snap = (waitingA: number, serving: string | null = null): QueueSnapshot => ({
  services: [
    { letter: 'A', name: 'Bilgi Edinme', open: true, waiting: waitingA, estimatedWaitMs: waitingA * 300_000 },
    { letter: 'B', name: 'İstihdam', open: false, waiting: 0, estimatedWaitMs: null },
  ],
  counters: [{ number: 1, name: 'Gişe 1', open: true, serving, state: serving ? 'called' : null }],
  lastCalled: serving ? [{ number: serving, counter: 1, at: 1_800_000_000_000 }] : [],
  averageWaitMs: null,
});

const TICKET: TicketStatus = {
  id: '2026-11-29/A001',
  number: 'A001',
  service: 'A',
  serviceName: 'Bilgi Edinme',
  state: 'waiting',
  priority: 'disabled',
  ahead: 0,
  estimatedWaitMs: 300_000,
  counter: null,
  takenAt: 1_800_000_000_000,
  transferredFrom: null,
  transferredTo: null,
};

class FakeView implements QueueView {
  current = snap(0);
  readonly listeners = new Set<(s: QueueSnapshot) => void>();
  snapshot(): QueueSnapshot {
    return this.current;
  }
  ticket(ref: string): TicketStatus | null {
    return ref === TICKET.id ? TICKET : null;
  }
  onChange(listener: (s: QueueSnapshot) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
  change(s: QueueSnapshot): void {
    this.current = s;
    for (const l of this.listeners) l(s);
  }
}

const OPTS: WebOptions = { enabled: true, host: '127.0.0.1', port: 0, maxClients: 64, heartbeatMs: 15_000, retryMs: 2000 };
const servers: WebServer[] = [];

async function startWeb(opts: Partial<WebOptions> = {}, vehicleName = 'VİM aracı'): Promise<{ web: WebServer; view: FakeView }> {
  const view = new FakeView();
  const web = new WebServer({ ...OPTS, ...opts }, view, { log: silent, vehicleName });
  servers.push(web);
  await web.start();
  return { web, view };
}

afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.stop()));
});

interface Reply {
  status: number;
  headers: IncomingMessage['headers'];
  body: string;
}

function http(web: WebServer, path: string, method = 'GET', headers: Record<string, string> = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: web.port(), path, method, headers, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** An open /events stream: its raw text so far, its parsed events, and a way to wait for more. */
interface Stream {
  res: IncomingMessage;
  text: () => string;
  events: () => { event: string; data: string }[];
  waitFor: (pred: (e: { event: string; data: string }[]) => boolean, ms?: number) => Promise<void>;
  ended: Promise<void>;
  close: () => void;
}

function openStream(web: WebServer): Promise<Stream> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: web.port(), path: '/events', agent: false }, (res) => {
      let text = '';
      const waiters: (() => void)[] = [];
      res.setEncoding('utf8');
      res.on('data', (c: string) => {
        text += c;
        for (const w of waiters.splice(0)) w();
      });
      const ended = new Promise<void>((r) => res.on('close', () => r()));
      const events = () =>
        text
          .split('\n\n')
          .slice(0, -1)
          .map((block) => {
            const lines = block.split('\n');
            const event = lines.find((l) => l.startsWith('event: '))?.slice(7) ?? 'message';
            const data = lines.filter((l) => l.startsWith('data: ')).map((l) => l.slice(6)).join('\n');
            return { event, data };
          })
          .filter((e) => e.data !== '' || e.event !== 'message');
      const waitFor = async (pred: (e: { event: string; data: string }[]) => boolean, ms = 3000) => {
        const deadline = Date.now() + ms;
        while (!pred(events())) {
          if (Date.now() > deadline) throw new Error(`stream did not get there; has: ${text}`);
          await new Promise<void>((r) => {
            waiters.push(r);
            setTimeout(r, 50);
          });
        }
      };
      resolve({ res, text: () => text, events, waitFor, ended, close: () => req.destroy() });
    });
    req.on('error', reject);
    req.end();
  });
}

describe('routes', () => {
  it('maps paths and validates the ticket id', () => {
    expect(route('/')).toEqual({ ok: true, route: { kind: 'board' } });
    expect(route('/t/2026-11-29/A001')).toEqual({ ok: true, route: { kind: 'ticketPage', id: '2026-11-29/A001' } });
    expect(route('/api/ticket/2026-11-29/A1000')).toEqual({ ok: true, route: { kind: 'apiTicket', id: '2026-11-29/A1000' } });
    // Turkish service letters arrive percent-encoded from the QR link.
    expect(route('/api/ticket/2026-11-29/%C3%87001')).toEqual({ ok: true, route: { kind: 'apiTicket', id: '2026-11-29/Ç001' } });
    expect(route('/t/2026-02-30/A001')).toMatchObject({ ok: false, status: 400, field: 'day' });
    expect(route('/t/29.11.2026/A001')).toMatchObject({ ok: false, status: 400, field: 'day' });
    expect(route('/t/2026-11-29/a1')).toMatchObject({ ok: false, status: 400, field: 'number' });
    expect(route('/t/2026-11-29/%E0%A4%A')).toMatchObject({ ok: false, status: 400, field: 'number' });
    expect(route('/t/2026-11-29')).toEqual({ ok: false, status: 404 });
    expect(route('/static/../../etc/passwd')).toEqual({ ok: false, status: 404 });
    expect(route('/static/server.js')).toEqual({ ok: false, status: 404 });
  });
});

describe('WebServer over HTTP', () => {
  it('serves the now-serving page in Turkish with the vehicle name escaped and the security headers', async () => {
    const { web } = await startWeb({}, 'VİM <aracı>');
    const r = await http(web, '/');
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(r.body).toContain('<html lang="tr">');
    expect(r.body).toContain('ŞİMDİ HİZMET VERİLEN');
    expect(r.body).toContain('SON ÇAĞRILANLAR');
    expect(r.body).toContain('BEKLEYEN');
    expect(r.body).toContain('VİM &#60;aracı&#62;');
    expect(r.body).not.toContain('<aracı>');
    expect(r.headers['content-security-policy']).toMatch(/default-src 'self'/);
    expect(r.headers['content-security-policy']).not.toMatch(/unsafe-inline|https?:/);
    expect(r.headers['x-content-type-options']).toBe('nosniff');
    // Nothing is fetched from outside: the van is offline.
    expect(r.body).not.toMatch(/(src|href)="(https?:)?\/\//);
  });

  it('serves the ticket page and the static files, with revalidation by ETag', async () => {
    const { web } = await startWeb();
    const page = await http(web, '/t/2026-11-29/A001');
    expect(page.status).toBe(200);
    expect(page.body).toContain('/static/ticket.js');
    const js = await http(web, '/static/live.js');
    expect(js.status).toBe(200);
    expect(js.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(js.headers['cache-control']).toBe('no-cache');
    expect(js.body).toContain('new EventSource');
    const again = await http(web, '/static/live.js', 'GET', { 'If-None-Match': js.headers.etag! });
    expect(again.status).toBe(304);
    expect(again.body).toBe('');
  });

  it('answers /api/queue with the snapshot, uncached, and HEAD without a body', async () => {
    const { web, view } = await startWeb();
    view.current = snap(3, 'A002');
    const r = await http(web, '/api/queue');
    expect(r.status).toBe(200);
    expect(r.headers['cache-control']).toBe('no-store');
    expect(JSON.parse(r.body)).toEqual(snap(3, 'A002'));
    const head = await http(web, '/api/queue', 'HEAD');
    expect(head.status).toBe(200);
    expect(head.body).toBe('');
    expect(Number(head.headers['content-length'])).toBe(Buffer.byteLength(r.body));
  });

  it('answers /api/ticket with the status but never the priority class; 404 names an unknown ticket', async () => {
    const { web } = await startWeb();
    const r = await http(web, '/api/ticket/2026-11-29/A001');
    expect(r.status).toBe(200);
    const body = JSON.parse(r.body) as Record<string, unknown>;
    expect(body).toMatchObject({ id: '2026-11-29/A001', number: 'A001', state: 'waiting', ahead: 0 });
    expect(body).not.toHaveProperty('priority');
    expect(r.body).not.toContain('disabled');
    const missing = await http(web, '/api/ticket/2026-11-29/A999');
    expect(missing.status).toBe(404);
    expect(JSON.parse(missing.body)).toEqual({
      error: { code: 'TICKET_NOT_FOUND', message: "ticket 2026-11-29/A999 is not in today's queue", details: { ticket: '2026-11-29/A999' } },
    });
  });

  it('gives 400 naming the field, 404 for anything else, 405 for other methods', async () => {
    const { web } = await startWeb();
    const badDay = await http(web, '/api/ticket/2026-13-01/A001');
    expect(badDay.status).toBe(400);
    expect(JSON.parse(badDay.body)).toMatchObject({ error: { code: 'BAD_REQUEST', details: { field: 'day' } } });
    const badNumber = await http(web, '/api/ticket/2026-11-29/1A');
    expect(JSON.parse(badNumber.body)).toMatchObject({ error: { code: 'BAD_REQUEST', details: { field: 'number' } } });
    const badPage = await http(web, '/t/2026-11-29/xyz');
    expect(badPage.status).toBe(400);
    expect(badPage.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(badPage.body).toMatch(/^Geçersiz bağlantı: number/);
    for (const p of ['/nope', '/static/nope.js', '/api/ticket', '/index.html', '//evil.example/']) {
      const r = await http(web, p);
      expect(r.status, p).toBe(404);
      expect(r.headers['x-content-type-options'], p).toBe('nosniff');
    }
    const post = await http(web, '/', 'POST');
    expect(post.status).toBe(405);
    expect(post.headers.allow).toBe('GET, HEAD');
    const del = await http(web, '/api/queue', 'DELETE');
    expect(del.status).toBe(405);
    expect(JSON.parse(del.body)).toMatchObject({ error: { code: 'METHOD_NOT_ALLOWED' } });
  });

  it('reports health on /healthz and in health()', async () => {
    const { web } = await startWeb();
    const r = await http(web, '/healthz');
    expect(JSON.parse(r.body)).toEqual({ state: 'ok', clients: 0 });
    expect(web.health()).toMatchObject({ state: 'ok' });
    expect(web.health().detail).toContain(`:${web.port()}/`);
  });
});

describe('the live stream (/events)', () => {
  it('sends the retry hint, the snapshot and a ping at connect, then the new snapshot on every change', async () => {
    const { web, view } = await startWeb();
    view.current = snap(2);
    const s = await openStream(web);
    expect(s.res.statusCode).toBe(200);
    expect(s.res.headers['content-type']).toBe('text/event-stream; charset=utf-8');
    expect(s.res.headers['cache-control']).toBe('no-store');
    await s.waitFor((e) => e.some((x) => x.event === 'ping'));
    expect(s.text().startsWith('retry: 2000\n')).toBe(true);
    expect(s.events()[0]).toEqual({ event: 'queue', data: JSON.stringify(snap(2)) });
    expect(JSON.parse(s.events()[1]!.data)).toMatchObject({ everyMs: 15_000 });

    view.change(snap(1, 'A001'));
    await s.waitFor((e) => e.filter((x) => x.event === 'queue').length === 2);
    expect(JSON.parse(s.events().filter((x) => x.event === 'queue')[1]!.data)).toEqual(snap(1, 'A001'));
    s.close();
  });

  it('folds changes of one tick into one event with the newest picture, and skips repeats', async () => {
    const { web, view } = await startWeb();
    const s = await openStream(web);
    await s.waitFor((e) => e.some((x) => x.event === 'ping'));
    view.change(snap(1));
    view.change(snap(2));
    view.change(snap(3));
    await s.waitFor((e) => e.filter((x) => x.event === 'queue').length === 2);
    view.change(snap(3));
    view.change(snap(4));
    await s.waitFor((e) => e.filter((x) => x.event === 'queue').length >= 3);
    const queues = s.events().filter((x) => x.event === 'queue').map((x) => (JSON.parse(x.data) as QueueSnapshot).services[0]!.waiting);
    expect(queues).toEqual([0, 3, 4]);
    s.close();
  });

  it('pings every heartbeat interval', async () => {
    const { web } = await startWeb({ heartbeatMs: 1000 });
    const s = await openStream(web);
    await s.waitFor((e) => e.filter((x) => x.event === 'ping').length >= 2, 2500);
    s.close();
  });

  it('caps live clients with a 503 and Retry-After, and frees a slot when a page leaves', async () => {
    const { web } = await startWeb({ maxClients: 2 });
    const a = await openStream(web);
    const b = await openStream(web);
    const refused = await http(web, '/events');
    expect(refused.status).toBe(503);
    expect(refused.headers['retry-after']).toBe('5');
    expect(JSON.parse(refused.body)).toMatchObject({ error: { code: 'TOO_MANY_CLIENTS' } });
    expect(web.health().counters).toMatchObject({ clients: 2, refused: 1 });
    a.close();
    await expect.poll(() => web.health().counters?.clients).toBe(1);
    const c = await openStream(web);
    expect(c.res.statusCode).toBe(200);
    b.close();
    c.close();
  });

  it('stop() ends every stream, closes the port and unsubscribes, within a second', async () => {
    const { web, view } = await startWeb();
    const s1 = await openStream(web);
    const s2 = await openStream(web);
    await s1.waitFor((e) => e.length >= 2);
    const port = web.port();
    const t0 = Date.now();
    await web.stop();
    await Promise.all([s1.ended, s2.ended]);
    expect(Date.now() - t0).toBeLessThan(1000);
    expect(web.port()).toBe(0);
    expect(view.listeners.size).toBe(0);
    expect(web.health().state).toBe('absent');
    await expect(http({ port: () => port } as WebServer, '/')).rejects.toThrow(/ECONNREFUSED/);
  });
});

describe('binding', () => {
  it('a taken port marks the part failed instead of failing the gateway, and it binds once the port is free', async () => {
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', () => r()));
    const port = (blocker.address() as AddressInfo).port;
    const { web } = await startWeb({ port });
    expect(web.health()).toMatchObject({ state: 'failed' });
    expect(web.health().detail).toMatch(/EADDRINUSE/);
    expect(web.port()).toBe(0);
    await new Promise<void>((r) => blocker.close(() => r()));
    // The first retry comes after 1 s ± 25 % (transport/backoff.ts).
    await expect.poll(() => web.port(), { timeout: 3000, interval: 100 }).toBe(port);
    expect(web.health().state).toBe('ok');
    expect((await http(web, '/healthz')).status).toBe(200);
  });
});
