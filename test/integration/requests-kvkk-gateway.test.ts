// THE KVKK test of issue 6 ("A test greps the journal, logs, receipts and SMS for a planted TC
// Kimlik No and phone number, and finds them only where DESIGN.md allows"). A real in-process
// gateway with the printer and modem simulators takes a Bilgi Edinme request carrying a valid
// TC Kimlik No and a mobile number, with a receipt and an SMS, plus the usual bad inputs that
// could leak them (a malformed payload, a wrong phone, a wrong number). Then:
// - the TC Kimlik No appears in clear nowhere: not in the logs (debug level), the SQLite file
//   or its WAL (raw bytes), any other file in dataDir, the printed receipt, the SMS, any MQTT
//   message a staff or maintenance client could receive; only its mask and its HMAC are kept;
// - the phone number appears only in the journal record of the request and the SMS outbox
//   (and as the SMS's destination at the modem), nowhere else.
import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import Database from 'better-sqlite3';
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ModemSim } from '../../devices/modem-sim/modem-sim.js';
import type { PrinterSim } from '../../devices/printer-sim/printer-sim.js';
import { parseConfig } from '../../firmware-ts/src/config/load.js';
import { Gateway } from '../../firmware-ts/src/gateway.js';
import { createLogger } from '../../firmware-ts/src/log/logger.js';
import { tcknHmac } from '../../firmware-ts/src/services/requests/kvkk-crypto.js';
import { command, connect, replyClient, USERS, writeUsers } from '../helpers/gateway-inproc.js';
import { cleanupTempDirs, tempDir } from '../helpers/tmp.js';

const TCKN = '38416745222'; // valid checksum, planted
const PHONE = '0532 764 18 29';
const PHONE_DIGITS = '5327641829'; // any spelling of the phone contains these ten digits
const HMAC_KEY = 'test-hmac-key-shared-by-the-fleet-0123456789';

let gw: Gateway;
let dir: string;
let dataDir: string;
let url: string;
const logLines: string[] = [];
const mqttSeen: string[] = [];
const clients: MqttClient[] = [];

async function until(pred: () => boolean, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > end) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Every occurrence of the phone's digits, however spaced: "532 764 18 29", "+905327641829", ... */
const phoneIn = (s: string) => s.replace(/[\s\-().]/g, '').includes(PHONE_DIGITS);

/** Every file under dataDir, read whole. */
function filesUnder(d: string): { file: string; bytes: Buffer }[] {
  const out: { file: string; bytes: Buffer }[] = [];
  for (const f of readdirSync(d)) {
    const p = join(d, f);
    if (statSync(p).isDirectory()) out.push(...filesUnder(p));
    else out.push({ file: p, bytes: readFileSync(p) });
  }
  return out;
}

/** Where the phone's digits are in the database: table.column for every text or blob cell that holds them. */
function phoneCells(file: string): string[] {
  const db = new Database(file, { readonly: true });
  try {
    const found: string[] = [];
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'").all() as { name: string }[];
    for (const { name } of tables) {
      const cols = (db.prepare(`PRAGMA table_info(${name})`).all() as { name: string }[]).map((c) => c.name);
      for (const row of db.prepare(`SELECT * FROM ${name}`).all() as Record<string, unknown>[]) {
        for (const c of cols) {
          const v = row[c];
          const text = typeof v === 'string' ? v : Buffer.isBuffer(v) ? v.toString('latin1') : '';
          if (phoneIn(text)) found.push(`${name}.${c}${name === 'journal' ? `:${String(row.type)}` : ''}`);
        }
      }
    }
    return found;
  } finally {
    db.close();
  }
}

