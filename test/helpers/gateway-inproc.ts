// An in-process Gateway on free ports with a temp data dir and its own users,
// for integration tests that need the real broker, store and command path.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { parseConfig } from '../../firmware-ts/src/config/load.js';
import type { Config } from '../../firmware-ts/src/config/schema.js';
import { Gateway } from '../../firmware-ts/src/gateway.js';
import { addUser } from '../../firmware-ts/src/broker/credentials.js';
import { silent } from './store.js';
import { tempDir } from './tmp.js';

export const USERS = {
  staff: { username: 'ayse', password: 'ayse-parola' },
  staff2: { username: 'mehmet', password: 'mehmet-parola' },
  kiosk: { username: 'kiosk1', password: 'kiosk-parola' },
  display: { username: 'ekran1', password: 'ekran-parola' },
  maintenance: { username: 'bakim', password: 'bakim-parola' },
} as const;

export async function writeUsers(file: string): Promise<void> {
  await addUser(file, USERS.staff.username, 'staff', USERS.staff.password);
  await addUser(file, USERS.staff2.username, 'staff', USERS.staff2.password);
  await addUser(file, USERS.kiosk.username, 'kiosk', USERS.kiosk.password);
  await addUser(file, USERS.display.username, 'display', USERS.display.password);
  await addUser(file, USERS.maintenance.username, 'maintenance', USERS.maintenance.password);
}

/**
 * Starts a gateway in a fresh temp dir, or in `opts.dir` to restart one on the data an
 * earlier gateway left (the users file is written only once per dir).
 */
export async function startGateway(overrides: Record<string, unknown> = {}, opts: { dir?: string } = {}): Promise<{ gw: Gateway; dir: string; config: Config }> {
  const dir = opts.dir ?? tempDir('vimgw-it-');
  const configFile = join(dir, 'config.json');
  if (!opts.dir) await writeUsers(join(dir, 'users.json'));
  const doc = { vehicle: { id: 'VIM-IT' }, dataDir: 'data', broker: { tcp: { host: '127.0.0.1', port: 0 }, credentialsFile: 'users.json' }, ...overrides };
  writeFileSync(configFile, JSON.stringify(doc));
  const r = parseConfig(JSON.stringify(doc), configFile);
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  const gw = new Gateway(r.config, silent);
  await gw.start();
  return { gw, dir, config: r.config };
}

export function connect(url: string, user: { username: string; password: string }, clientId: string, extra: IClientOptions = {}): Promise<MqttClient> {
  return new Promise((resolve, reject) => {
    const c = mqtt.connect(url, { ...user, clientId, reconnectPeriod: 0, connectTimeout: 5000, protocolVersion: 4, ...extra });
    c.once('connect', () => resolve(c));
    c.once('error', (e) => {
      c.end(true);
      reject(e);
    });
  });
}

/** Publishes a command and resolves with the reply carrying the same id. */
export function command(c: MqttClient, topic: string, payload: unknown, timeoutMs = 5000): Promise<Record<string, unknown>> {
  const id = (payload as { id?: string }).id ?? null;
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`no reply for ${id} on ${topic}`)), timeoutMs);
    const onMsg = (_topic: string, buf: Buffer) => {
      const a = JSON.parse(buf.toString()) as Record<string, unknown>;
      if (a.id === id) {
        clearTimeout(t);
        c.off('message', onMsg);
        resolve(a);
      }
    };
    c.on('message', onMsg);
    c.publish(topic, typeof payload === 'string' ? payload : JSON.stringify(payload), { qos: 1 });
  });
}

export async function replyClient(url: string, user: { username: string; password: string }, clientId: string): Promise<MqttClient> {
  const c = await connect(url, user, clientId);
  await c.subscribeAsync(`vim/reply/${clientId}`, { qos: 1 });
  return c;
}

export function nextMessage(c: MqttClient, filter: (topic: string) => boolean, timeoutMs = 3000): Promise<{ topic: string; payload: string } | null> {
  return new Promise((resolve) => {
    const t = setTimeout(() => {
      c.off('message', on);
      resolve(null);
    }, timeoutMs);
    const on = (topic: string, buf: Buffer) => {
      if (!filter(topic)) return;
      clearTimeout(t);
      c.off('message', on);
      resolve({ topic, payload: buf.toString() });
    };
    c.on('message', on);
  });
}
