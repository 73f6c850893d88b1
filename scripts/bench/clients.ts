// mqtt.js clients for the load rows. mqtt.js opens its TCP socket without
// TCP_NODELAY, and with one message in flight Nagle + delayed ACK would add ~40 ms
// to a round trip, so the socket is built here with noDelay, like a tablet app should.
import { MqttClient } from 'mqtt';
import { createConnection } from 'node:net';

export interface ClientSpec {
  port: number;
  clientId: string;
  username?: string;
  password?: string;
}

export function connectClient(spec: ClientSpec): Promise<MqttClient> {
  return new Promise((resolve, reject) => {
    const client = new MqttClient(() => createConnection({ host: '127.0.0.1', port: spec.port, noDelay: true }), {
      clientId: spec.clientId,
      ...(spec.username !== undefined ? { username: spec.username } : {}),
      ...(spec.password !== undefined ? { password: spec.password } : {}),
      protocolVersion: 4,
      clean: true,
      keepalive: 60,
      reconnectPeriod: 0,
      connectTimeout: 15_000,
    });
    const fail = (e: Error) => {
      client.end(true);
      reject(new Error(`${spec.clientId}: ${e.message}`));
    };
    client.once('error', fail);
    client.once('connect', () => {
      client.off('error', fail);
      client.on('error', (e) => process.stderr.write(`bench: client ${spec.clientId}: ${e.message}\n`));
      resolve(client);
    });
  });
}

export function subscribe(client: MqttClient, topic: string): Promise<void> {
  return new Promise((resolve, reject) => {
    client.subscribe(topic, { qos: 1 }, (err, granted) => {
      if (err) return reject(err);
      if (!granted || granted.some((g) => g.qos === 128)) return reject(new Error(`subscription to ${topic} refused`));
      resolve();
    });
  });
}

export async function connectAll(specs: readonly ClientSpec[], topicOf: (clientId: string) => string): Promise<MqttClient[]> {
  const clients = await Promise.all(specs.map((s) => connectClient(s)));
  await Promise.all(clients.map((c, i) => subscribe(c, topicOf(specs[i]!.clientId))));
  return clients;
}

export async function endAll(clients: readonly MqttClient[]): Promise<void> {
  await Promise.all(clients.map((c) => new Promise<void>((r) => c.end(false, {}, () => r()))));
}