beforeAll(async () => {
  dir = tempDir('vimgw-kvkk-');
  await writeUsers(join(dir, 'users.json'));
  const doc = {
    vehicle: { id: 'VIM-IT' },
    dataDir: 'data',
    broker: { tcp: { host: '127.0.0.1', port: 0 }, credentialsFile: 'users.json' },
    devices: {
      printers: [{ name: 'kiosk', port: 'sim://printer', statusPollS: 0.2, statusTimeoutMs: 200 }],
      modem: { port: 'sim://modem', pollIntervalS: 0.2 },
    },
    requests: { kvkk: { hmacKey: HMAC_KEY }, sms: { pollS: 0.1, retryBaseS: 0.1 } },
  };
  const r = parseConfig(JSON.stringify(doc), join(dir, 'config.json'));
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  dataDir = r.config.dataDir;
  const log = createLogger({ level: 'trace', pretty: 'never' }, new Writable({ write: (c: Buffer, _e, cb) => void (logLines.push(c.toString()), cb()) }));
  gw = new Gateway(r.config, log);
  await gw.start();
  url = `mqtt://127.0.0.1:${gw.broker.port()}`;
});

afterAll(async () => {
  await Promise.all(clients.splice(0).map((c) => c.endAsync(true)));
  await gw?.stop().catch(() => undefined);
  cleanupTempDirs();
});

