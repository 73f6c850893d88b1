// The broker's TLS listener with a throwaway test CA (test/helpers/certs.ts): it
// works for clients that trust the CA, plaintext MQTT on the TLS port gets nothing,
// and with broker.tls.requireClientCert a client without a certificate from the
// configured CA is refused in the handshake; with certIsUsername a certificate logs in
// only the user its CN names. mosquitto_sub plays the foreign client.
import { execFile, execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { connect as tcpConnect } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import mqttPacket from 'mqtt-packet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { plainLoginRefusal } from '../../firmware-ts/src/broker/tls-options.js';
import { parseConfig } from '../../firmware-ts/src/config/load.js';
import type { Gateway } from '../../firmware-ts/src/gateway.js';
import { makePki, type TestPki } from '../helpers/certs.js';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { command, startGateway, USERS } from '../helpers/gateway-inproc.js';
import { cleanupTempDirs, tempDir } from '../helpers/tmp.js';

const run = promisify(execFile);
let pki: TestPki;
let dir: string;
let open: Gateway; // TLS, no client certificates asked for
let strict: Gateway; // TLS with requireClientCert
let bound: Gateway; // TLS with requireClientCert and certIsUsername
const client: Record<'good' | 'foreign' | 'ayse', { cert: string; key: string }> = { good: { cert: '', key: '' }, foreign: { cert: '', key: '' }, ayse: { cert: '', key: '' } };

/** A client certificate for `cn`, signed by the CA whose files are `<ca>.pem` and `<ca>.key` in `dir`. */
function clientCert(ca: string, cn: string): { cert: string; key: string } {
  const ssl = (args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  ssl(['req', '-newkey', 'rsa:2048', '-nodes', '-subj', `/CN=${cn}`, '-keyout', `${cn}.key`, '-out', `${cn}.csr`]);
  ssl(['x509', '-req', '-in', `${cn}.csr`, '-CA', `${ca}.pem`, '-CAkey', `${ca}.key`, '-CAcreateserial', '-days', '2', '-out', `${cn}.pem`]);
  return { cert: join(dir, `${cn}.pem`), key: join(dir, `${cn}.key`) };
}

const tls = (extra: Record<string, unknown> = {}) => ({
  broker: {
    tcp: { host: '127.0.0.1', port: 0 },
    tls: { host: '127.0.0.1', port: 0, certFile: pki.serverCert, keyFile: pki.serverKey, caFile: pki.ca, ...extra },
    credentialsFile: 'users.json',
  },
});

beforeAll(async () => {
  dir = tempDir('vimgw-sec-tls-');
  pki = makePki(dir);
  client.good = clientCert('ca', 'tablet-1');
  client.foreign = clientCert('other-ca', 'intruder');
  client.ayse = clientCert('ca', USERS.staff.username);
  ({ gw: open } = await startGateway(tls()));
  ({ gw: strict } = await startGateway(tls({ requireClientCert: true })));
  ({ gw: bound } = await startGateway(tls({ requireClientCert: true, certIsUsername: true })));
});
afterAll(async () => {
  await open.stop();
  await strict.stop();
  await bound.stop();
  cleanupTempDirs();
});

/** mqtt.js without retries; rejects on a refusal, a TLS error, or a connection closed before CONNACK. */
function connect(u: string, user: { username: string; password: string }, clientId: string, extra: IClientOptions = {}): Promise<MqttClient> {
  return new Promise((resolve, reject) => {
    const c = mqtt.connect(u, { ...user, clientId, reconnectPeriod: 0, connectTimeout: 10_000, protocolVersion: 4, ...extra });
    const fail = (e: Error) => {
      c.end(true);
      reject(e);
    };
    c.once('connect', () => resolve(c));
    c.once('error', fail);
    c.once('close', () => fail(new Error('connection closed before CONNACK')));
  });
}

const url = (gw: Gateway) => `mqtts://127.0.0.1:${gw.broker.port('mqtts')}`;
const file = (p: string) => readFileSync(p);

describe('TLS listener', () => {
  it('serves a client that trusts the test CA, and refuses one that does not', async () => {
    const c = await connect(url(open), USERS.staff, 'ayse@tls', { ca: file(pki.ca), rejectUnauthorized: true });
    await c.subscribeAsync('vim/reply/ayse@tls', { qos: 1 });
    const id = randomUUID();
    expect(await command(c, 'vim/cmd/logbook/add', { id, text: 'TLS' })).toMatchObject({ id, ok: true });
    await c.endAsync();
    await expect(connect(url(open), USERS.staff, 'ayse@tls2', { ca: file(pki.otherCa), rejectUnauthorized: true })).rejects.toThrow(/certificate|self[- ]signed/i);
  });

  it('mosquitto_sub, a foreign client, reads state over TLS with the CA file', async () => {
    const { stdout } = await run('mosquitto_sub', ['-h', '127.0.0.1', '-p', String(open.broker.port('mqtts')), '--cafile', pki.ca, '-i', 'bakim@mosq-tls', '-u', USERS.maintenance.username, '-P', USERS.maintenance.password, '-t', 'vim/state/gateway', '-C', '1', '-W', '10'], { timeout: 20_000 });
    expect(JSON.parse(stdout)).toMatchObject({ state: expect.any(String) });
  });

  it('gives plaintext MQTT on the TLS port no CONNACK, only a closed connection', async () => {
    const sock = tcpConnect({ port: open.broker.port('mqtts'), host: '127.0.0.1' });
    await new Promise((r) => sock.once('connect', r));
    const got: Buffer[] = [];
    sock.on('data', (d: Buffer) => got.push(d));
    sock.on('error', () => undefined); // a reset is one of the acceptable endings
    const closed = new Promise<boolean>((r) => {
      sock.once('close', () => r(true));
      setTimeout(() => r(false), 15_000);
    });
    sock.write(mqttPacket.generate({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clean: true, keepalive: 30, clientId: 'ayse@plain', username: USERS.staff.username, password: Buffer.from(USERS.staff.password) }));
    expect(await closed).toBe(true);
    // Whatever came back (a TLS alert at most) is not an MQTT CONNACK (0x20).
    const reply = Buffer.concat(got);
    expect(reply.length === 0 || reply[0] !== 0x20).toBe(true);
    await expect(connect(`mqtt://127.0.0.1:${open.broker.port('mqtts')}`, USERS.staff, 'ayse@plain2', {})).rejects.toThrow();
  });
});

describe('TLS with client certificates (broker.tls.requireClientCert)', () => {
  it('serves a client whose certificate the CA signed, still checking its password', async () => {
    const c = await connect(url(strict), USERS.staff, 'ayse@cert', { ca: file(pki.ca), cert: file(client.good.cert), key: file(client.good.key), rejectUnauthorized: true });
    await c.endAsync();
    await expect(connect(url(strict), { ...USERS.staff, password: 'yanlış-parola' }, 'ayse@cert2', { ca: file(pki.ca), cert: file(client.good.cert), key: file(client.good.key) })).rejects.toThrow(/Bad username or password/);
  });

  it('refuses a client with no certificate, or one signed by another CA, in the handshake', async () => {
    const before = strict.broker.health().counters!;
    await expect(connect(url(strict), USERS.staff, 'ayse@nocert', { ca: file(pki.ca) })).rejects.toThrow();
    await expect(connect(url(strict), USERS.staff, 'ayse@badcert', { ca: file(pki.ca), cert: file(client.foreign.cert), key: file(client.foreign.key) })).rejects.toThrow();
    // Refused before MQTT: no login was even tried.
    expect(strict.broker.health().counters!.authFailures).toBe(before.authFailures);
    expect(strict.broker.health().counters!.connects).toBe(before.connects);
  });

  it('mosquitto_sub gets in with the right certificate and not with a foreign one', async () => {
    const sub = (c: { cert: string; key: string }, id: string) =>
      run('mosquitto_sub', ['-h', '127.0.0.1', '-p', String(strict.broker.port('mqtts')), '--cafile', pki.ca, '--cert', c.cert, '--key', c.key, '-i', id, '-u', USERS.maintenance.username, '-P', USERS.maintenance.password, '-t', 'vim/state/gateway', '-C', '1', '-W', '10'], { timeout: 20_000 });
    expect(JSON.parse((await sub(client.good, 'bakim@c1')).stdout)).toMatchObject({ state: expect.any(String) });
    const bad = await sub(client.foreign, 'bakim@c2').catch((e: { code: number }) => e);
    expect((bad as { code: number }).code).not.toBe(0);
  });

  it('with certIsUsername, a certificate logs in only the user its CN names, and a mismatch counts as a failed login', async () => {
    const opts = (c: { cert: string; key: string }) => ({ ca: file(pki.ca), cert: file(c.cert), key: file(c.key), rejectUnauthorized: true });
    const c = await connect(url(bound), USERS.staff, 'ayse@own-cert', opts(client.ayse));
    await c.endAsync();
    const before = bound.broker.health().counters!;
    // Right password, a certificate the CA signed, but for another name: refused after the handshake, before scrypt.
    await expect(connect(url(bound), USERS.maintenance, 'bakim@ayse-cert', opts(client.ayse))).rejects.toThrow(/Bad username or password/);
    await expect(connect(url(bound), USERS.staff, 'ayse@tablet-cert', opts(client.good))).rejects.toThrow(/Bad username or password/);
    expect(bound.broker.health().counters!.authFailures).toBe(before.authFailures! + 2);
    expect(bound.broker.health().counters!.connects).toBe(before.connects);
    // The plain strict listener does not tie them: the same tablet certificate serves ayse there.
    const d = await connect(url(strict), USERS.staff, 'ayse@any-cert', opts(client.good));
    await d.endAsync();
  });

  it('with certificates required, staff and maintenance may not log in over a plain listener from off the gateway', async () => {
    const t = { host: '0.0.0.0', port: 8883, certFile: 'a', keyFile: 'b', caFile: 'c', requireClientCert: true };
    const plainSocket = {}; // a TCP socket or a WebSocket stream: anything but a TLSSocket
    expect(plainLoginRefusal(t, plainSocket, '10.42.0.7', 'staff')).toMatch(/^staff accounts must connect over TLS/);
    expect(plainLoginRefusal(t, plainSocket, '::ffff:10.42.0.7', 'maintenance')).toMatch(/^maintenance accounts/);
    // The kiosk and the boards may; the gateway's own loopback may; without requireClientCert anyone may.
    expect(plainLoginRefusal(t, plainSocket, '10.42.0.7', 'kiosk')).toBeNull();
    expect(plainLoginRefusal(t, plainSocket, '10.42.0.7', 'display')).toBeNull();
    expect(plainLoginRefusal(t, plainSocket, '127.0.0.1', 'staff')).toBeNull();
    expect(plainLoginRefusal(t, plainSocket, '::1', 'staff')).toBeNull();
    expect(plainLoginRefusal({ ...t, requireClientCert: false }, plainSocket, '10.42.0.7', 'staff')).toBeNull();
    // On the strict gateway the plain TCP listener (loopback here) still serves staff.
    const c = await connect(`mqtt://127.0.0.1:${strict.broker.port('mqtt')}`, USERS.staff, 'ayse@plain-loopback');
    await c.endAsync();
    expect(strict.broker.health().counters!.plainRefused).toBe(0);
  });

  it('certIsUsername without requireClientCert is a config error naming the field', () => {
    const doc = { broker: { tls: { certFile: 'a.pem', keyFile: 'a.key', caFile: 'ca.pem', certIsUsername: true } } };
    const r = parseConfig(JSON.stringify(doc), null);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.errors).toEqual([{ path: 'broker.tls.certIsUsername', message: expect.stringMatching(/needs requireClientCert/) }]);
  });

  it('is a config error without the CA that signs the client certificates', () => {
    const doc = { broker: { tls: { certFile: 'a.pem', keyFile: 'a.key', requireClientCert: true } } };
    const r = parseConfig(JSON.stringify(doc), null);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.errors).toEqual([{ path: 'broker.tls.caFile', message: expect.stringMatching(/required when requireClientCert/) }]);
  });
});
