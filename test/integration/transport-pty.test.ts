// The real serialport binding on socat pty pairs: bytes both ways, an unplug
// (socat killed) seen as a close, a replug reopened as soon as the path is back,
// and a port held by another process retried after "Cannot lock port".
import { SerialPort } from 'serialport';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { Transport } from '../../firmware-ts/src/transport/transport.js';
import { PtyPair } from '../helpers/pty.js';
import { silent } from '../helpers/store.js';
import { cleanupTempDirs, tempDir } from '../helpers/tmp.js';

const dir = tempDir('vimgw-pty-');
const live: { stop(): Promise<void> }[] = [];
afterEach(async () => {
  for (const x of live.splice(0).reverse()) await x.stop();
});
afterAll(cleanupTempDirs);

function waitEvent(t: Transport, ev: 'open' | 'close', ms: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${ev} within ${ms} ms`)), ms);
    t.once(ev, () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

function openFar(path: string): Promise<SerialPort> {
  return new Promise((resolve, reject) => {
    const p = new SerialPort({ path, baudRate: 9600, autoOpen: false, lock: false });
    p.open((e) => (e ? reject(e) : resolve(p)));
  });
}

describe('serial transport on a pty', () => {
  it('carries bytes both ways through the real binding', async () => {
    const pty = new PtyPair(dir, 'a');
    await pty.start();
    live.push(pty);
    const t = new Transport('gnss', `serial://${pty.dev}?baud=9600`, { log: silent, backoff: { minMs: 50, maxMs: 200 } });
    const opened = waitEvent(t, 'open', 5000);
    await t.start();
    live.push(t);
    await opened;
    const far = await openFar(pty.far);
    live.push({ stop: () => new Promise<void>((r) => far.close(() => r())) });
    const got: Buffer[] = [];
    t.on('data', (d) => got.push(d));
    far.write('$GPGGA,hello*00\r\n');
    const echoed = new Promise<string>((r) => far.once('data', (d: Buffer) => r(d.toString())));
    await t.write('AT\r');
    expect(await echoed).toBe('AT\r');
    for (let i = 0; i < 100 && Buffer.concat(got).length < 17; i++) await new Promise((r) => setTimeout(r, 10));
    expect(Buffer.concat(got).toString()).toBe('$GPGGA,hello*00\r\n');
  });

  it('sees an unplug, reports it, and reopens when the device comes back', async () => {
    const pty = new PtyPair(dir, 'b');
    await pty.start();
    const t = new Transport('modem', `serial://${pty.dev}?baud=115200`, { log: silent, backoff: { minMs: 1000, maxMs: 30_000 } });
    const opened = waitEvent(t, 'open', 5000);
    await t.start();
    live.push(t);
    await opened;
    const closed = waitEvent(t, 'close', 5000);
    await pty.stop(); // unplug
    await closed;
    expect(t.health().state).toBe('failed');
    expect(t.connected).toBe(false);
    await new Promise((r) => setTimeout(r, 300));
    const t0 = Date.now();
    const reopened = waitEvent(t, 'open', 5000);
    await pty.start(); // replug: same path again
    live.push(pty);
    await reopened;
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(t.health()).toMatchObject({ state: 'ok', counters: { opens: 2, closes: 1 } });
  });

  it('retries a port another process holds ("Cannot lock port") and gets it once freed', async () => {
    const pty = new PtyPair(dir, 'c');
    await pty.start();
    live.push(pty);
    const holder = new SerialPort({ path: pty.dev, baudRate: 9600, autoOpen: false, lock: true });
    await new Promise<void>((resolve, reject) => holder.open((e) => (e ? reject(e) : resolve())));
    const t = new Transport('gnss', `serial://${pty.dev}`, { log: silent, backoff: { minMs: 50, maxMs: 100 } });
    await t.start();
    live.push(t);
    await new Promise((r) => setTimeout(r, 300));
    expect(t.connected).toBe(false);
    expect(t.health().counters!.lockFailures).toBeGreaterThanOrEqual(1);
    expect(t.health().detail).toMatch(/Cannot lock port/);
    const opened = waitEvent(t, 'open', 3000);
    await new Promise<void>((r) => holder.close(() => r()));
    await opened;
    expect(t.health().state).toBe('ok');
  });
});