describe('KVKK: a planted TC Kimlik No and phone number', () => {
  let reply: Record<string, unknown>;

  it('a Bilgi Edinme request with receipt and SMS is taken', async () => {
    const staff = await replyClient(url, USERS.staff, 'ayse@kvkk');
    const maint = await connect(url, USERS.maintenance, 'bakim@kvkk');
    clients.push(staff, maint);
    for (const c of [staff, maint]) c.on('message', (topic, b) => mqttSeen.push(`${topic} ${b.toString()}`));
    await staff.subscribeAsync(['vim/state/#', 'vim/event/#'], { qos: 0 });
    await maint.subscribeAsync(['vim/state/#', 'vim/event/#'], { qos: 0 });
    // Bad inputs first: each could echo what it carries.
    const bad = [
      `{"id":"${randomUUID()}","citizen":{"tckn":"${TCKN}","phone":"${PHONE}"} oops`,
      `${TCKN} ${PHONE}`,
      // V8's "Unexpected token" message quotes the input when it is short.
      `x${TCKN}`,
      `x${PHONE_DIGITS}`,
    ];
    for (const b of bad) expect(await command(staff, 'vim/cmd/requests/create', b)).toMatchObject({ ok: false, error: { code: 'BAD_JSON' } });
    const base = {
      type: 'bilgi_edinme',
      category: 'zoning',
      authority: 'inegol_department',
      department: 'imar',
      subject: 'İmar planı',
      description: 'Parselimizin imar durumuna ait belgelerin bir örneği.',
      citizenConfirmed: true,
      kvkk: { consent: true, noticeVersion: '2026-01' },
    };
    expect(await command(staff, 'vim/cmd/requests/create', { id: randomUUID(), ...base, citizen: { name: 'Mehmet Demir', tckn: TCKN, address: 'Cuma Mah.', phone: '+49 30 1234567' } })).toMatchObject({
      ok: false,
      error: { code: 'INVALID_PHONE' },
    });
    expect(await command(staff, 'vim/cmd/requests/create', { id: randomUUID(), ...base, citizen: { name: 'Mehmet Demir', tckn: `${TCKN.slice(0, 10)}0`, address: 'Cuma Mah.', phone: PHONE } })).toMatchObject({
      ok: false,
      error: { code: 'INVALID_TCKN' },
    });
    reply = await command(staff, 'vim/cmd/requests/create', { id: randomUUID(), ...base, citizen: { name: 'Mehmet Demir', tckn: TCKN, address: 'Cuma Mah. 1. Sok. No 3', phone: PHONE }, sms: true });
    expect(reply, JSON.stringify(reply)).toMatchObject({ ok: true, result: { trackingNumber: expect.stringMatching(/^VIM-VIM-IT-\d{8}-0001$/) as unknown, receipt: { status: 'printing' }, sms: 'queued' } });
    const got = await command(staff, 'vim/cmd/requests/get', { id: randomUUID(), trackingNumber: (reply.result as { trackingNumber: string }).trackingNumber });
    expect(got).toMatchObject({ ok: true, result: { citizen: { tckn: { masked: '38*******22' }, phone: '+90 532 *** ** 29' } } });
    // The receipt prints and the SMS goes out through the modem.
    const printer = gw.devices.sims.get('printer') as PrinterSim;
    const modem = gw.devices.sims.get('modem') as ModemSim;
    await until(() => printer.documents.length === 1, 10_000, 'receipt printed');
    await until(() => modem.received.length === 1, 15_000, 'SMS sent');
    await until(() => gw.requests.sms!.health().counters!.sent === 1, 5000, 'SMS marked sent');
  });

  it('the record keeps the mask and the HMAC, the phone in E.164', () => {
    const rec = gw.store.read((tx) => [...tx.journal.ofClass('requests', new Date(0))]);
    expect(rec).toHaveLength(1);
    const citizen = (rec[0]!.payload as { citizen: Record<string, unknown> }).citizen;
    expect(citizen).toMatchObject({ phone: '+905327641829', tckn: { masked: '38*******22', hmac: tcknHmac(Buffer.from(HMAC_KEY), TCKN) } });
  });

  it('the receipt shows the masks only', () => {
    const doc = (gw.devices.sims.get('printer') as PrinterSim).documents[0]!;
    const paper = `${doc.text}\n${doc.qr.join('\n')}`;
    expect(paper).toContain('38*******22');
    expect(paper).toContain('+90 532 *** ** 29');
    expect(paper).not.toContain(TCKN);
    expect(phoneIn(paper)).toBe(false);
  });

  it('the SMS goes to the phone and carries neither number', () => {
    const sms = (gw.devices.sims.get('modem') as ModemSim).received[0]!;
    expect(sms.number).toBe('+905327641829');
    expect(sms.text).toContain((reply.result as { trackingNumber: string }).trackingNumber);
    expect(sms.text).not.toContain(TCKN);
    expect(phoneIn(sms.text)).toBe(false);
  });

  it('no MQTT message carries either number', () => {
    expect(mqttSeen.length).toBeGreaterThan(5);
    const all = mqttSeen.join('\n');
    expect(all).not.toContain(TCKN);
    expect(phoneIn(all)).toBe(false);
  });

  it('the logs carry neither number', () => {
    expect(logLines.length).toBeGreaterThan(20);
    const all = logLines.join('');
    expect(all).toContain('command rejected');
    expect(all).not.toContain(TCKN);
    expect(phoneIn(all)).toBe(false);
  });

  it('no file in dataDir holds the TC Kimlik No; the phone is only in the request record and the SMS outbox', async () => {
    const check = () => {
      const files = filesUnder(dataDir);
      expect(files.map((f) => f.file.slice(dataDir.length + 1))).toEqual(expect.arrayContaining(['journal.sqlite', 'journal.sqlite-wal']));
      for (const f of files) expect(f.bytes.includes(Buffer.from(TCKN)), f.file).toBe(false);
      expect(phoneCells(join(dataDir, 'journal.sqlite')).sort()).toEqual(['journal.payload:requests.created', 'sms_outbox.to_number']);
    };
    check(); // live, with the WAL
    const logCount = logLines.length;
    await Promise.all(clients.splice(0).map((c) => c.endAsync(true)));
    await gw.stop(); // checkpointed into the main file
    expect(logLines.length).toBeGreaterThan(logCount);
    for (const f of filesUnder(dataDir)) expect(f.bytes.includes(Buffer.from(TCKN)), f.file).toBe(false);
    expect(phoneCells(join(dataDir, 'journal.sqlite')).sort()).toEqual(['journal.payload:requests.created', 'sms_outbox.to_number']);
    expect(logLines.join('')).not.toContain(TCKN);
  });
});
