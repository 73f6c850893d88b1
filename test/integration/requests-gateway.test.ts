// Requests through the whole gateway (issue 6): photos inside the MQTT command at the
// default staff payload limit (4 x 2 MB fits; more is PAYLOAD_TOO_LARGE and the connection
// stays), stored as content-addressed files beside the journal with their hashes in the
// record; a photo over the limit changes nothing; the GNSS fix (or "none" when the fix is
// lost or the receiver unplugged, never a stale one) stamps the record; SMS wait in the
// outbox without a modem; and a restart continues the day's numbering and still finds
// earlier requests.
import { createHash, randomUUID } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GnssSimulator } from '../../devices/gnss-sim/gnss-sim.js';
import type { Gateway } from '../../firmware-ts/src/gateway.js';
import { seededRandom } from '../../devices/shared/random.js';
import { command, replyClient, startGateway, USERS } from '../helpers/gateway-inproc.js';
import { cleanupTempDirs } from '../helpers/tmp.js';

const CONFIG = { devices: { gnss: { port: 'sim://gnss?rate=10&start=400', publishIntervalMs: 200, staleAfterS: 1 } } };
const MB2 = 2 * 1024 * 1024;

let gw: Gateway;
let dir: string;
let staff: MqttClient;
const clients: MqttClient[] = [];

async function until(pred: () => boolean, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > end) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A JPEG-looking photo of `bytes` bytes, different per seed. */
function photo(bytes: number, seed: number): Buffer {
  const rnd = seededRandom(seed);
  const b = Buffer.alloc(bytes);
  for (let i = 0; i < bytes; i += 4) b.writeUInt32LE(Math.floor(rnd() * 2 ** 32) >>> 0, Math.min(i, bytes - 4));
  b[0] = 0xff;
  b[1] = 0xd8;
  b[2] = 0xff;
  return b;
}

async function boot(reuse?: string): Promise<void> {
  const r = await startGateway(CONFIG, reuse ? { dir: reuse } : {});
  gw = r.gw;
  dir = r.dir;
  staff = await replyClient(`mqtt://127.0.0.1:${gw.broker.port()}`, USERS.staff, `ayse@${randomUUID().slice(0, 8)}`);
  clients.push(staff);
}

const create = (extra: Record<string, unknown> = {}, timeoutMs = 20_000) =>
  command(
    staff,
    'vim/cmd/requests/create',
    {
      id: randomUUID(),
      type: 'sikayet',
      category: 'roads',
      authority: 'inegol_department',
      department: 'fen_isleri',
      subject: 'Yolda çukur',
      description: 'Okul yolunda derin bir çukur var.',
      kvkk: { consent: true, noticeVersion: '2026-01' },
      ...extra,
    },
    timeoutMs,
  );
/** Requests journaled (the GNSS adds track points to the journal meanwhile). */
const count = () => gw.store.read((tx) => [...tx.journal.ofClass('requests', new Date(0))].length);
const attachments = () => join(dir, 'data', 'attachments');

beforeAll(async () => {
  await boot();
});

afterAll(async () => {
  await Promise.all(clients.splice(0).map((c) => c.endAsync(true)));
  await gw.stop();
  cleanupTempDirs();
});

