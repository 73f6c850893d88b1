// TLS (8883) and WebSocket listeners, each carrying a full command round trip.
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../../firmware-ts/src/gateway.js';
import { command, connect, startGateway, USERS } from '../helpers/gateway-inproc.js';
import { cleanupTempDirs, tempDir } from '../helpers/tmp.js';

let gw: Gateway;
let certDir: string;

beforeAll(async () => {
  certDir = tempDir('vimgw-tls-');
  execFileSync('openssl', [
    'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2',
    '-keyout', join(certDir, 'key.pem'), '-out', join(certDir, 'cert.pem'),
    '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1',
  ], { stdio: 'ignore' });
  ({ gw } = await startGateway({
    broker: {
      tcp: { host: '127.0.0.1', port: 0 },
      tls: { host: '127.0.0.1', port: 0, certFile: join(certDir, 'cert.pem'), keyFile: join(certDir, 'key.pem') },
      ws: { host: '127.0.0.1', port: 0 },
      credentialsFile: 'users.json',
    },
  }));
});
afterAll(async () => {
  await gw.stop();
  cleanupTempDirs();
});

describe('listeners', () => {
  it('lists every endpoint it bound', () => {
    expect(gw.broker.endpoints.map((e) => e.split(':')[0])).toEqual(['mqtt', 'mqtts', 'ws']);
  });

  it('serves commands over TLS, verified against the certificate', async () => {
    const c = await connect(`mqtts://127.0.0.1:${gw.broker.port('mqtts')}`, USERS.staff, 'ayse@tls', { ca: readFileSync(join(certDir, 'cert.pem')), rejectUnauthorized: true });
    await c.subscribeAsync('vim/reply/ayse@tls', { qos: 1 });
    const id = randomUUID();
    expect(await command(c, 'vim/cmd/logbook/add', { id, text: 'TLS üzerinden' })).toMatchObject({ id, ok: true });
    await c.endAsync();
  });

  it('refuses TLS clients that do not trust the certificate', async () => {
    await expect(connect(`mqtts://127.0.0.1:${gw.broker.port('mqtts')}`, USERS.staff, 'ayse@tls2', { rejectUnauthorized: true })).rejects.toThrow(/self[- ]signed|certificate/i);
  });

  it('serves commands over WebSocket, with the same authentication', async () => {
    const url = `ws://127.0.0.1:${gw.broker.port('ws')}`;
    await expect(connect(url, { username: 'ayse', password: 'yanlış' }, 'ayse@ws')).rejects.toThrow(/Bad username or password|Not authorized/i);
    const c = await connect(url, USERS.staff, 'ayse@ws');
    await c.subscribeAsync('vim/reply/ayse@ws', { qos: 1 });
    const id = randomUUID();
    expect(await command(c, 'vim/cmd/logbook/add', { id, text: 'WebSocket üzerinden' })).toMatchObject({ id, ok: true });
    await c.endAsync();
  });
});
