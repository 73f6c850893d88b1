// MQTT clients for the security suite: mqtt.js over a socket bound to a chosen
// loopback source address (127.0.0.0/8 is all local on Linux), so one test can play
// several machines on the van's Wi-Fi, and a login attempt reduced to its outcome.
import { createConnection } from 'node:net';
import { MqttClient, type IClientOptions } from 'mqtt';

export interface Login {
  username: string;
  password: string;
}

/** Connects from `from` (a 127.x.y.z address); rejects with the broker's refusal. */
export function connectFrom(port: number, from: string, user: Partial<Login>, clientId: string, extra: IClientOptions = {}): Promise<MqttClient> {
  return new Promise((resolve, reject) => {
    const c = new MqttClient(() => createConnection({ port, host: '127.0.0.1', localAddress: from }), {
      ...user,
      clientId,
      reconnectPeriod: 0,
      connectTimeout: 10_000,
      protocolVersion: 4,
      ...extra,
    });
    c.once('connect', () => resolve(c));
    c.once('error', (e) => {
      c.end(true);
      reject(e);
    });
    c.once('close', () => reject(new Error('closed before CONNACK')));
  });
}

export interface Attempt {
  ok: boolean;
  /** The refusal's message (mqtt.js names the CONNACK return code), or '' when accepted. */
  reason: string;
  ms: number;
}

/** One login attempt, closed again at once; resolves with how it went and how long the answer took. */
export async function attempt(port: number, from: string, user: Partial<Login>, clientId: string): Promise<Attempt> {
  const t0 = performance.now();
  try {
    const c = await connectFrom(port, from, user, clientId);
    const ms = performance.now() - t0;
    await c.endAsync(true);
    return { ok: true, reason: '', ms };
  } catch (e) {
    return { ok: false, reason: (e as Error).message, ms: performance.now() - t0 };
  }
}

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
