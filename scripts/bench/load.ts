// The closed loop every MQTT row uses: each client keeps exactly one request in
// flight (publish QoS 1, wait for the matching message), a warm-up is discarded,
// then round trips that start inside the window are counted and timed.
import { randomUUID } from 'node:crypto';
import type { MqttClient } from 'mqtt';
import { connectAll, endAll } from './clients.js';
import { summarize, type Summary } from './stats.js';

export interface LoadOptions {
  warmupMs: number;
  durationMs: number;
  /** Called once when the measured window opens (e.g. to start sampling the broker). */
  atWindowStart?: () => void;
  timeoutMs?: number;
}

export interface LoadResult {
  clients: number;
  ops: number;
  seconds: number;
  rate: number;
  latencyMs: Summary;
  errors: number;
  firstError: string | null;
  /** Raw latencies, for merging rounds; not written to the JSON. */
  samples: number[];
}

/** Same payload shape and size for the command and the echo anchors. */
export function benchPayload(id: string, n: number): string {
  return JSON.stringify({ id, text: `bench logbook entry ${String(n).padStart(8, '0')}: generator checked at the stop, all fine` });
}

/**
 * One client's request/response lane. `check` looks at a message on the reply
 * topic: 'mine' (answer to the request in flight, with an error if it is not ok),
 * or 'other' (ignored, e.g. a late answer).
 */
export class Lane {
  private pending: { id: string; resolve: (err: string | null) => void; timer: NodeJS.Timeout } | null = null;
  private n = 0;

  constructor(
    private readonly client: MqttClient,
    private readonly publishTopic: string,
    private readonly replyTopic: string,
    private readonly check: (doc: unknown, id: string) => 'mine' | `error:${string}` | 'other',
    private readonly timeoutMs: number,
    /** The n-th request of this lane; default: the logbook payload on `publishTopic`. */
    private readonly next: (id: string, n: number) => { topic: string; payload: string } = (id, n) => ({ topic: publishTopic, payload: benchPayload(id, n) }),
  ) {
    client.on('message', (topic, payload) => {
      if (topic !== this.replyTopic || !this.pending) return;
      let doc: unknown;
      try {
        doc = JSON.parse(payload.toString('utf8'));
      } catch {
        doc = null;
      }
      const verdict = this.check(doc, this.pending.id);
      if (verdict === 'other') return;
      this.settle(verdict === 'mine' ? null : verdict.slice('error:'.length));
    });
  }

  private settle(err: string | null): void {
    const p = this.pending;
    if (!p) return;
    this.pending = null;
    clearTimeout(p.timer);
    p.resolve(err);
  }

  /** Resolves with null on success or an error text; never rejects. */
  roundTrip(): Promise<string | null> {
    const id = randomUUID();
    return new Promise((resolve) => {
      const timer = setTimeout(() => this.settle(`no answer within ${this.timeoutMs} ms`), this.timeoutMs);
      this.pending = { id, resolve, timer };
      const req = this.next(id, this.n++);
      this.client.publish(req.topic, req.payload, { qos: 1 }, (err) => {
        if (err) this.settle(`publish failed: ${err.message}`);
      });
    });
  }
}

export async function closedLoop(lanes: readonly Lane[], opts: LoadOptions): Promise<LoadResult> {
  const start = performance.now();
  const windowStart = start + opts.warmupMs;
  const windowEnd = windowStart + opts.durationMs;
  const latencies: number[] = [];
  let errors = 0;
  let firstError: string | null = null;
  let lastFinish = windowStart;
  let opened = false;
  const openWindow = () => {
    if (opened) return;
    opened = true;
    opts.atWindowStart?.();
  };
  const windowTimer = setTimeout(openWindow, opts.warmupMs);

  const runLane = async (lane: Lane) => {
    for (;;) {
      const t0 = performance.now();
      if (t0 >= windowEnd) return;
      const err = await lane.roundTrip();
      const t1 = performance.now();
      if (t0 < windowStart) continue;
      lastFinish = Math.max(lastFinish, t1);
      if (err === null) latencies.push(t1 - t0);
      else {
        errors++;
        firstError ??= err;
      }
    }
  };
  await Promise.all(lanes.map(runLane));
  clearTimeout(windowTimer);
  openWindow();
  const seconds = (lastFinish - windowStart) / 1000;
  return {
    clients: lanes.length,
    ops: latencies.length,
    seconds,
    rate: seconds > 0 ? latencies.length / seconds : 0,
    latencyMs: summarize(latencies),
    errors,
    firstError,
    samples: latencies,
  };
}

/** Several rounds of the same rig as one result (ops and time added, latencies pooled). */
export function mergeResults(rounds: readonly LoadResult[]): LoadResult {
  const samples = rounds.flatMap((r) => r.samples);
  const ops = rounds.reduce((s, r) => s + r.ops, 0);
  const seconds = rounds.reduce((s, r) => s + r.seconds, 0);
  const errors = rounds.reduce((s, r) => s + r.errors, 0);
  return {
    clients: rounds[0]?.clients ?? 0,
    ops,
    seconds,
    rate: seconds > 0 ? ops / seconds : 0,
    latencyMs: summarize(samples),
    errors,
    firstError: rounds.find((r) => r.firstError !== null)?.firstError ?? null,
    samples,
  };
}

export interface Rig {
  port: number;
  clients: number;
  clientId: (i: number) => string;
  username?: string;
  password?: string;
  publishTopic: (clientId: string) => string;
  replyTopic: (clientId: string) => string;
  check: (doc: unknown, id: string) => 'mine' | `error:${string}` | 'other';
  /** The n-th payload; default: the logbook-sized benchPayload. */
  payload?: (id: string, n: number) => string;
}

/** Connects the rig's clients, subscribes each to its reply topic, runs the loop, disconnects. */
export async function runRig(rig: Rig, opts: LoadOptions): Promise<LoadResult> {
  const specs = Array.from({ length: rig.clients }, (_, i) => ({
    port: rig.port,
    clientId: rig.clientId(i),
    ...(rig.username !== undefined ? { username: rig.username } : {}),
    ...(rig.password !== undefined ? { password: rig.password } : {}),
  }));
  const clients = await connectAll(specs, rig.replyTopic);
  try {
    const lanes = clients.map((c, i) => {
      const topic = rig.publishTopic(specs[i]!.clientId);
      const payload = rig.payload;
      const next = payload ? (id: string, n: number) => ({ topic, payload: payload(id, n) }) : undefined;
      return new Lane(c, topic, rig.replyTopic(specs[i]!.clientId), rig.check, opts.timeoutMs ?? 10_000, next);
    });
    return await closedLoop(lanes, opts);
  } finally {
    await endAll(clients);
  }
}
