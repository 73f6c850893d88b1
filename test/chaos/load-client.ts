// A staff tablet under chaos: an mqtt.js client that keeps 1-4 commands in flight
// (logbook entries, queue takes or calls, requests), records every answer in a shared
// ledger, and after any disconnect (or an answer that never came) RETRIES each
// unacknowledged command with the same id and payload. It may also re-send commands
// that were already acknowledged, to check that a retry returns the first answer.
import { randomUUID } from 'node:crypto';
import mqtt, { type MqttClient } from 'mqtt';

export const ADD_TOPIC = 'vim/cmd/logbook/add';

/** What a load client sends. Every kind writes journal rows stamped with the command id. */
export type LoadKind = 'logbook' | 'queue-take' | 'queue-call' | 'request';

interface KindSpec {
  topic: string;
  payload(cmd: Command): Record<string, unknown>;
  /** Domain refusals that settle a command (nothing written, not retried), e.g. an empty queue. */
  settles?: ReadonlySet<string>;
}

export const KINDS: Record<LoadKind, KindSpec> = {
  logbook: { topic: ADD_TOPIC, payload: (c) => ({ text: c.text }) },
  'queue-take': { topic: 'vim/cmd/queue/take', payload: (c) => ({ service: 'ABCD'[c.client % 4]! }) },
  // Counter 1 is opened by the test; an empty queue is a valid, final answer. The client
  // closes each called ticket (no-show) before it calls the next (LoadClient.create).
  'queue-call': { topic: 'vim/cmd/queue/call-next', payload: () => ({ counter: 1 }), settles: new Set(['NOTHING_WAITING']) },
  request: {
    topic: 'vim/cmd/requests/create',
    payload: (c) => ({
      type: 'istek',
      category: 'water',
      authority: 'buski',
      subject: 'Su kesintisi',
      description: c.text,
      citizen: { name: 'Ayşe Yılmaz' },
      kvkk: { consent: true, noticeVersion: '2026-01' },
    }),
  },
};

/** Answers that mean "not written, try again later"; anything else unexpected is a violation. */
const RETRYABLE = new Set(['STORE_FULL', 'STORE_UNAVAILABLE', 'RATE_LIMITED']);

export interface Command {
  id: string;
  kind: LoadKind;
  topic: string;
  args: Record<string, unknown>;
  text: string;
  client: number;
  sends: number;
  /** The seq of a logbook entry's first ok answer. */
  ackSeq?: number;
  recordId?: string;
  /** The first ok answer's result, as JSON: every replay must equal it. */
  result?: string;
  /** A domain refusal in KINDS[kind].settles that ended the command with nothing written. */
  settled?: string;
  /** ok answers received for this id (the first one plus every replay). */
  okAnswers: number;
}

interface AnswerDoc {
  id: string | null;
  ok: boolean;
  result?: { seq?: unknown; recordId?: unknown; [k: string]: unknown };
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

  settled = 0;

  create(client: number, kind: LoadKind = 'logbook', override?: { topic: string; args: Record<string, unknown> }): Command {
    const id = randomUUID();
    const cmd: Command = { id, kind, topic: '', args: {}, text: `chaos c${client} ${id.slice(0, 8)} ${'·'.repeat(Math.floor(Math.random() * 64))}`, client, sends: 0, okAnswers: 0 };
    cmd.topic = override?.topic ?? KINDS[kind].topic;
    cmd.args = override?.args ?? KINDS[kind].payload(cmd);
    this.commands.set(id, cmd);
    return cmd;
  }

  get acked(): Command[] {
    return [...this.commands.values()].filter((c) => c.result !== undefined);
  }

  /** Neither acknowledged nor settled by a domain refusal: still to be retried. */
  get unacked(): Command[] {
    return [...this.commands.values()].filter((c) => c.result === undefined && c.settled === undefined);
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
      if (cmd.kind === 'logbook' && (typeof seq !== 'number' || typeof recordId !== 'string')) {
        this.violations.push(`ok answer without seq/recordId: ${raw.slice(0, 300)}`);
        return { id: cmd.id, acked: false };
      }
      if (cmd.settled !== undefined) this.violations.push(`${cmd.id} was refused ${cmd.settled}, later answered ok: ${raw.slice(0, 300)}`);
      const result = JSON.stringify(a.result ?? null);
      cmd.okAnswers++;
      if (cmd.result === undefined) {
        cmd.result = result;
        if (typeof seq === 'number') cmd.ackSeq = seq;
        if (typeof recordId === 'string') cmd.recordId = recordId;
        this.acks++;
      } else {
        this.replays++;
        if (cmd.result === result) this.replaysSameSeq++;
        else this.violations.push(`retry of ${cmd.id} answered ${result.slice(0, 200)}, first answer was ${cmd.result.slice(0, 200)}`);
      }
      return { id: cmd.id, acked: true };
    }
    const code = a.error?.code ?? '?';
    if (KINDS[cmd.kind].settles?.has(code) && cmd.result === undefined) {
      if (cmd.settled === undefined) this.settled++;
      cmd.settled = code;
      return { id: cmd.id, acked: true };
    }
    if (RETRYABLE.has(code)) {
      this.retryableErrors++;
      if (cmd.result !== undefined) this.violations.push(`retry of acknowledged ${cmd.id} answered ${code} instead of the first answer`);
    } else {
      this.violations.push(`unexpected error answer for ${cmd.id}: ${raw.slice(0, 300)}`);
    }
    return { id: cmd.id, acked: cmd.result !== undefined };
  }
}

export interface LoadClientOptions {
  url: string;
  username: string;
  password: string;
  /** A command unanswered this long on a live connection is sent again (same id). */
  resendAfterMs?: number;
  /** What this client sends; logbook entries by default. */
  kind?: LoadKind;
  /** Most commands in flight; 1-4 at random by default. */
  window?: number;
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
  readonly window: number;
  generating = true;
  connects = 0;
  /** queue-call: the ticket this counter called and has not completed yet. */
  private called: string | null = null;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    readonly index: number,
    private readonly ledger: Ledger,
    private readonly opts: LoadClientOptions,
  ) {
    this.clientId = `${opts.username}@chaos${index}`;
    this.window = opts.window ?? 1 + Math.floor(Math.random() * 4);
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
      const cmd = id === null ? undefined : this.ledger.commands.get(id);
      // Only the first answer moves the counter on: a re-sent old call or no-show replays history.
      if (cmd?.kind === 'queue-call' && cmd.result !== undefined && cmd.okAnswers === 1 && acked) {
        this.called = cmd.topic === KINDS['queue-call'].topic ? ((JSON.parse(cmd.result) as { ticketId: string }).ticketId) : null;
      }
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
      else if (this.generating) {
        const complete = this.called === null ? undefined : { topic: 'vim/cmd/queue/no-show', args: { ticket: this.called } };
        cmd = this.ledger.create(this.index, this.opts.kind, complete);
      }
      if (!cmd) break;
      cmd.sends++;
      this.pending.set(cmd.id, Date.now());
      c.publish(cmd.topic, JSON.stringify({ id: cmd.id, ...cmd.args }), { qos: 1 }, () => {
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
