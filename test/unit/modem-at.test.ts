// The AT engine against a fake byte stream (queue order, timeouts, every final
// result, URCs in the middle of responses, the "> " prompt, echo), and the status
// parsers against the exact lines 27.007 and the vendor manuals give.
import { EventEmitter } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { AtAbortedError, AtEngine, AtError, AtTimeoutError, type Urc } from '../../firmware-ts/src/drivers/modem/at-engine.js';
import {
  csqToDbm, isRegAnswer, parseCesq, parseCops, parseCpin, parseCrsmIccid, parseCsq, parseIccid, parseImei, parseRegAnswer, parseRegUrc,
} from '../../firmware-ts/src/drivers/modem/status.js';
import { detectVendor } from '../../firmware-ts/src/drivers/modem/vendors/index.js';
import { parseQcsq, quectel } from '../../firmware-ts/src/drivers/modem/vendors/quectel.js';
import { parseCpsiLte } from '../../firmware-ts/src/drivers/modem/vendors/simcom.js';

class FakeStream extends EventEmitter {
  written: string[] = [];
  fail: Error | null = null;
  write(d: Buffer | string): Promise<void> {
    this.written.push(typeof d === 'string' ? d : d.toString('latin1'));
    this.emit('wrote');
    return this.fail ? Promise.reject(this.fail) : Promise.resolve();
  }
  feed(s: string | Buffer): void {
    this.emit('data', typeof s === 'string' ? Buffer.from(s, 'latin1') : s);
  }
}

const tick = (ms = 0): Promise<void> => new Promise((r) => setTimeout(r, ms));
let engines: AtEngine[] = [];
afterEach(() => {
  for (const e of engines) e.abortAll('test over');
  engines = [];
});

function setup(opts: { timeoutMs?: number; settleMs?: number; maxQueue?: number } = {}): { s: FakeStream; e: AtEngine; urcs: Urc[] } {
  const s = new FakeStream();
  const e = new AtEngine(s, { timeoutMs: 1000, settleMs: 20, ...opts });
  e.attach();
  const urcs: Urc[] = [];
  e.on('urc', (u) => urcs.push(u));
  engines.push(e);
  return { s, e, urcs };
}

describe('AT engine: queue', () => {
  it('sends one command at a time, in order, each after the previous final result', async () => {
    const { s, e } = setup();
    const a = e.run('AT+CSQ');
    const b = e.run('AT+CPIN?');
    const c = e.run('AT');
    expect(s.written).toEqual(['AT+CSQ\r']);
    s.feed('\r\n+CSQ: 20,99\r\n\r\nOK\r\n');
    expect(await a).toEqual({ command: 'AT+CSQ', lines: ['+CSQ: 20,99'] });
    expect(s.written).toEqual(['AT+CSQ\r', 'AT+CPIN?\r']);
    s.feed('\r\n+CPIN: READY\r\n\r\nOK\r\n');
    expect((await b).lines).toEqual(['+CPIN: READY']);
    s.feed('\r\nOK\r\n');
    expect((await c).lines).toEqual([]);
    expect(e.stats()).toMatchObject({ commands: 3, ok: 3, errors: 0, timeouts: 0 });
  });

  it('times a command out, keeps quiet for the settle time, and does not give the late OK to the next command', async () => {
    const { s, e } = setup({ settleMs: 50 });
    const a = e.run('AT+COPS?', { timeoutMs: 30 });
    const b = e.run('AT+CSQ');
    await expect(a).rejects.toBeInstanceOf(AtTimeoutError);
    expect(s.written).toEqual(['AT+COPS?\r']);
    s.feed('\r\n+COPS: 0,0,"TR TURKCELL",7\r\n\r\nOK\r\n'); // the late answer
    await tick(80);
    expect(s.written).toEqual(['AT+COPS?\r', 'AT+CSQ\r']);
    s.feed('\r\n+CSQ: 9,99\r\n\r\nOK\r\n');
    expect((await b).lines).toEqual(['+CSQ: 9,99']);
    expect(e.stats()).toMatchObject({ timeouts: 1, lateFinal: 1 });
  });

  it('refuses a second line inside a command, control characters and a full queue, without writing', async () => {
    const { s, e } = setup({ maxQueue: 2 });
    await expect(e.run('AT+CSQ\rAT+CFUN=0')).rejects.toThrow(/not a single AT command line/);
    await expect(e.run('ATD112;\x1a')).rejects.toThrow(/not a single AT command line/);
    await expect(e.run('hello')).rejects.toThrow(/not a single AT command line/);
    await expect(e.run('AT+CMGS="1"', { body: 'a\x1ab' })).rejects.toThrow(/printable ASCII/);
    expect(s.written).toEqual([]);
    const running = e.run('AT');
    const q1 = e.run('AT');
    const q2 = e.run('AT');
    await expect(e.run('AT')).rejects.toThrow(/already waiting/);
    e.abortAll('test');
    await expect(running).rejects.toBeInstanceOf(AtAbortedError);
    await expect(q1).rejects.toBeInstanceOf(AtAbortedError);
    await expect(q2).rejects.toBeInstanceOf(AtAbortedError);
  });

  it('fails a command whose write fails, and goes on with the next', async () => {
    const { s, e } = setup();
    s.fail = new Error('port gone');
    const a = e.run('AT');
    await expect(a).rejects.toThrow('port gone');
    s.fail = null;
    const b = e.run('AT');
    s.feed('\r\nOK\r\n');
    await expect(b).resolves.toMatchObject({ lines: [] });
    expect(e.stats().writeFailures).toBe(1);
  });
});

