// A Star printer's status (star-status.ts, Star's ASB specification): the length in
// Header 1, the version in Header 2, every status bit onto StatusBits and back, the
// fixed bits that tell an ASB from noise, the LAN form (Header 2 bit 7 + Length), and
// the StatusProbe reading ESC ACK SOH's answer in any chunking: a short answer at the
// timeout, extra bytes or a bad header are garbage; silence is "does not answer".
import { afterEach, describe, expect, it } from 'vitest';
import type { StatusBits } from '../../firmware-ts/src/drivers/printer/escpos.js';
import { decodeStarStatus, encodeStarStatus, STAR_STATUS_REQUEST, starAnswerSize, starHeader1, starLength, starVersion } from '../../firmware-ts/src/drivers/printer/star-status.js';
import { stateFromBits, StatusProbe, type PrinterState, type ProbeResult } from '../../firmware-ts/src/drivers/printer/status.js';

const h = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const CLEAR: StatusBits = { offline: false, coverOpen: false, paperStop: false, error: false, paperNearEnd: false, paperEnd: false };

/** The bits of each state a printer shows (offline also set when it cannot print, as real printers do). */
const STATES: Record<Exclude<PrinterState, 'unknown' | 'disconnected' | 'garbage'>, StatusBits> = {
  ready: CLEAR,
  'paper-near-end': { ...CLEAR, paperNearEnd: true },
  'paper-out': { ...CLEAR, offline: true, paperNearEnd: true, paperEnd: true, paperStop: true },
  'cover-open': { ...CLEAR, offline: true, coverOpen: true },
  offline: { ...CLEAR, offline: true },
  error: { ...CLEAR, offline: true, error: true },
};

describe('Star ASB: headers', () => {
  it('Header 1 gives the total length from bits 1-3 and 5-6: 0x0F = 7, 0x21 = 8, 0x23 = 9', () => {
    expect(starLength(0x0f)).toBe(7);
    expect(starLength(0x21)).toBe(8);
    expect(starLength(0x23)).toBe(9);
    expect(starLength(0x6f)).toBe(31);
    for (let n = 7; n <= 31; n++) expect(starLength(starHeader1(n))).toBe(n);
    expect([7, 8, 9].map(starHeader1)).toEqual([0x0f, 0x21, 0x23]);
  });

  it('Header 2 gives the version from bits 1-3 and 5; bit 7 (a LAN Length follows) leaves it alone', () => {
    expect([0x02, 0x06, 0x0e, 0x20, 0x22, 0x40, 0x6e, 0x86].map(starVersion)).toEqual([1, 3, 7, 8, 9, 16, 31, 3]);
  });

  it('reads real answers: a TSP100/TSP650 idle on USB and on its LAN interface, and one with the cover open and no paper', () => {
    expect(decodeStarStatus(h('23 06 00 00 00 00 00 00 00'))).toEqual({ ok: true, bits: CLEAR, version: 3, extension: 0 });
    expect(decodeStarStatus(h('23 86 00 00 00 00 00 00 00 00 00'))).toEqual({ ok: true, bits: CLEAR, version: 3, extension: 2 });
    const d = decodeStarStatus(h('23 86 20 00 00 08 00 00 00 00 00'));
    expect(d.ok && stateFromBits(d.bits).state).toBe('cover-open');
    expect(d).toMatchObject({ bits: { coverOpen: true, paperEnd: true } });
  });

  it('reads 7- and 8-byte answers (older models: status up to 5, or an ETB counter) and longer ones, ignoring bytes 8+', () => {
    expect(decodeStarStatus(h('0f 02 08 00 00 08 00'))).toMatchObject({ ok: true, bits: { offline: true, paperEnd: true } });
    expect(decodeStarStatus(h('21 04 00 00 00 00 00 0e'))).toMatchObject({ ok: true, bits: CLEAR, version: 2 });
    // 13 bytes: status 4 near end, status 5 paper hold, then six bytes with every free bit set (meaning ignored).
    const long = Buffer.concat([h('2b 0c 00 00 00 02 02'), Buffer.alloc(6, 0x6e)]);
    expect(decodeStarStatus(long)).toMatchObject({ ok: true, bits: { ...CLEAR, paperNearEnd: true } });
  });
});

