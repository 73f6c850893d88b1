// vim/cmd/requests/create and get through the real command path and a real SQLite store,
// with the service's ports in memory (issue 6 "Requests and complaints", "Bad input and
// faults"): the stamps (vehicle, staff, visit, GNSS fix or "none", time and clock quality,
// due date), tracking numbers (per day, never reused, a clock set back continues the day),
// the SMS queued in the same transaction, photos written before the record, a retry
// answered without a second record, and every bad input refused with nothing written.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { CommandPath } from '../../firmware-ts/src/api/command-path.js';
import { requestsCommands } from '../../firmware-ts/src/api/commands/requests.js';
import type { ClientInfo } from '../../firmware-ts/src/broker/broker.js';
import type { PrintDocument } from '../../firmware-ts/src/drivers/printer/render.js';
import { toRequestsConfig, defaultRequestsOptions } from '../../firmware-ts/src/services/requests/options.js';
import type { RequestPosition } from '../../firmware-ts/src/services/requests/ports.js';
import type { RequestRecord } from '../../firmware-ts/src/services/requests/record.js';
import { RequestsService } from '../../firmware-ts/src/services/requests/requests-service.js';
import type { Store } from '../../firmware-ts/src/store/store.js';
import { FakeClock, openTestStore, silent } from '../helpers/store.js';
import { cleanupTempDirs } from '../helpers/tmp.js';

afterAll(cleanupTempDirs);

const staff: ClientInfo = { clientId: 'ayse@tab1', username: 'ayse', role: 'staff' };
const kiosk: ClientInfo = { clientId: 'kiosk1', username: 'kiosk1', role: 'kiosk' };
const CREATE = 'vim/cmd/requests/create';
const PNG = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(64, 1)]);
const TCKN = '10000000146';

const complaint = (extra: Record<string, unknown> = {}) => ({
  id: randomUUID(),
  type: 'sikayet',
  category: 'lighting',
  authority: 'inegol_department',
  department: 'fen_isleri',
  subject: 'Lamba yanmıyor',
  description: 'Cami önündeki iki lamba bir haftadır yanmıyor.',
  citizen: { name: 'Ayşe Yılmaz', phone: '0532 123 45 67' },
  kvkk: { consent: true, noticeVersion: '2026-01' },
  ...extra,
});

let store: Store;
let clock: FakeClock;
let path: CommandPath;
let files: Map<string, Buffer>;
let printed: PrintDocument[];
let smsKicks: number;
let position: RequestPosition;
let visit: { visitId: string; stopId: string | null; name: string } | null;
let failPut: NodeJS.ErrnoException | null;
/** Set before setup() for a gateway without a receipt printer. */
let withPrinter = true;

async function setup(opts: Record<string, unknown> = {}): Promise<void> {
  clock = new FakeClock();
  clock.t = Date.parse('2026-05-04T07:00:00Z'); // Monday 10:00 Istanbul
  clock.q = 'ntp';
  store = await openTestStore(undefined, clock);
  files = new Map();
  printed = [];
  smsKicks = 0;
  position = { fix: 'none' };
  visit = null;
  failPut = null;
  const service = new RequestsService(toRequestsConfig({ ...defaultRequestsOptions(), ...opts }), {
    attachments: {
      put: (f) => {
        if (failPut) return Promise.reject(failPut);
        files.set(`${f.sha256}.${f.ext}`, f.data);
        return Promise.resolve();
      },
    },
    hmacKey: { load: () => Promise.resolve({ key: Buffer.alloc(32, 9), origin: 'config' as const }) },
    clock,
    vehicle: { id: 'VIM-01', name: 'VİM aracı 1' },
    position: { current: () => position },
    visit: { current: () => visit },
    printer: withPrinter
      ? {
          status: () => ({ printer: 'kiosk', ready: true, state: 'ready', pendingJobs: 0 }),
          print: (doc) => {
            printed.push(doc);
            return Promise.resolve();
          },
        }
      : null,
    smsQueued: () => void smsKicks++,
    log: silent,
  });
  await service.start();
  path = new CommandPath(store, silent);
  path.register(requestsCommands(service));
}

