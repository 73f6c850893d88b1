// A staff tablet under chaos: an mqtt.js client that keeps 1-4 logbook commands in
// flight, records every answer in a shared ledger, and after any disconnect (or an
// answer that never came) RETRIES each unacknowledged command with the same id and
// payload. It may also re-send commands that were already acknowledged, to check
// that a retry returns the first answer.
import { randomUUID } from 'node:crypto';
import mqtt, { type MqttClient } from 'mqtt';

export const ADD_TOPIC = 'vim/cmd/logbook/add';

/** Answers that mean "not written, try again later"; anything else unexpected is a violation. */
const RETRYABLE = new Set(['STORE_FULL', 'STORE_UNAVAILABLE', 'RATE_LIMITED']);

export interface Command {
  id: string;
  text: string;
  client: number;
  sends: number;
  ackSeq?: number;
  recordId?: string;
  /** ok answers received for this id (the first one plus every replay). */
  okAnswers: number;
}

interface AnswerDoc {
  id: string | null;
  ok: boolean;
  result?: { seq?: unknown; recordId?: unknown };
  error?: { code?: string; message?: string };
}

export class Ledger {
  readonly commands = new Map<string, Command>();
  readonly violations: string[] = [];
  acks = 0;
  /** Answers to a command that had already been acknowledged, and how many carried the same seq. */
  replays = 0;
  replaysSameSeq = 0;
  retryableErrors = 0;

  create(client: number): Command {
    const id = randomUUID();
    const cmd: Command = { id, text: `chaos c${client} ${id.slice(0, 8)} ${'·'.repeat(Math.floor(Math.random() * 64))}`, client, sends: 0, okAnswers: 0 };
    this.commands.set(id, cmd);
    return cmd;
  }

  get acked(): Command[] {
    return [...this.commands.values()].filter((c) => c.ackSeq !== undefined);
  }

  get unacked(): Command[] {
    return [...this.commands.values()].filter((c) => c.ackSeq === undefined);
  }

  /** Returns true when the command is now acknowledged. */
  onAnswer(raw: string): { id: string | null; acked: boolean } {
    let a: AnswerDoc;
    try {
      a = JSON.parse(raw) as AnswerDoc;
    } catch {
      this.violations.push(`answer is not JSON: ${raw.slice(0, 200)}`);
      return { id: null, acked: false };
    }
    const cmd = typeof a.id === 'string' ? this.commands.get(a.id) : undefined;
    if (!cmd) {
      this.violations.push(`answer for an unknown or missing id: ${raw.slice(0, 300)}`);
      return { id: a.id ?? null, acked: false };
    }
    if (a.ok) {
      const seq = a.result?.seq;
      const recordId = a.result?.recordId;
      if (typeof seq !== 'number' || typeof recordId !== 'string') {
        this.violations.push(`ok answer without seq/recordId: ${raw.slice(0, 300)}`);
        return { id: cmd.id, acked: false };
      }
      cmd.okAnswers++;
      if (cmd.ackSeq === undefined) {
        cmd.ackSeq = seq;
        cmd.recordId = recordId;
        this.acks++;
      } else {
        this.replays++;
        if (cmd.ackSeq === seq && cmd.recordId === recordId) this.replaysSameSeq++;
        else this.violations.push(`retry of ${cmd.id} answered seq ${seq} (${recordId}), first answer was seq ${cmd.ackSeq} (${cmd.recordId})`);
      }
      return { id: cmd.id, acked: true };
    }
    const code = a.error?.code ?? '?';
    if (RETRYABLE.has(code)) {
      this.retryableErrors++;
      if (cmd.ackSeq !== undefined) this.violations.push(`retry of acknowledged ${cmd.id} answered ${code} instead of the first answer`);
    } else {
      this.violations.push(`unexpected error answer for ${cmd.id}: ${raw.slice(0, 300)}`);
    }
    return { id: cmd.id, acked: cmd.ackSeq !== undefined };
  }
}

export interface LoadClientOptions {
  url: string;
  username: string;
  password: string;
  /** A command unanswered this long on a live connection is sent again (same id). */
  resendAfterMs?: number;
}