describe('Star ASB: status bits', () => {
  it('encodes and decodes every state the driver tells apart, on USB and on LAN', () => {
    for (const [state, bits] of Object.entries(STATES)) {
      for (const lengthField of [false, true]) {
        const b = encodeStarStatus(bits, { lengthField });
        expect(b.length, state).toBe(lengthField ? 11 : 9);
        expect([b[0], b[1]]).toEqual([0x23, lengthField ? 0x86 : 0x06]);
        const d = decodeStarStatus(b);
        expect(d, state).toEqual({ ok: true, bits, version: 3, extension: lengthField ? 2 : 0 });
        expect(d.ok && stateFromBits(d.bits).state).toBe(state);
      }
    }
  });

  it('round-trips all 32 combinations of the bits Star has (paper stop is paper end)', () => {
    for (let m = 0; m < 32; m++) {
      const bits: StatusBits = { offline: !!(m & 1), coverOpen: !!(m & 2), error: !!(m & 4), paperNearEnd: !!(m & 8), paperEnd: !!(m & 16), paperStop: !!(m & 16) };
      expect(decodeStarStatus(encodeStarStatus(bits))).toMatchObject({ ok: true, bits });
    }
  });

  it('maps each bit of the specification', () => {
    const one = (byte: number, mask: number): StatusBits => {
      const b = h('23 06 00 00 00 00 00 00 00');
      b[byte - 1] = mask;
      const d = decodeStarStatus(b);
      if (!d.ok) throw new Error(d.why);
      return d.bits;
    };
    expect(one(3, 0x08)).toEqual({ ...CLEAR, offline: true }); // status 1 bit 3: offline
    expect(one(3, 0x40)).toEqual({ ...CLEAR, offline: true }); // status 1 bit 6: offline by switch input
    expect(one(3, 0x20)).toEqual({ ...CLEAR, coverOpen: true }); // status 1 bit 5: cover open
    for (const bit of [1, 2, 3, 5, 6]) expect(one(4, 1 << bit), `status 2 bit ${bit}`).toEqual({ ...CLEAR, error: true });
    for (const bit of [1, 2, 3]) expect(one(5, 1 << bit), `status 3 bit ${bit}`).toEqual({ ...CLEAR, error: true });
    expect(one(6, 0x02)).toEqual({ ...CLEAR, paperNearEnd: true }); // status 4 bit 1: near end, outer sensor
    expect(one(6, 0x04)).toEqual({ ...CLEAR, paperNearEnd: true }); // status 4 bit 2: near end, inner sensor
    expect(one(6, 0x08)).toEqual({ ...CLEAR, paperEnd: true, paperStop: true }); // status 4 bit 3: paper end
    // ETB, the drawer switch, the paper hold sensor and the ETB counter do not change the state.
    for (const [byte, mask] of [[3, 0x02], [3, 0x04], [7, 0x02], [8, 0x6e], [9, 0x0e]] as const) expect(one(byte, mask)).toEqual(CLEAR);
  });
});

describe('Star ASB: what is not one', () => {
  const bad = (s: string | Buffer, why: RegExp): void => {
    const d = decodeStarStatus(typeof s === 'string' ? h(s) : s);
    expect(d.ok, typeof s === 'string' ? s : s.toString('hex')).toBe(false);
    expect(d.ok ? '' : d.why).toMatch(why);
  };

  it('rejects headers and status bytes without their fixed bits', () => {
    bad('22 06 00 00 00 00 00 00 00', /header 1 0x22 lacks/); // bit 0 clear
    bad('33 06 00 00 00 00 00 00 00', /header 1 0x33 lacks/); // bit 4 set
    bad('a3 06 00 00 00 00 00 00 00', /header 1 0xa3 lacks/); // bit 7 set
    bad('ff 3f 41', /header 1 0xff lacks/); // the simulator's garbage
    bad('23 07 00 00 00 00 00 00 00', /header 2 0x07 lacks/); // bit 0 set
    bad('23 16 00 00 00 00 00 00 00', /header 2 0x16 lacks/); // bit 4 set
    for (const [i, v] of [[2, 0x01], [3, 0x10], [5, 0x80], [8, 0x01]] as const) {
      const b = h('23 06 00 00 00 00 00 00 00');
      b[i] = v;
      bad(b, new RegExp(`status byte ${i + 1} 0x${v.toString(16).padStart(2, '0')} lacks`));
    }
    bad(h('12 12 12'), /header 1 0x12/); // three DLE EOT answers are no ASB
  });

  it('rejects lengths it cannot read, short answers, extra bytes and an oversized LAN Length', () => {
    bad('05 06 00 00 00', /announces 2 bytes; status 1-5 need 7/);
    bad('23 06 00 00 00 00 00 00', /short answer: 8 of 9/);
    bad('23 06 00 00 00 00 00 00 00 00', /1 byte\(s\) after the 9-byte answer/);
    bad('23 86 00 00 00 00 00 00 00', /short answer: 9 of 11/); // LAN: the Length is missing
    bad('23 86 00 00 00 00 00 00 00 01 02', /extension length 513 is over 512/);
    bad('', /short answer: 0 of 1/);
    // A LAN answer with further status data (an ENQ status, 5-1-4) is whole once Length bytes are in.
    const ext = Buffer.concat([h('23 86 00 00 00 00 00 00 00 08 00'), Buffer.from('01:B'), h('00 01 06'), Buffer.from(';')]);
    expect(starAnswerSize(ext)).toBe(19);
    expect(decodeStarStatus(ext)).toMatchObject({ ok: true, bits: CLEAR, extension: 10 });
  });

  it('tells the total length as the bytes come, so a reader knows when to stop', () => {
    const lan = encodeStarStatus(CLEAR, { lengthField: true });
    expect([0, 1, 2, 9, 10, 11].map((k) => starAnswerSize(lan.subarray(0, k)))).toEqual([1, 9, 11, 11, 11, 11]);
  });
});