const run = (payload: unknown, client: ClientInfo = staff, topic = CREATE) => path.execute(client, topic, Buffer.from(JSON.stringify(payload)));
const records = () => store.read((tx) => [...tx.journal.ofClass('requests', new Date(0))]);
const count = () => store.journal.stats().count;

beforeEach(async () => {
  await setup();
});

describe('requests/create', () => {
  it('journals the request with every stamp and answers tracking number, due date and receipt status', async () => {
    visit = { visitId: 'v-1', stopId: 'cuma', name: 'Cuma Mahallesi' };
    position = { fix: '3d', lat: 40.078, lon: 29.513, hdop: 0.9, satellites: 9, at: '2026-05-04T07:00:00.000Z' };
    const a = await run(complaint({ photos: [{ data: PNG.toString('base64') }], sms: true }));
    expect(a).toMatchObject({
      ok: true,
      result: {
        trackingNumber: 'VIM-VIM-01-20260504-0001',
        receivedAt: '2026-05-04T07:00:00.000Z',
        clock: 'ntp',
        dueDate: '2026-06-03',
        deadline: { rule: 'petition', days: 30, provisional: false },
        position: '3d',
        visitId: 'v-1',
        photos: 1,
        receipt: { status: 'printing', printer: { printer: 'kiosk', ready: true } },
        sms: 'queued',
      },
    });
    const [rec] = records();
    expect(rec).toMatchObject({ type: 'requests.created', class: 'requests', actor: 'ayse', clock: 'ntp' });
    const p = rec!.payload as RequestRecord;
    expect(p).toMatchObject({
      trackingNumber: 'VIM-VIM-01-20260504-0001',
      vehicle: 'VIM-01',
      staff: 'ayse',
      visit: { visitId: 'v-1', stopId: 'cuma' },
      position: { fix: '3d', lat: 40.078 },
      type: { id: 'sikayet', label: 'Şikâyet' },
      authority: { department: 'fen_isleri', departmentLabel: 'Fen İşleri Müdürlüğü' },
      citizen: { name: 'Ayşe Yılmaz', phone: '+905321234567', phoneKind: 'mobile', tckn: null },
      kvkk: { consent: true, noticeVersion: '2026-01' },
      due: { date: '2026-06-03' },
    });
    expect(p.photos).toEqual([{ sha256: [...files.keys()][0]!.slice(0, 64), bytes: PNG.length, mime: 'image/png' }]);
    // The SMS is in the outbox, committed with the record.
    const sms = store.read((tx) => tx.sms.pending());
    expect(sms).toHaveLength(1);
    expect(sms[0]).toMatchObject({ to: '+905321234567', ref: 'VIM-VIM-01-20260504-0001' });
    expect(sms[0]!.text).toBe('Inegol Belediyesi: Basvurunuz alindi. Takip no: VIM-VIM-01-20260504-0001. Son cevap tarihi: 03.06.2026.');
    expect(smsKicks).toBe(1);
    await new Promise((r) => setImmediate(r));
    expect(printed).toHaveLength(1);
    expect(printed[0]!.title).toBe('receipt VIM-VIM-01-20260504-0001');
  });

  it('Bilgi Edinme: 15 working days; the TC Kimlik No stored as mask and HMAC only', async () => {
    const a = await run(
      complaint({ type: 'bilgi_edinme', category: 'zoning', citizen: { name: 'Mehmet Demir', tckn: TCKN, address: 'Cuma Mah. No 1' }, citizenConfirmed: true }),
    );
    expect(a).toMatchObject({ ok: true, result: { dueDate: '2026-05-26', deadline: { rule: 'bilgi_edinme', days: 15 }, position: 'none', visitId: null } });
    const p = records()[0]!.payload as RequestRecord;
    expect(p.citizen.tckn).toMatchObject({ masked: '10*******46', hmac: expect.stringMatching(/^[0-9a-f]{64}$/) as unknown });
    expect(p.citizen.tckn?.enc).toBeUndefined();
    expect(JSON.stringify(records())).not.toContain(TCKN);
    expect(JSON.stringify(a)).not.toContain(TCKN);
  });

  it('stores the number encrypted only when config asks for it', async () => {
    const key = Buffer.alloc(32, 5).toString('base64');
    await setup({ kvkk: { ...defaultRequestsOptions().kvkk, storeClearTckn: true, encryptionKey: key } });
    await run(complaint({ citizen: { tckn: TCKN } }));
    const p = records()[0]!.payload as RequestRecord;
    expect(p.citizen.tckn?.enc).toMatchObject({ alg: 'A256GCM' });
    expect(JSON.stringify(records())).not.toContain(TCKN);
  });

  it('numbers requests per day; a new day starts at 1; a clock set back continues that day', async () => {
    const tn = async () => ((await run(complaint())) as { result: { trackingNumber: string } }).result.trackingNumber;
    expect(await tn()).toBe('VIM-VIM-01-20260504-0001');
    expect(await tn()).toBe('VIM-VIM-01-20260504-0002');
    clock.t = Date.parse('2026-05-04T21:30:00Z'); // 00:30 on the 5th in Istanbul
    expect(await tn()).toBe('VIM-VIM-01-20260505-0001');
    clock.t = Date.parse('2026-05-04T12:00:00Z'); // set back to the 4th
    expect(await tn()).toBe('VIM-VIM-01-20260504-0003');
  });

  it('a number is committed with its record or never existed: a failed transaction takes none', async () => {
    await expect(
      store.transact((tx) => {
        tx.sequences.next('requests:20260504');
        throw new Error('crash between assigning and committing');
      }),
    ).rejects.toThrow('crash');
    expect(((await run(complaint())) as { result: { trackingNumber: string } }).result.trackingNumber).toBe('VIM-VIM-01-20260504-0001');
  });

  it('a retry gets the first answer; no second record, receipt or SMS', async () => {
    const payload = complaint({ sms: true });
    const first = await run(payload);
    const n = count();
    const again = await run(payload);
    expect(again).toEqual(first);
    expect(count()).toBe(n);
    expect(store.read((tx) => tx.sms.pendingCount())).toBe(1);
    await new Promise((r) => setImmediate(r));
    expect(printed).toHaveLength(1);
  });

  it('says "not-requested" and prints nothing when no receipt is wanted', async () => {
    expect(await run(complaint({ receipt: false }))).toMatchObject({ ok: true, result: { receipt: { status: 'not-requested' }, sms: 'not-requested' } });
    await new Promise((r) => setImmediate(r));
    expect(printed).toHaveLength(0);
  });

  it('only staff may create', async () => {
    expect(await run(complaint(), kiosk)).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
  });

  it('a photo that cannot be written refuses the request with STORE_FULL, nothing journaled', async () => {
    failPut = Object.assign(new Error('no space'), { code: 'ENOSPC' });
    const n = count();
    expect(await run(complaint({ photos: [{ data: PNG.toString('base64') }] }))).toMatchObject({ ok: false, error: { code: 'STORE_FULL' } });
    expect(count()).toBe(n);
  });
});

