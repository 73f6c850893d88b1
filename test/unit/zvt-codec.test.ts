// ZVT codec: APDU lengths (PA00P016 §5.2.4), BMPs and TLV (PA00P015 §13, §9.3),
// CRC-16/KERMIT and DLE framing (PA00P016 §3), checked against captures from real
// terminals published in open-source ZVT projects (named at each vector).
import { describe, expect, it } from 'vitest';
import { apduTotalLength, decodeApdu, encodeApdu } from '../../firmware-ts/src/drivers/terminal/apdu.js';
import { maskedPan, parseBmps, parseTlv, toBcd } from '../../firmware-ts/src/drivers/terminal/bmp.js';
import * as cmd from '../../firmware-ts/src/drivers/terminal/commands.js';
import { ACK, NAK, SerialDecoder, TcpDecoder, crc16, encodeSerialFrame, frameCrc, type SerialEvent } from '../../firmware-ts/src/drivers/terminal/framing.js';
import { decodeStatusCompletion, decodeTransaction } from '../../firmware-ts/src/drivers/terminal/transaction.js';

const h = (s: string): Buffer => Buffer.from(s.replace(/[\s-]/g, ''), 'hex');
const serialEvents = (bytes: Buffer): SerialEvent[] => {
  const out: SerialEvent[] = [];
  new SerialDecoder().push(bytes, (e) => out.push(e));
  return out;
};

// wirelane/ecrterm, ecrterm/tests/test_parsing.py (test_version_completion): a
// completion sent by a real PT after a status enquiry, on the serial line.
const ECRTERM_SERIAL_COMPLETION = '10 02 06 0F 0B F0 F0 F7 32 2E 31 34 2E 31 35 00 10 03 B1 11';

// Portalum/Portalum.Zvt, src/Portalum.Zvt.UnitTest/StatusInformationParserTest.cs
// (Parse_PaymentGood1_Successful): a real Debit Mastercard payment of 20.40 EUR.
const PORTALUM_PAYMENT =
  '04 0F 77 27 00 04 00 00 00 00 20 40 0B 00 04 70 0C 22 39 53 0D 10 06 0E 25 12 17 00 01 19 70 22 F0 F8 EE EE EE EE EE EE 47 71 ' +
  '29 28 00 48 69 2A 31 30 30 34 36 31 37 36 33 20 20 20 20 20 20 3B 36 31 31 38 30 34 00 00 3C F0 F1 F4 47 45 4E 2E 4E 52 2E 3A ' +
  '36 31 31 38 30 34 49 09 78 87 04 70 88 00 04 70 8A 2E 8B F1 F7 44 65 62 69 74 20 4D 61 73 74 65 72 63 61 72 64 00';
// Same file, Parse_AbortByKey_Successful: status information of a payment aborted by the customer.
const PORTALUM_ABORT = '04 0F 1E 27 6C 29 28 00 48 69 3C F0 F1 F9 41 62 62 72 75 63 68 20 64 75 72 63 68 20 4B 75 6E 64 65';
// Same file, Parse_TlvInfos1_Successful: with result-code-AS (A0) and a TLV container.
const PORTALUM_TLV =
  '04-0F-65-27-00-0C-23-13-55-0D-10-29-0E-99-99-22-F0-F8-EE-EE-EE-EE-EE-EE-47-71-A0-01-29-00-00-00-06-87-00-08-0B-00-00-00-8A-06-8B-F1-F1-4D-41-53-54-45-52-43-41-52-44-00-06-2E-2F-08-1F-12-01-02-1F-10-01-00-60-1B-43-07-A0-00-00-00-04-10-10-44-10-44-65-62-69-74-20-4D-61-73-74-65-72-63-61-72-64-1F-2B-04-10-01-50-08';
// wirelane/ecrterm, ecrterm/tests/test_parsing.py PACKET_LIST: a status information with a
// full (unmasked test-card) PAN in track-2 style BMP 22, and one with a TLV container.
const ECRTERM_FULL_PAN = '04 0F 37 27 00 04 00 00 00 00 40 00 49 09 78 0C 09 38 48 0D 04 25 22 F1 F1 59 66 66 66 66 D2 00 21 22 01 00 17 00 01 87 01 75 0B 61 39 95 19 40 29 60 09 99 14 0E 05 12 8A 02';
const ECRTERM_TLV =
  '040FCE2700040000000010004909780C1230050D062922F0F8474843EEEEEE77438700023B38383931353000000B000733196029420030360E18018A0A8C038BF0F556495341002A3435353630303030303539392020203CF0F7F341532D544944203D2031334630303031330D41532D50726F632D436F6465203D203230203930332030300D436170742E2D5265662E3D20303030300D41494435393A20383039323538062B4102000A4902000315024445600F4204564953414307A00000000310102F0C1F1001001F1101011F120102';