describe('requests through the gateway', () => {
  it('takes four 2 MB photos inside one command and keeps them as files named by their hash', async () => {
    const photos = [1, 2, 3, 4].map((s) => photo(MB2, s));
    const a = await create({ photos: photos.map((p) => ({ data: p.toString('base64'), mime: 'image/jpeg' })) }, 60_000);
    expect(a).toMatchObject({ ok: true, result: { photos: 4, trackingNumber: expect.stringMatching(/^VIM-VIM-IT-\d{8}-0001$/) as unknown } });
    const rec = gw.store.read((tx) => [...tx.journal.ofClass('requests', new Date(0))]).at(-1)!;
    const refs = (rec.payload as { photos: { sha256: string; bytes: number; mime: string }[] }).photos;
    expect(refs).toHaveLength(4);
    for (const [i, p] of photos.entries()) {
      const sha = createHash('sha256').update(p).digest('hex');
      expect(refs[i]).toEqual({ sha256: sha, bytes: MB2, mime: 'image/jpeg' });
      expect(readFileSync(join(attachments(), `${sha}.jpg`)).equals(p)).toBe(true);
    }
    expect(readdirSync(attachments()).filter((f) => f.includes('.tmp-'))).toEqual([]);
  });

  it('a fifth photo makes the command too large for the broker: PAYLOAD_TOO_LARGE, nothing journaled, connection kept', async () => {
    const before = count();
    const photos = [5, 6, 7, 8, 9].map((s) => ({ data: photo(MB2, s).toString('base64') }));
    const a = await create({ photos }, 60_000);
    expect(a).toMatchObject({ ok: false, error: { code: 'PAYLOAD_TOO_LARGE', details: { field: 'payload', max: 12 * 1024 * 1024 } } });
    expect(staff.connected).toBe(true);
    expect(count()).toBe(before);
  });

  it('a photo over 2 MB is refused naming it, and changes nothing', async () => {
    const before = count();
    const big = photo(MB2 + 1, 10);
    const a = await create({ photos: [{ data: photo(1000, 11).toString('base64') }, { data: big.toString('base64') }] }, 60_000);
    expect(a).toMatchObject({ ok: false, error: { code: 'ATTACHMENT_TOO_LARGE', message: `photos[1]: is ${MB2 + 1} bytes; a photo may be at most ${MB2} bytes` } });
    expect(count()).toBe(before);
    expect(existsSync(join(attachments(), `${createHash('sha256').update(big).digest('hex')}.jpg`))).toBe(false);
  });

  it('stamps the GNSS fix, and "none" once the fix is lost or the receiver unplugged', async () => {
    const sim = gw.devices.sims.get('gnss') as GnssSimulator;
    await until(() => gw.devices.gnss!.position() !== null, 15_000, 'a GNSS fix');
    expect(await create()).toMatchObject({ ok: true, result: { position: expect.stringMatching(/^[23]d$/) as unknown } });
    const rec = gw.store.read((tx) => [...tx.journal.ofClass('requests', new Date(0))]).at(-1)!;
    expect(rec.payload).toMatchObject({ position: { fix: expect.stringMatching(/^[23]d$/) as unknown, lat: expect.any(Number) as unknown, lon: expect.any(Number) as unknown } });
    sim.setFix(true);
    await until(() => gw.devices.gnss!.position() === null, 10_000, 'fix lost');
    expect(await create()).toMatchObject({ ok: true, result: { position: 'none' } });
    sim.setFix(false);
    await until(() => gw.devices.gnss!.position() !== null, 15_000, 'fix back');
    sim.unplug();
    await until(() => gw.devices.gnss!.position() === null, 10_000, 'receiver gone');
    expect(await create()).toMatchObject({ ok: true, result: { position: 'none' } });
    sim.replug();
  });

  it('without a modem an SMS waits in the durable outbox', async () => {
    expect(gw.requests.sms).toBeNull();
    expect(await create({ citizen: { phone: '0532 000 11 22' }, sms: true })).toMatchObject({ ok: true, result: { sms: 'queued' } });
    expect(gw.store.read((tx) => tx.sms.pendingCount())).toBe(1);
  });

  it('a restart continues the day\'s numbering and still finds earlier requests', async () => {
    const last = gw.store.read((tx) => [...tx.journal.ofClass('requests', new Date(0))]).at(-1)!;
    const lastTn = (last.payload as { trackingNumber: string }).trackingNumber;
    const seq = Number(lastTn.slice(-4));
    await Promise.all(clients.splice(0).map((c) => c.endAsync(true)));
    await gw.stop();
    await boot(dir);
    const a = await create();
    expect(a).toMatchObject({ ok: true, result: { trackingNumber: `${lastTn.slice(0, -4)}${String(seq + 1).padStart(4, '0')}` } });
    expect(await command(staff, 'vim/cmd/requests/get', { id: randomUUID(), trackingNumber: lastTn })).toMatchObject({ ok: true, result: { trackingNumber: lastTn } });
    expect(gw.parts().requests).toMatchObject({ state: 'ok' });
  });
});