describe('bad input changes nothing', () => {
  const big = Buffer.concat([PNG, Buffer.alloc(2 * 1024 * 1024)]).toString('base64');
  const cases: [string, Record<string, unknown>, string, string][] = [
    ['TC Kimlik No of 10 digits', { citizen: { tckn: '1000000014' } }, 'INVALID_TCKN', 'citizen.tckn: must be exactly 11 digits'],
    ['TC Kimlik No with a leading 0', { citizen: { tckn: '01000000146' } }, 'INVALID_TCKN', 'citizen.tckn: must not start with 0'],
    ['TC Kimlik No, 10th digit wrong', { citizen: { tckn: '10000000156' } }, 'INVALID_TCKN', 'citizen.tckn: is not a valid TC Kimlik No (the 10th digit'],
    ['TC Kimlik No, 11th digit wrong', { citizen: { tckn: '10000000147' } }, 'INVALID_TCKN', 'citizen.tckn: is not a valid TC Kimlik No (the 11th digit'],
    ['a phone that is not Turkish', { citizen: { phone: '+49 30 1234567' } }, 'INVALID_PHONE', 'citizen.phone: '],
    ['an unknown type', { type: 'dilek' }, 'UNKNOWN_TYPE', 'type: "dilek" is not a request type'],
    ['an unknown category', { category: 'uzay' }, 'UNKNOWN_CATEGORY', 'category: "uzay" is not a category of sikayet'],
    ['an unknown authority', { authority: 'valilik' }, 'UNKNOWN_AUTHORITY', 'authority: "valilik" is not an authority'],
    ['an unknown department', { department: 'itfaiye' }, 'UNKNOWN_AUTHORITY', 'department: "itfaiye" is not a department'],
    ['a photo over the limit', { photos: [{ data: PNG.toString('base64') }, { data: big }] }, 'ATTACHMENT_TOO_LARGE', 'photos[1]: is '],
    ['a photo that is not an image', { photos: [{ data: Buffer.from('%PDF-1.7 belge').toString('base64'), mime: 'image/jpeg' }] }, 'ATTACHMENT_NOT_IMAGE', 'photos[0]: is not a JPEG'],
    ['an empty photo', { photos: [{ data: PNG.toString('base64') }, { data: '' }] }, 'ATTACHMENT_NOT_IMAGE', 'photos[1].data: is empty'],
    ['five photos', { photos: Array.from({ length: 5 }, () => ({ data: PNG.toString('base64') })) }, 'INVALID_PAYLOAD', 'photos: must NOT have more than 4 items'],
    ['a description over the limit', { description: 'x'.repeat(4001) }, 'INVALID_PAYLOAD', 'description: must NOT have more than 4000 characters'],
    ['Bilgi Edinme without what Law 4982 needs', { type: 'bilgi_edinme', category: 'zoning', citizen: { name: 'Mehmet' } }, 'MISSING_FIELDS', 'citizen.name, citizen.address, citizen.tckn, citizenConfirmed: are required'],
    ['no KVKK consent', { kvkk: { consent: false, noticeVersion: '1' } }, 'INVALID_PAYLOAD', 'kvkk.consent: must be true'],
    ['an SMS without a phone', { citizen: {}, sms: true }, 'MISSING_FIELDS', 'citizen.phone: is required'],
  ];

  it.each(cases)('%s', async (_what, extra, code, message) => {
    const before = count();
    const a = await run(complaint(extra));
    expect(a).toMatchObject({ ok: false, error: { code } });
    expect((a as { error: { message: string } }).error.message.startsWith(message), (a as { error: { message: string } }).error.message).toBe(true);
    expect(count()).toBe(before);
    expect(files.size).toBe(0);
    expect(store.read((tx) => tx.sms.pendingCount())).toBe(0);
    expect(store.read((tx) => tx.sequences.peek('requests:20260504'))).toBe(0);
    expect(JSON.stringify(a)).not.toMatch(/1000000014|0100000014|1000000015|123 ?4567/);
  });
});

