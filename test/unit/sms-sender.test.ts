// The SMS sender (adapters/sms-sender.ts) on a real SQLite outbox and a fake modem: sends in
// order when the modem is registered, waits while it is not, retries with backoff without
// holding back later messages, gives up after maxAttempts (or at once for a refused number),
// does not count "modem not ready" as an attempt, shows the pending count in its health, and
// never logs the phone number.
import { Writable } from 'node:stream';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AtError } from '../../firmware-ts/src/drivers/modem/at-types.js';
import { ModemUnavailableError } from '../../firmware-ts/src/drivers/modem/options.js';
import { SmsInputError } from '../../firmware-ts/src/drivers/modem/sms.js';
import { SmsSender, smsErrorText } from '../../firmware-ts/src/adapters/sms-sender.js';
import { createLogger } from '../../firmware-ts/src/log/logger.js';
import type { Store } from '../../firmware-ts/src/store/store.js';
import { openTestStore } from '../helpers/store.js';
import { cleanupTempDirs } from '../helpers/tmp.js';

afterAll(cleanupTempDirs);

let store: Store;
let sender: SmsSender;
let registered: boolean;
let sent: { to: string; text: string }[];
let failures: Error[];
let now: number;
let logs: string[];

async function enqueue(id: string, to = '+905321234567'): Promise<void> {
  await store.transact((tx) => tx.sms.enqueue({ id, to, text: `Takip no: ${id}`, ref: `VIM-X-${id}`, createdAt: new Date().toISOString() }));
}

async function until(pred: () => boolean, what: string, ms = 25_000): Promise<void> {
  const end = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > end) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

beforeEach(async () => {
  store = await openTestStore();
  registered = true;
  sent = [];
  failures = [];
  now = 1_000_000;
  logs = [];
  const log = createLogger({ level: 'debug', pretty: 'never' }, new Writable({ write: (c: Buffer, _e, cb) => void (logs.push(c.toString()), cb()) }));
  sender = new SmsSender(
    store,
    {
      canSend: () => registered,
      sendSms: (to, text) => {
        const f = failures.shift();
        if (f) return Promise.reject(f);
        sent.push({ to, text });
        return Promise.resolve({ ref: sent.length });
      },
    },
    { maxAttempts: 3, retryBaseMs: 1000, retryMaxMs: 4000, pollMs: 20 },
    log,
    () => now,
  );
});

afterEach(async () => {
  await sender.stop();
  await store.stop();
});

// Each step commits through the real group commit (an fsync): a loaded CI machine needs time.
describe('SMS sender', { timeout: 30_000 }, () => {
  it('sends queued messages in order and marks them sent', async () => {
    await enqueue('a');
    await enqueue('b');
    await sender.start();
    await until(() => sent.length === 2, 'two sent');
    expect(sent.map((s) => s.text)).toEqual(['Takip no: a', 'Takip no: b']);
    await until(() => store.read((tx) => tx.sms.pendingCount()) === 0, 'marked sent');
    expect(store.read((tx) => tx.sms.get('a'))).toMatchObject({ attempts: 1, sentAt: expect.any(String) as unknown });
    await until(() => sender.health().state === 'ok' && sender.health().counters!.sent === 2, 'health');
  });

  it('waits while the modem is not registered and says how many wait', async () => {
    registered = false;
    await enqueue('a');
    await sender.start();
    await until(() => sender.health().state === 'degraded', 'degraded');
    expect(sender.health().detail).toBe('1 SMS waiting for the modem to register');
    expect(sender.health().counters!.pending).toBe(1);
    registered = true;
    sender.kick();
    await until(() => sent.length === 1, 'sent once registered');
  });

  it('retries with backoff without holding back the next message, and gives up after maxAttempts', async () => {
    await enqueue('a');
    await enqueue('b');
    failures.push(new AtError('AT+CMGS="+905321234567",145', 'cms', 500, null, '+CMS ERROR: 500'));
    await sender.start();
    await until(() => sent.length === 1, 'b sent while a waits');
    expect(sent[0]!.text).toBe('Takip no: b');
    expect(store.read((tx) => tx.sms.get('a'))).toMatchObject({ attempts: 1, sentAt: null, failedAt: null, lastError: 'AT+CMGS: +CMS ERROR: 500' });
    // Two more failures: the third attempt is the last.
    failures.push(new AtError('AT+CMGS="+905321234567",145', 'cms', 500, null, 'x'), new AtError('AT+CMGS="+905321234567",145', 'cms', 500, null, 'x'));
    now += 1000;
    sender.kick();
    await until(() => store.read((tx) => tx.sms.get('a'))!.attempts === 2, 'second attempt');
    now += 1000; // still inside the 2 s backoff: no attempt
    sender.kick();
    await new Promise((r) => setTimeout(r, 60));
    expect(store.read((tx) => tx.sms.get('a'))!.attempts).toBe(2);
    now += 1000;
    sender.kick();
    await until(() => store.read((tx) => tx.sms.get('a'))!.failedAt !== null && sender.health().counters!.givenUp === 1 && sender.health().counters!.pending === 0, 'given up');
    expect(sender.health().counters).toMatchObject({ givenUp: 1, failedAttempts: 3, sent: 1, pending: 0 });
    expect(logs.join('')).not.toMatch(/5321234567/);
  });

  it('a number the driver refuses is given up at once; "modem not ready" is not an attempt', async () => {
    await enqueue('a');
    await enqueue('b');
    failures.push(new ModemUnavailableError('recovering (reboot)'), new SmsInputError('number', '"+905321234567" is not E.164'));
    await sender.start();
    await until(() => store.read((tx) => tx.sms.get('b'))!.failedAt !== null, 'b given up');
    expect(store.read((tx) => tx.sms.get('a'))!.attempts).toBe(0);
    expect(store.read((tx) => tx.sms.get('b'))).toMatchObject({ attempts: 1, lastError: 'number: refused by the modem driver\'s checks' });
    sender.kick();
    await until(() => sent.length === 1, 'a sent later');
    expect(logs.join('')).not.toMatch(/5321234567/);
  });

  it('error texts never carry the destination', () => {
    expect(smsErrorText(new AtError('AT+CMGS="002B003900300035",145', 'cms', 330, null, 'SMSC address unknown'))).toBe('AT+CMGS: SMSC address unknown');
  });
});