describe('CRC-16 (PA00P016 §3.3 as terminals implement it: CRC-16/KERMIT)', () => {
  it('has the KERMIT check value', () => {
    expect(crc16(Buffer.from('123456789'))).toBe(0x2189);
  });
  it('matches a real terminal frame (ecrterm test_parsing.py), low byte first, over APDU + ETX', () => {
    const apdu = h('06 0F 0B F0 F0 F7 32 2E 31 34 2E 31 35 00');
    expect(frameCrc(apdu)).toBe(0x11b1);
    expect(encodeSerialFrame(apdu)).toEqual(h(ECRTERM_SERIAL_COMPLETION));
  });
});

describe('serial framing (PA00P016 §3)', () => {
  it('decodes the real completion and reads software version and status', () => {
    const ev = serialEvents(h(ECRTERM_SERIAL_COMPLETION));
    expect(ev).toHaveLength(1);
    const e = ev[0]!;
    if (e.kind !== 'apdu') throw new Error(e.kind);
    expect([e.apdu.cls, e.apdu.instr]).toEqual([0x06, 0x0f]);
    expect(decodeStatusCompletion(e.apdu.data)).toEqual({ softwareVersion: '2.14.15', status: 0, terminalId: null });
  });
  it('doubles DLE in the APDU but not in CRC or length, and undoes it', () => {
    const apdu = { cls: 0x06, instr: 0x01, data: h('04 00 00 00 00 10 10 49 09 49') };
    const frame = encodeSerialFrame(apdu);
    expect(frame.subarray(0, 2)).toEqual(h('10 02'));
    expect(frame.toString('hex')).toContain('1010101049'); // the two DLEs of the amount, doubled
    expect(frame[4]).toBe(10); // the length field counts un-doubled bytes
    const ev = serialEvents(frame);
    expect(ev).toEqual([{ kind: 'apdu', apdu }]);
  });
  it('reports ACK/NAK bytes, NAKs a bad CRC and a length that disagrees with the frame', () => {
    const good = encodeSerialFrame({ cls: 0x80, instr: 0, data: Buffer.alloc(0) });
    const badCrc = Buffer.from(good);
    badCrc[badCrc.length - 1]! ^= 1;
    const lying = encodeSerialFrame(h('04 0F 09 27 00')); // length 9, 2 bytes follow
    const ev = serialEvents(Buffer.concat([Buffer.of(ACK, NAK, 0x55), badCrc, lying, good]));
    expect(ev.map((e) => e.kind)).toEqual(['ack', 'nak', 'bad', 'bad', 'apdu']);
  });
  it('survives a frame cut into single bytes and a frame restarted mid-way', () => {
    const f = encodeSerialFrame(h('06 1E 01 6C'));
    const d = new SerialDecoder();
    const out: SerialEvent[] = [];
    d.push(h('10 02 06 1E'), (e) => out.push(e));
    for (const b of f) d.push(Uint8Array.of(b), (e) => out.push(e));
    expect(out.map((e) => e.kind)).toEqual(['apdu']);
    expect(d.stats.truncated).toBe(1);
  });
});

describe('APDU lengths and TCP reassembly (PA00P016 §4, §5.2.4)', () => {
  it('uses FF lo hi for more than 254 bytes', () => {
    const big = encodeApdu({ cls: 0x06, instr: 0xd3, data: Buffer.alloc(300, 0x41) });
    expect(big.subarray(0, 5)).toEqual(h('06 D3 FF 2C 01'));
    expect(apduTotalLength(big)).toBe(305);
    expect(decodeApdu(big).ok).toBe(true);
    expect(encodeApdu({ cls: 0x80, instr: 0, data: Buffer.alloc(254) })[2]).toBe(254);
  });
  it('reassembles APDUs from arbitrary fragments and drops bytes that cannot start one', () => {
    const stream = Buffer.concat([h(PORTALUM_PAYMENT), h('80 00 00'), h('99'), h(PORTALUM_ABORT)]);
    for (const size of [1, 2, 3, 7, 64, 1000]) {
      const d = new TcpDecoder();
      const got: number[] = [];
      for (let i = 0; i < stream.length; i += size) d.push(stream.subarray(i, i + size), (a) => got.push(a.data.length));
      expect(got).toEqual([0x77, 0, 0x1e]);
      expect(d.stats.garbageBytes).toBe(1);
    }
  });
});