describe('requests/get', () => {
  it('answers the stored request with the TC Kimlik No and phone masked', async () => {
    await run(complaint({ citizen: { name: 'Ayşe Yılmaz', phone: '0532 123 45 67', tckn: TCKN } }));
    const g = await run({ id: randomUUID(), trackingNumber: 'VIM-VIM-01-20260504-0001' }, { ...staff, role: 'maintenance' }, 'vim/cmd/requests/get');
    expect(g).toMatchObject({
      ok: true,
      result: { trackingNumber: 'VIM-VIM-01-20260504-0001', citizen: { name: 'Ayşe Yılmaz', phone: '+90 532 *** ** 67', tckn: { masked: '10*******46' } }, staff: 'ayse' },
    });
    expect(JSON.stringify(g)).not.toMatch(/10000000146|5321234567|"hmac"/);
  });

  it('UNKNOWN_REQUEST for a number it does not hold, another vehicle\'s, or not a number at all', async () => {
    await run(complaint());
    for (const trackingNumber of ['VIM-VIM-01-20260504-0002', 'VIM-VIM-02-20260504-0001', 'A001']) {
      expect(await run({ id: randomUUID(), trackingNumber }, staff, 'vim/cmd/requests/get')).toMatchObject({ ok: false, error: { code: 'UNKNOWN_REQUEST', details: { field: 'trackingNumber' } } });
    }
  });
});

