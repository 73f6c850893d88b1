// Server-Sent Events for the pages: a capped set of open streams, one broadcast, a ping
// on a timer. The ping is a named event rather than an SSE comment: comments keep proxies
// from closing an idle stream but never reach the page's JavaScript, and the page needs
// to see *something* regularly to tell a quiet queue from a dead link (a phone that left
// the Wi-Fi, a half-open TCP connection) and reconnect.
import type { IncomingMessage, ServerResponse } from 'node:http';

export interface SseOptions {
  maxClients: number;
  heartbeatMs: number;
  retryMs: number;
}

/** A client this far behind (bytes queued in its socket) is cut: it will reconnect and get a fresh snapshot. */
const MAX_BUFFERED = 1024 * 1024;

export class SseHub {
  private readonly clients = new Set<ServerResponse>();
  private timer: NodeJS.Timeout | null = null;
  private counters = { opened: 0, refused: 0, dropped: 0 };

  constructor(private readonly opts: SseOptions) {}

  get size(): number {
    return this.clients.size;
  }

  stats(): Record<string, number> {
    return { clients: this.clients.size, ...this.counters };
  }

  /** Whether a new stream would exceed the cap (the caller answers 503). */
  full(): boolean {
    return this.clients.size >= this.opts.maxClients;
  }

  noteRefused(): void {
    this.counters.refused++;
  }

  /** Opens a stream on `res` and sends the first event at once, so a page never shows a stale picture. */
  open(req: IncomingMessage, res: ServerResponse, first: { event: string; data: string }, headers: Record<string, string>): void {
    res.writeHead(200, {
      ...headers,
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-store',
      Connection: 'keep-alive',
      // nginx and friends buffer responses unless told not to; a buffered stream is not live.
      'X-Accel-Buffering': 'no',
    });
    req.socket.setNoDelay(true);
    // A stream is idle between changes; the default 5 s keep-alive/request timeouts must not cut it.
    req.socket.setTimeout(0);
    res.write(`retry: ${this.opts.retryMs}\n`);
    res.write(frame(first.event, first.data));
    // A ping at once tells the page the interval, before it has to judge the link by it.
    res.write(frame('ping', this.ping()));
    this.clients.add(res);
    this.counters.opened++;
    res.on('close', () => this.clients.delete(res));
    this.timer ??= setInterval(() => this.broadcast('ping', this.ping()), this.opts.heartbeatMs);
  }

  private ping(): string {
    return JSON.stringify({ at: Date.now(), everyMs: this.opts.heartbeatMs });
  }

  broadcast(event: string, data: string): void {
    const f = frame(event, data);
    for (const res of this.clients) {
      if (res.writableLength > MAX_BUFFERED) {
        this.counters.dropped++;
        this.clients.delete(res);
        res.destroy();
        continue;
      }
      res.write(f);
    }
  }

  /** Ends every stream (the browsers reconnect after `retry`) and the ping timer. */
  closeAll(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    for (const res of this.clients) res.end();
    this.clients.clear();
  }
}

/** One SSE event; data may not contain raw newlines, so every line gets its own `data:`. */
export function frame(event: string, data: string): string {
  return `event: ${event}\n${data
    .split('\n')
    .map((l) => `data: ${l}\n`)
    .join('')}\n`;
}