describe('AT engine: final results', () => {
  const cases: [string, { kind: string; code: number | null; text: string | null }][] = [
    ['ERROR', { kind: 'error', code: null, text: null }],
    ['+CME ERROR: 10', { kind: 'cme', code: 10, text: 'SIM not inserted' }],
    ['+CME ERROR: SIM not inserted', { kind: 'cme', code: 10, text: 'SIM not inserted' }],
    ['+CME ERROR: 9999', { kind: 'cme', code: 9999, text: null }],
    ['+CME ERROR: Some Vendor Text', { kind: 'cme', code: null, text: 'Some Vendor Text' }],
    ['+CMS ERROR: 330', { kind: 'cms', code: 330, text: 'SMSC address unknown' }],
    ['+CMS ERROR: 500', { kind: 'cms', code: 500, text: 'unknown error' }],
    ['+CMS ERROR: 123456789012345678901234567890', { kind: 'cms', code: null, text: '123456789012345678901234567890' }],
  ];
  for (const [line, want] of cases) {
    it(`${line} rejects with kind, code and text`, async () => {
      const { s, e } = setup();
      const p = e.run('AT+CPIN?');
      s.feed(`\r\n${line}\r\n`);
      const err = (await p.catch((x: unknown) => x)) as AtError;
      expect(err).toBeInstanceOf(AtError);
      expect({ kind: err.kind, code: err.code, text: err.text }).toEqual(want);
      expect(err.message).toContain('AT+CPIN?');
    });
  }

  it('OK resolves; a final result with no command running is counted, not taken by the next command', async () => {
    const { s, e } = setup();
    s.feed('\r\nOK\r\n\r\nERROR\r\n');
    expect(e.stats().strayFinal).toBe(2);
    const p = e.run('AT');
    s.feed('\r\nOK\r\n');
    await expect(p).resolves.toEqual({ command: 'AT', lines: [] });
  });
});

describe('AT engine: unsolicited result codes', () => {
  it('routes a +CREG URC in the middle of AT+CSQ as a URC, not as the answer', async () => {
    const { s, e, urcs } = setup();
    const p = e.run('AT+CSQ');
    s.feed('\r\n+CSQ: 18,99\r\n\r\n+CREG: 1,"2F1A","01A2B3C4",7\r\n\r\nOK\r\n');
    expect((await p).lines).toEqual(['+CSQ: 18,99']);
    expect(urcs.map((u) => [u.name, u.line])).toEqual([['+CREG', '+CREG: 1,"2F1A","01A2B3C4",7']]);
  });

  it('tells the +CREG answer (<n>,<stat>) from the +CREG URC (<stat>,"lac") during AT+CREG?', async () => {
    const { s, e, urcs } = setup();
    const p = e.run('AT+CREG?', { accept: isRegAnswer });
    s.feed('\r\n+CREG: 5,"2F1A","01A2B3C4",7\r\n\r\n+CREG: 2,1,"2F1A","01A2B3C4",7\r\n\r\n+CREG: 2\r\n\r\nOK\r\n');
    expect((await p).lines).toEqual(['+CREG: 2,1,"2F1A","01A2B3C4",7']);
    expect(urcs.map((u) => u.line)).toEqual(['+CREG: 5,"2F1A","01A2B3C4",7', '+CREG: 2']);
  });

  it('routes RDY, RING, NO CARRIER, POWERED DOWN, +CPIN, +CMTI, +QIND, +CFUN at any time, even inside a bare answer', async () => {
    const { s, e, urcs } = setup();
    s.feed('\r\nRDY\r\n\r\n+CFUN: 1\r\n\r\n+CPIN: READY\r\n\r\n+QIND: SMS DONE\r\n');
    const p = e.run('AT+CGSN', { prefix: '' });
    s.feed('\r\nRING\r\n\r\n867698041234561\r\n\r\n+CMTI: "SM",3\r\nNO CARRIER\r\n\r\nOK\r\n\r\nPOWERED DOWN\r\n');
    expect((await p).lines).toEqual(['867698041234561']);
    expect(urcs.map((u) => u.name)).toEqual(['RDY', '+CFUN', '+CPIN', '+QIND', 'RING', '+CMTI', 'NO CARRIER', 'POWERED DOWN']);
  });

  it('keeps the data line of a two-line +CMT URC with it', () => {
    const { s, urcs } = setup();
    s.feed('\r\n+CMT: "+905321234567",,"26/11/28,09:00:00+12"\r\nMerhaba\r\n');
    expect(urcs).toHaveLength(1);
    expect(urcs[0]).toMatchObject({ name: '+CMT', body: 'Merhaba' });
  });

  it('reassembles responses delivered one byte at a time', async () => {
    const { s, e, urcs } = setup();
    const p = e.run('AT+CSQ');
    for (const b of Buffer.from('\r\n+CSQ: 31,0\r\n\r\n+CEREG: 1\r\n\r\nOK\r\n')) s.feed(Buffer.from([b]));
    expect((await p).lines).toEqual(['+CSQ: 31,0']);
    expect(urcs.map((u) => u.line)).toEqual(['+CEREG: 1']);
  });

  it('counts lines that belong to nobody', () => {
    const { s, e } = setup();
    s.feed('\r\nsome stray text\r\n');
    expect(e.stats().unexpected).toBe(1);
  });
});