describe('requests/reprint', () => {
  const REPRINT = 'vim/cmd/requests/reprint';
  /** Every text the document prints, in order. */
  const texts = (doc: PrintDocument) => JSON.stringify(doc.blocks);
  const settle = () => new Promise((r) => setImmediate(r));

  it('prints the receipt again marked as a copy, journals who did it, and a retry prints nothing more', async () => {
    await run(complaint({ citizen: { name: 'Ayşe Yılmaz', phone: '0532 123 45 67', tckn: TCKN } }));
    await settle();
    expect(printed).toHaveLength(1);
    expect(texts(printed[0]!)).not.toContain('NÜSHA');
    const payload = { id: randomUUID(), trackingNumber: 'VIM-VIM-01-20260504-0001' };
    const a = await run(payload, staff, REPRINT);
    expect(a).toEqual({ id: payload.id, ok: true, result: { trackingNumber: 'VIM-VIM-01-20260504-0001', printer: { printer: 'kiosk', ready: true, state: 'ready', pendingJobs: 0 } } });
    await settle();
    expect(printed).toHaveLength(2);
    const copy = texts(printed[1]!);
    expect(copy).toContain('NÜSHA (tekrar basım)');
    expect(copy).toContain('VIM-VIM-01-20260504-0001');
    expect(copy).toContain('10*******46');
    expect(copy).not.toMatch(/10000000146|5321234567/);
    const audit = records().filter((r) => r.type === 'requests.receipt.reprint');
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ actor: 'ayse', commandId: payload.id, payload: { trackingNumber: 'VIM-VIM-01-20260504-0001' } });

    const n = count();
    expect(await run(payload, staff, REPRINT)).toEqual(a);
    await settle();
    expect(printed).toHaveLength(2);
    expect(count()).toBe(n);
    // A new id is a new reprint.
    expect(await run({ ...payload, id: randomUUID() }, staff, REPRINT)).toMatchObject({ ok: true });
    await settle();
    expect(printed).toHaveLength(3);
  });

  it('UNKNOWN_REQUEST, NO_PRINTER and a role other than staff change nothing and print nothing', async () => {
    await run(complaint());
    await settle();
    const before = count();
    expect(await run({ id: randomUUID(), trackingNumber: 'VIM-VIM-01-20260504-0002' }, staff, REPRINT)).toMatchObject({ ok: false, error: { code: 'UNKNOWN_REQUEST', details: { field: 'trackingNumber' } } });
    expect(await run({ id: randomUUID(), trackingNumber: 'VIM-VIM-01-20260504-0001' }, { ...staff, role: 'maintenance' }, REPRINT)).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    await settle();
    expect(printed).toHaveLength(1);
    expect(count()).toBe(before);

    withPrinter = false;
    try {
      await setup();
    } finally {
      withPrinter = true;
    }
    await run(complaint());
    const n = count();
    expect(await run({ id: randomUUID(), trackingNumber: 'VIM-VIM-01-20260504-0001' }, staff, REPRINT)).toMatchObject({ ok: false, error: { code: 'NO_PRINTER' } });
    expect(count()).toBe(n);
  });
});