describe('status information (PA00P015 §3.1.1) from real terminals', () => {
  const body = (s: string): Buffer => h(s).subarray(3);
  it('reads the Portalum payment vector', () => {
    const tx = decodeTransaction(body(PORTALUM_PAYMENT));
    expect(tx).toMatchObject({
      resultCode: 0, amountKurus: 2040, currency: 978, trace: 470, receiptNo: 470, turnoverNo: 470, cardType: 0x2e,
      cardName: 'Debit Mastercard', terminalId: '28004869', time: '22:39:53', date: '10-06', additionalText: 'GEN.NR.:611804', maskedPan: '************4771',
    });
    expect(tx.parseNote).toBeUndefined();
  });
  it('reads the abort-by-key vector', () => {
    expect(decodeTransaction(body(PORTALUM_ABORT))).toMatchObject({ resultCode: 0x6c, additionalText: 'Abbruch durch Kunde', terminalId: '28004869' });
  });
  it('reads BMP A0 and the TLV container, with the long trace number from tag 1F2B', () => {
    const tx = decodeTransaction(body(PORTALUM_TLV));
    expect(tx).toMatchObject({ resultCode: 0, cardName: 'MASTERCARD', terminalId: '00000006', receiptNo: 8, trace: 10015008 });
    expect(tx.parseNote).toBeUndefined();
  });
  it('never shows a full PAN, even when the terminal sends one (ecrterm vector)', () => {
    const tx = decodeTransaction(h(ECRTERM_FULL_PAN).subarray(3));
    expect(tx).toMatchObject({ resultCode: 0, amountKurus: 4000, receiptNo: 175, cardType: 2, currency: 978 });
    expect(tx.maskedPan).toBe('******6666');
    expect(JSON.stringify(tx)).not.toContain('5966666666');
  });
  it('reads the ecrterm VISA vector with LLL-Var text and TLV', () => {
    const tx = decodeTransaction(h(ECRTERM_TLV).subarray(3));
    expect(tx).toMatchObject({ resultCode: 0, amountKurus: 1000, cardName: 'VISA', receiptNo: 2, trace: 733 });
    expect(tx.parseNote).toBeUndefined();
    const tlv = parseTlv(parseBmps(h(ECRTERM_TLV).subarray(3)).fields.get(0x06)!);
    expect(tlv.error).toBeUndefined();
    expect(tlv.objects.map((o) => o.tag)).toEqual([0x41, 0x49, 0x15, 0x60, 0x2f]);
  });
  it('stops at an unknown BMP with a note instead of throwing', () => {
    const tx = decodeTransaction(h('27 00 99 01 02 04 00 00 00 00 01 00'));
    expect(tx.resultCode).toBe(0);
    expect(tx.parseNote).toMatch(/unknown BMP 99/);
    expect(maskedPan(h('12 34 5f'))).toBe('*****'); // short: nothing in clear
  });
});

describe('requests (PA00P015 §2)', () => {
  it('encodes registration, authorization in kuruş, reversal, refund, repeat receipt, end of day', () => {
    const reg = cmd.registration({ password: '123456', currency: 949, printOnEcr: true, intermediateStatus: true, amountInputOnPt: false });
    expect(encodeApdu(reg)).toEqual(h('06 00 08 12 34 56 1E 09 49 03 01'));
    expect(encodeApdu(cmd.authorization(12345, 949))).toEqual(h('06 01 0A 04 00 00 00 01 23 45 49 09 49'));
    expect(encodeApdu(cmd.reversal('000000', 42))).toEqual(h('06 30 06 00 00 00 87 00 42'));
    expect(encodeApdu(cmd.refund('000000', 500, 949))).toEqual(h('06 31 0D 00 00 00 04 00 00 00 00 05 00 49 09 49'));
    expect(encodeApdu(cmd.repeatReceipt('000000'))).toEqual(h('06 20 05 00 00 00 03 03'));
    expect(encodeApdu(cmd.endOfDay('000000'))).toEqual(h('06 50 03 00 00 00'));
    expect(encodeApdu(cmd.statusEnquiry('000000'))).toEqual(h('05 01 05 00 00 00 03 00'));
    expect(encodeApdu(cmd.abort())).toEqual(h('06 B0 00'));
    // ecrterm test_apdu.py (test_serialize_fixed_no_optional): registration 987654 / config 41.
    expect(toBcd('987654', 3)).toEqual(h('98 76 54'));
  });
  it('refuses what cannot be encoded', () => {
    expect(() => cmd.authorization(0, 949)).toThrow(RangeError);
    expect(() => cmd.authorization(1.5, 949)).toThrow(RangeError);
    expect(() => cmd.reversal('000000', 10000)).toThrow(RangeError);
    expect(() => cmd.registration({ password: '12345', currency: 949, printOnEcr: true, intermediateStatus: true, amountInputOnPt: false })).toThrow(/6 digits/);
  });
});