describe('AT engine: prompt, echo and garbage', () => {
  it('answers the "> " prompt (no line end) with the text and Ctrl-Z (27.005 §3.5.1)', async () => {
    const { s, e } = setup();
    const p = e.run('AT+CMGS="+905321234567",145', { body: 'Takip no 12345', prefix: '+CMGS:' });
    expect(s.written).toEqual(['AT+CMGS="+905321234567",145\r']);
    s.feed('\r\n> ');
    expect(s.written[1]).toBe('Takip no 12345\x1a');
    s.feed('\r\n+CMGS: 17\r\n\r\nOK\r\n');
    expect((await p).lines).toEqual(['+CMGS: 17']);
  });

  it('cancels the text entry with ESC when the SMS times out after the prompt', async () => {
    const { s, e } = setup();
    const p = e.run('AT+CMGS="+905321234567"', { body: 'x', timeoutMs: 30 });
    s.feed('\r\n> ');
    await expect(p).rejects.toBeInstanceOf(AtTimeoutError);
    expect(s.written.at(-1)).toBe('\x1b');
  });

  it('cancels a prompt nobody asked for with ESC', () => {
    const { s, e } = setup();
    s.feed('\r\n> ');
    expect(s.written).toEqual(['\x1b']);
    expect(e.stats().strayPrompt).toBe(1);
  });

  it('tolerates echo (ATE1) of the command line', async () => {
    const { s, e } = setup();
    const p = e.run('AT+CSQ');
    s.feed('AT+CSQ\r\r\n+CSQ: 20,99\r\n\r\nOK\r\n');
    expect((await p).lines).toEqual(['+CSQ: 20,99']);
    const q = e.run('ATE0');
    s.feed('ATE0\r\r\nOK\r\n');
    await expect(q).resolves.toMatchObject({ lines: [] });
    expect(e.stats().echo).toBe(2);
  });

  it('drops overlong and binary lines and NULs, counts them, and still parses what follows', async () => {
    const { s, e } = setup();
    const p = e.run('AT+CSQ');
    s.feed(`\r\n${'9'.repeat(5000)}\r\n\x00\x00\r\n+CSQ: \xff\x01garbage\r\n\x00+CSQ: 7,99\r\n\r\nOK\r\n`);
    expect((await p).lines).toEqual(['+CSQ: 7,99']);
    expect(e.stats()).toMatchObject({ too_long: 1, binary: 1, nul: 3 });
  });

  it('does not let a throwing URC listener break the stream', async () => {
    const { s, e } = setup();
    e.on('urc', () => {
      throw new Error('listener bug');
    });
    s.feed('\r\nRING\r\n');
    const p = e.run('AT');
    s.feed('\r\nOK\r\n');
    await expect(p).resolves.toBeDefined();
    expect(e.stats().urcHandlerErrors).toBe(1);
  });
});