describe('StatusProbe for a Star', () => {
  const live: StatusProbe[] = [];
  afterEach(() => {
    for (const p of live.splice(0)) p.cancel();
  });

  /** A probe whose requests are answered by `reply` (chunks, with a pause between them). */
  function rig(reply: (req: Buffer) => Buffer[] | null, opts: { timeoutMs?: number; gapMs?: number } = {}) {
    const written: Buffer[] = [];
    const unexpected: Buffer[] = [];
    const probe = new StatusProbe(
      (req) => {
        written.push(req);
        const chunks = reply(req);
        if (chunks) {
          void (async () => {
            for (const c of chunks) {
              await new Promise((r) => setTimeout(r, opts.gapMs ?? 5));
              probe.data(c);
            }
          })();
        }
        return Promise.resolve();
      },
      opts.timeoutMs ?? 200,
      (b) => unexpected.push(b),
      'star',
    );
    live.push(probe);
    return { probe, written, unexpected };
  }

  it('asks ESC ACK SOH once and reads an answer split across chunks (byte by byte)', async () => {
    const ans = encodeStarStatus(STATES['paper-out']);
    const { probe, written, unexpected } = rig(() => [...ans].map((b) => Buffer.from([b])));
    expect(probe.request).toMatch(/ESC ACK SOH/);
    await expect(probe.probe()).resolves.toEqual({ answers: 'yes', bits: STATES['paper-out'] });
    expect(written).toEqual([STAR_STATUS_REQUEST]);
    expect(STAR_STATUS_REQUEST).toEqual(Buffer.from([0x1b, 0x06, 0x01]));
    expect(unexpected).toEqual([]);
  });

  it('reads the LAN form split after the headers and inside the Length', async () => {
    const ans = encodeStarStatus(STATES['cover-open'], { lengthField: true });
    const { probe } = rig(() => [ans.subarray(0, 2), ans.subarray(2, 10), ans.subarray(10)]);
    const r = await probe.probe();
    expect(r.answers === 'yes' && stateFromBits(r.bits).state).toBe('cover-open');
  });

  it('a printer that says nothing: answers "no" after the timeout', async () => {
    const { probe, written } = rig(() => null, { timeoutMs: 60 });
    const t0 = Date.now();
    await expect(probe.probe()).resolves.toEqual({ answers: 'no' });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(55);
    expect(written).toHaveLength(1);
  });

  it('an answer cut short is garbage at the timeout, naming how much came', async () => {
    const ans = encodeStarStatus(CLEAR);
    const { probe } = rig(() => [ans.subarray(0, 4), ans.subarray(4, 8)], { timeoutMs: 80 });
    const r = await probe.probe();
    expect(r).toMatchObject({ answers: 'garbage', why: expect.stringMatching(/short answer: 8 of 9 bytes within 80 ms/) });
    expect((r as Extract<ProbeResult, { answers: 'garbage' }>).bytes).toEqual(ans.subarray(0, 8));
  });

  it('extra bytes after a whole answer are garbage, and reported as unasked-for at once', async () => {
    const ans = Buffer.concat([encodeStarStatus(CLEAR), h('23')]);
    const { probe, unexpected } = rig(() => [ans]);
    await expect(probe.probe()).resolves.toMatchObject({ answers: 'garbage', bytes: ans, why: 'bytes after the answer' });
    expect(unexpected).toEqual([h('23')]);
  });

  it('a bad header is garbage at once, without waiting for the timeout', async () => {
    const { probe } = rig(() => [h('ff 3f 41')], { timeoutMs: 5000 });
    const t0 = Date.now();
    await expect(probe.probe()).resolves.toMatchObject({ answers: 'garbage', why: expect.stringMatching(/header 1 0xff/) });
    expect(Date.now() - t0).toBeLessThan(1000);
  });

  it('an ESC/POS printer\'s DLE EOT bytes are no ASB (a Star driver on an Epson)', async () => {
    const { probe } = rig(() => [h('12')], { timeoutMs: 80 });
    await expect(probe.probe()).resolves.toMatchObject({ answers: 'garbage', why: expect.stringMatching(/header 1 0x12/) });
  });

  it('the Epson probe still asks DLE EOT 1, 2, 4, one byte each', async () => {
    const written: Buffer[] = [];
    const probe: StatusProbe = new StatusProbe(
      (req) => {
        written.push(req);
        setTimeout(() => probe.data(Buffer.from([0x12])), 1);
        return Promise.resolve();
      },
      200,
      () => undefined,
    );
    expect(probe.request).toBe('DLE EOT');
    await expect(probe.probe()).resolves.toEqual({ answers: 'yes', bits: CLEAR });
    expect(written).toEqual([h('10 04 01'), h('10 04 02'), h('10 04 04')]);
  });
});
