// A tablet as the van's staff use one: an MQTT client that reconnects by itself, sends
// each command with a fresh id and, when no answer comes (the gateway was SIGKILLed,
// the Wi-Fi dropped), sends the same id again until it gets one - the safe retry the
// API promises. Every answer's latency (first publish to reply) is recorded per
// command family for the day's report.
import { randomUUID } from 'node:crypto';
import mqtt, { type MqttClient } from 'mqtt';

export interface Reply {
  id: string;
  ok: boolean;
  result?: Record<string, unknown>;
  error?: { code: string; message: string };
}

export class Latencies {
  readonly byFamily = new Map<string, number[]>();
  retries = 0;
  add(family: string, ms: number): void {
    const xs = this.byFamily.get(family) ?? [];
    xs.push(ms);
    this.byFamily.set(family, xs);
  }
}

export class Tablet {
  private client: MqttClient | null = null;
  private readonly waiting = new Map<string, (r: Reply) => void>();
  /** Every message this tablet received (replies, events, state), for the personal-data grep. */
  readonly seen: string[] = [];
  /** The latest message on each topic (a retained state's current value). */
  readonly latest = new Map<string, string>();

  constructor(
    readonly url: string,
    readonly user: { username: string; password: string },
    readonly clientId: string,
    private readonly latencies: Latencies,
    private readonly watch: string[] = [],
  ) {}

  async connect(): Promise<void> {
    const c = mqtt.connect(this.url, { ...this.user, clientId: this.clientId, protocolVersion: 4, reconnectPeriod: 500, connectTimeout: 5000, clean: true, resubscribe: true });
    this.client = c;
    c.on('error', () => undefined); // reconnects by itself; a refused connect during a restart is expected
    c.on('message', (topic, buf) => {
      const text = buf.toString();
      this.seen.push(`${topic} ${text}`);
      this.latest.set(topic, text);
      if (topic !== `vim/reply/${this.clientId}`) return;
      let r: Reply;
      try {
        r = JSON.parse(text) as Reply;
      } catch {
        return;
      }
      this.waiting.get(r.id)?.(r);
    });
    await new Promise<void>((res, rej) => {
      const t = setTimeout(() => rej(new Error(`${this.clientId}: no CONNACK within 15 s`)), 15_000);
      c.once('connect', () => {
        clearTimeout(t);
        res();
      });
    });
    await c.subscribeAsync([`vim/reply/${this.clientId}`, ...this.watch], { qos: 1 });
  }

  /**
   * Sends vim/cmd/<topic> and resolves with the reply. Without a reply within `retryMs` the
   * same id (same payload) goes again, until `deadlineMs`; then it throws.
   */
  async send(topic: string, args: Record<string, unknown>, opts: { retryMs?: number; deadlineMs?: number; id?: string } = {}): Promise<Reply> {
    const c = this.client;
    if (!c) throw new Error('tablet not connected');
    const id = opts.id ?? randomUUID();
    const body = JSON.stringify({ id, ...args });
    const family = topic.split('/')[0]!;
    const t0 = performance.now();
    const deadline = Date.now() + (opts.deadlineMs ?? 120_000);
    const retryMs = opts.retryMs ?? 8000;
    try {
      for (let attempt = 0; ; attempt++) {
        if (attempt > 0) this.latencies.retries++;
        const reply = new Promise<Reply | null>((res) => {
          const t = setTimeout(() => res(null), retryMs);
          this.waiting.set(id, (r) => {
            clearTimeout(t);
            res(r);
          });
        });
        // QoS 1 publishes wait in mqtt.js's queue while it reconnects.
        c.publish(`vim/cmd/${topic}`, body, { qos: 1 }, () => undefined);
        const r = await reply;
        if (r?.error?.code === 'RATE_LIMITED' && Date.now() < deadline) {
          // The role's publish rate (the kiosk's is 2/s) was exceeded by retries after a reconnect: wait, same id again.
          await new Promise((res) => setTimeout(res, 1000));
          continue;
        }
        if (r) {
          this.latencies.add(family, performance.now() - t0);
          return r;
        }
        if (Date.now() > deadline) throw new Error(`${this.clientId}: no reply to ${topic} ${id} after ${attempt + 1} attempts`);
      }
    } finally {
      this.waiting.delete(id);
    }
  }

  /** Like send, but an error reply is an exception naming the command. */
  async ok(topic: string, args: Record<string, unknown>, opts: { retryMs?: number; deadlineMs?: number } = {}): Promise<Record<string, unknown>> {
    const r = await this.send(topic, args, opts);
    if (!r.ok) throw new Error(`${topic} refused: ${r.error?.code} ${r.error?.message}`);
    return r.result ?? {};
  }

  async close(): Promise<void> {
    const c = this.client;
    this.client = null;
    await c?.endAsync(true);
  }
}