describe('status parsers', () => {
  it('maps +CSQ to dBm as 27.007 §8.5 says', () => {
    expect([0, 1, 2, 15, 30, 31, 99, 32, -1].map(csqToDbm)).toEqual([-113, -111, -109, -83, -53, -51, null, null, null]);
    expect(parseCsq('+CSQ: 20,99')).toEqual({ csq: 20, rssiDbm: -73, ber: null });
    expect(parseCsq('+CSQ: 99,99')).toEqual({ csq: 99, rssiDbm: null, ber: null });
    expect(parseCsq('+CSQ: 12,3')).toEqual({ csq: 12, rssiDbm: -89, ber: 3 });
    expect(parseCsq('+CSQ: 45,0')).toBeNull();
    expect(parseCsq('+CSQ: 99999999999999999999,0')).toBeNull();
    expect(parseCsq('+CSQ:')).toBeNull();
  });

  it('reads LTE values from +CESQ, Quectel +QCSQ and SIMCom +CPSI', () => {
    expect(parseCesq('+CESQ: 99,99,255,255,20,49')).toEqual({ rsrqDb: -10, rsrpDbm: -92, sinrDb: null, source: 'cesq' });
    expect(parseCesq('+CESQ: 99,99,255,255,255,255')).toEqual({ rsrqDb: null, rsrpDbm: null, sinrDb: null, source: 'cesq' });
    expect(parseQcsq('+QCSQ: "LTE",-52,-81,195,-10')).toEqual({ rsrpDbm: -81, rsrqDb: -10, sinrDb: 19, source: 'qcsq' });
    expect(parseQcsq('+QCSQ: "NOSERVICE"')).toBeNull();
    expect(parseCpsiLte('+CPSI: LTE,Online,286-01,0x2F1A,27111108,257,EUTRAN-BAND3,1849,5,5,-94,-850,-545,15')).toEqual({
      rsrqDb: -9.4, rsrpDbm: -85, sinrDb: 10, source: 'cpsi',
    });
    expect(parseCpsiLte('+CPSI: GSM,Online,286-01,0x2F1A,1234,15,EGSM 900,-68,0,30-30')).toBeNull();
  });

  it('reads +CREG/+CEREG in both forms with the state names', () => {
    expect(parseRegAnswer('+CREG: 2,1,"2F1A","01A2B3C4",7', '+CREG')).toEqual({
      state: 'home', stat: 1, area: '2F1A', cell: '01A2B3C4', act: { code: 7, name: 'E-UTRAN', generation: '4G' },
    });
    expect(parseRegAnswer('+CEREG: 0,5', '+CEREG')).toMatchObject({ state: 'roaming', act: null });
    expect(parseRegUrc('+CREG: 3', '+CREG')).toMatchObject({ state: 'denied' });
    expect(parseRegUrc('+CEREG: 2', '+CEREG')).toMatchObject({ state: 'searching' });
    expect(parseRegUrc('+CREG: 0', '+CREG')).toMatchObject({ state: 'not-registered' });
    expect(parseRegUrc('+CREG: 4', '+CREG')).toMatchObject({ state: 'unknown' });
    expect(parseRegUrc('+CREG: 2,1', '+CREG')).toBeNull(); // that is an answer, not a URC
    expect(parseRegAnswer('+CREG: 1,"2F1A","01"', '+CREG')).toBeNull(); // and that a URC
    expect(parseRegUrc('+CREG: x', '+CREG')).toBeNull();
  });

  it('reads operator, SIM state, IMEI and ICCID', () => {
    expect(parseCops('+COPS: 0,0,"TR TURKCELL",7')).toMatchObject({ mode: 0, name: 'TR TURKCELL', act: { name: 'E-UTRAN' } });
    expect(parseCops('+COPS: 0')).toEqual({ mode: 0, name: null, act: null });
    expect(['+CPIN: READY', '+CPIN: SIM PIN', '+CPIN: NOT READY', '+CPIN: NOT INSERTED', '+CPIN: SIM PUK'].map(parseCpin)).toEqual([
      'ready', 'pin-required', 'absent', 'absent', 'puk-required',
    ]);
    expect(parseImei(['867698041234561'])).toBe('867698041234561');
    expect(parseImei(['867698041234562'])).toBeNull(); // Luhn check digit wrong
    expect(parseIccid(['+QCCID: 89900112345678901234'])).toBe('89900112345678901234');
    expect(parseIccid(['+ICCID: 8990011234567890123F'])).toBe('8990011234567890123');
    expect(parseCrsmIccid('+CRSM: 144,0,"98091021436587092143"')).toBe('89900112345678901234');
    expect(parseCrsmIccid('+CRSM: 106,130,""')).toBeNull();
  });

  it('detects the vendor from +CGMI/+CGMM and reads Quectel +QIND', () => {
    expect(detectVendor('Quectel', 'EC25')).toBe('quectel');
    expect(detectVendor('SIMCOM INCORPORATED', 'SIMCOM_SIM7600E-H')).toBe('simcom');
    expect(detectVendor('Telit', 'LE910C4-EU')).toBe('generic');
    const at = Date.now();
    expect(quectel.onUrc({ name: '+QIND', line: '+QIND: "csq",25,99', at })).toEqual({ signal: { csq: 25, rssiDbm: -63, ber: null } });
    expect(quectel.onUrc({ name: '+QIND', line: '+QIND: SMS DONE', at })).toEqual({ smsReady: true });
  });
});