export class LoadClient {
  readonly clientId: string;
  readonly replyTopic: string;
  private client: MqttClient | null = null;
  private ready = false;
  /** id -> time sent on the current connection. */
  readonly pending = new Map<string, number>();
  private readonly retry: string[] = [];
  /** How many commands this client keeps in flight, 1-4. */
  readonly window = 1 + Math.floor(Math.random() * 4);
  generating = true;
  connects = 0;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    readonly index: number,
    private readonly ledger: Ledger,
    private readonly opts: LoadClientOptions,
  ) {
    this.clientId = `${opts.username}@chaos${index}`;
    this.replyTopic = `vim/reply/${this.clientId}`;
  }

  start(): void {
    const c = mqtt.connect(this.opts.url, {
      clientId: this.clientId,
      username: this.opts.username,
      password: this.opts.password,
      clean: true,
      protocolVersion: 4,
      reconnectPeriod: 150,
      connectTimeout: 5000,
      keepalive: 30,
      resubscribe: false,
      queueQoSZero: false,
    });
    this.client = c;
    c.on('connect', () => {
      this.connects++;
      this.ready = false;
      this.requeuePending();
      // Subscribe first: an answer published before the subscription would be lost.
      c.subscribe(this.replyTopic, { qos: 1 }, (err, granted) => {
        // The gateway killed mid-SUBSCRIBE closes the connection: the next connect subscribes again.
        if (err && /connection closed|client disconnecting/i.test(err.message)) return;
        if (err || !granted || granted[0]?.qos === 128) {
          this.ledger.violations.push(`${this.clientId}: reply subscription refused (${err?.message ?? JSON.stringify(granted)})`);
          return;
        }
        this.ready = true;
        this.pump();
      });
    });
    c.on('close', () => {
      this.ready = false;
      this.requeuePending();
    });
    c.on('error', () => {
      /* connection refused while the gateway is down; mqtt.js reconnects */
    });
    c.on('message', (topic, payload) => {
      if (topic !== this.replyTopic) return;
      const { id, acked } = this.ledger.onAnswer(payload.toString('utf8'));
      if (id !== null && (acked || this.pending.has(id))) {
        this.pending.delete(id);
        const i = this.retry.indexOf(id);
        if (acked && i >= 0) this.retry.splice(i, 1);
        if (!acked) this.retry.push(id);
      }
      this.pump();
    });
    const resendAfter = this.opts.resendAfterMs ?? 8000;
    this.timer = setInterval(() => {
      const now = Date.now();
      for (const [id, at] of this.pending) {
        if (now - at > resendAfter) {
          this.pending.delete(id);
          this.retry.push(id);
        }
      }
      this.pump();
    }, 500);
  }

  /** Commands not answered on a connection that went away are retried, oldest first. */
  private requeuePending(): void {
    this.retry.unshift(...[...this.pending.keys()].filter((id) => !this.retry.includes(id)));
    this.pending.clear();
  }

  /** Queues already-acknowledged commands for a deliberate re-send (same id and payload). */
  reprobe(ids: readonly string[]): void {
    for (const id of ids) if (!this.retry.includes(id) && !this.pending.has(id)) this.retry.push(id);
    this.pump();
  }

  get idle(): boolean {
    return this.pending.size === 0 && this.retry.length === 0;
  }

  get inFlight(): number {
    return this.pending.size;
  }

  private pump(): void {
    const c = this.client;
    if (!c || !this.ready || !c.connected) return;
    while (this.pending.size < this.window) {
      let cmd: Command | undefined;
      const id = this.retry.shift();
      if (id !== undefined) cmd = this.ledger.commands.get(id);
      else if (this.generating) cmd = this.ledger.create(this.index);
      if (!cmd) break;
      cmd.sends++;
      this.pending.set(cmd.id, Date.now());
      c.publish(ADD_TOPIC, JSON.stringify({ id: cmd.id, text: cmd.text }), { qos: 1 }, () => {
        /* a publish cut off by the kill is retried by the ledger, not by mqtt.js */
      });
    }
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    const c = this.client;
    this.client = null;
    if (c) await c.endAsync(true);
  }
}
