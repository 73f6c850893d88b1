// The LED board protocol (devices/display-sim/README.md): framing and BCC against
// the README's worked examples, CP857 for every Turkish letter, Turkish capitals,
// the host's reply decoder, and the board simulator's frame decoder and ACK/NAK
// answers, byte for byte.
import { describe, expect, it } from 'vitest';
import { decodeCp857, encodeCp857 } from '../../firmware-ts/src/drivers/display/cp857.js';
import {
  ACK, bcc, buildFrame, DisplayInputError, NAK, ReplyDecoder, scrollPayload, servingPayload,
} from '../../firmware-ts/src/drivers/display/protocol.js';
import { parseDisplayOptions } from '../../firmware-ts/src/drivers/display/options.js';
import { FrameDecoder } from '../../devices/display-sim/frame-decoder.js';
import { DisplaySim } from '../../devices/display-sim/display-sim.js';
import type { SimPort } from '../../firmware-ts/src/transport/sim-link.js';
import { EventEmitter } from 'node:events';

const hex = (b: Buffer): string => b.toString('hex').toUpperCase().match(/../g)!.join(' ');

describe('framing', () => {
  it('matches the README examples byte for byte', () => {
    expect(hex(buildFrame(1, 'P'))).toBe('02 30 31 50 03 52');
    const n = buildFrame(1, 'N', servingPayload(1, { ticket: 'A042', counter: '2' }, true));
    expect(hex(n)).toBe('02 30 31 4E 31 41 30 34 32 20 20 20 20 32 03 38');
  });

  it('computes BCC as the XOR of address..ETX, whatever value it takes', () => {
    const f = buildFrame(42, 'S', Buffer.from('HELLO', 'latin1'));
    expect(f[0]).toBe(0x02);
    expect(f.subarray(1, 3).toString('latin1')).toBe('42');
    expect(f[f.length - 2]).toBe(0x03);
    expect(f[f.length - 1]).toBe(bcc(f, 1, f.length - 1));
  });

  it('refuses control bytes, oversize payloads and bad addresses with a clear error', () => {
    expect(() => buildFrame(1, 'S', Buffer.from([0x41, 0x03]))).toThrow(/byte 0x03 is a control byte/);
    expect(() => buildFrame(1, 'S', Buffer.alloc(201, 0x41))).toThrow(/at most 200/);
    expect(() => buildFrame(0, 'P')).toThrow(/address 0: must be 1..99/);
    expect(() => buildFrame(100, 'P')).toThrow(DisplayInputError);
  });

  it('pads tickets left-aligned and counters right-aligned, and blanks rows', () => {
    expect(servingPayload(2, { ticket: 'B7', counter: '12' }, true).toString('latin1')).toBe('2B7     12');
    expect(servingPayload(3, null, true).toString('latin1')).toBe('3         ');
    expect(() => servingPayload(1, { ticket: 'A 42', counter: '1' }, true)).toThrow(/ticket "A 42"/);
    expect(() => servingPayload(1, { ticket: 'A0420000', counter: '1' }, true)).toThrow(/1-6 characters/);
    expect(() => servingPayload(1, { ticket: 'A1', counter: '1234' }, true)).toThrow(/counter/);
    expect(() => servingPayload(9, null, true)).toThrow(/row 9/);
  });
});

describe('CP857 and Turkish capitals', () => {
  it('maps every Turkish letter to its CP857 byte and back', () => {
    const letters = 'ÇçĞğİıÖöŞşÜü';
    const bytes = encodeCp857(letters);
    expect([...bytes]).toEqual([0x80, 0x87, 0xa6, 0xa7, 0x98, 0x8d, 0x99, 0x94, 0x9e, 0x9f, 0x9a, 0x81]);
    expect(decodeCp857(bytes)).toBe(letters);
  });

  it('upper-cases the Turkish way before encoding', () => {
    const p = scrollPayload('İnegöl Belediyesi ışık çiçek', true);
    expect(decodeCp857(p)).toBe('İNEGÖL BELEDİYESİ IŞIK ÇİÇEK');
    expect(decodeCp857(scrollPayload('ışık', false))).toBe('ışık');
    expect(decodeCp857(servingPayload(1, { ticket: 'i12', counter: 'ş' }, true))).toBe('1İ12     Ş');
  });

  it('writes ₺ as TL and names characters the board cannot show', () => {
    expect(encodeCp857('5 ₺').toString('latin1')).toBe('5 TL');
    expect(() => scrollPayload('Ümit €', true)).toThrow(/scroll: character "€" \(U\+20AC\) at position 5/);
    expect(() => scrollPayload('a\nb', true)).toThrow(/control characters/);
    expect(() => scrollPayload('Ş'.repeat(201), true)).toThrow(/201 bytes/);
  });
});

describe('host reply decoder', () => {
  it('decodes ACK and NAK split, glued and buried in noise', () => {
    const d = new ReplyDecoder();
    expect(d.push(Buffer.from([ACK, 0x30]))).toEqual([]);
    expect(d.push(Buffer.from([0x31, 0x30]))).toEqual([{ kind: 'ack', address: 1, code: '0' }]);
    const glued = Buffer.from([0xff, ACK, ACK, 0x30, 0x37, 0x30, 0x41, NAK, 0x31, 0x32, 0x33, NAK, 0x39]);
    expect(d.push(glued)).toEqual([{ kind: 'ack', address: 7, code: '0' }, { kind: 'nak', address: 12, code: '3' }]);
    expect(d.push(Buffer.from([0x39, 0x34]))).toEqual([{ kind: 'nak', address: 99, code: '4' }]);
    expect(d.garbageBytes).toBe(3);
  });

  it('rejects ACK with an error code, NAK with 0, address 00 and unknown codes', () => {
    const d = new ReplyDecoder();
    for (const bad of [[ACK, 0x30, 0x31, 0x31], [NAK, 0x30, 0x31, 0x30], [ACK, 0x30, 0x30, 0x30], [NAK, 0x30, 0x31, 0x39]]) {
      expect(d.push(Buffer.from(bad))).toEqual([]);
    }
  });
});

class FakePort extends EventEmitter implements SimPort {
  open = true;
  readonly sent: Buffer[] = [];
  write(d: Buffer | string): void {
    this.sent.push(Buffer.from(d as Buffer));
  }
  unplug(): void {
    this.open = false;
  }
  feed(b: Buffer): void {
    this.emit('data', b);
  }
  replies(): string[] {
    return this.sent.map((b) => `${b[0] === ACK ? 'ACK' : b[0] === NAK ? 'NAK' : '?'}${b.subarray(1).toString('latin1')}`);
  }
}

describe('board simulator', () => {
  function board(opts = {}): { sim: DisplaySim; port: FakePort } {
    const sim = new DisplaySim(opts);
    const port = new FakePort();
    sim.attach(port, {});
    return { sim, port };
  }

  it('shows what the frames say and ACKs them', () => {
    const { sim, port } = board();
    port.feed(buildFrame(1, 'N', servingPayload(1, { ticket: 'A042', counter: '2' }, true)));
    port.feed(buildFrame(1, 'N', servingPayload(3, { ticket: 'Ç7', counter: '12' }, true)));
    port.feed(buildFrame(1, 'S', scrollPayload('Hoş geldiniz, İnegöl', true)));
    expect(sim.shown()).toEqual({ rows: ['A042 -> 2', '', 'Ç7 -> 12', ''], scroll: 'HOŞ GELDİNİZ, İNEGÖL' });
    expect(port.replies()).toEqual(['ACK010', 'ACK010', 'ACK010']);
    port.feed(buildFrame(1, 'C'));
    expect(sim.render()).toBe('\n\n\n\n');
  });

  it('NAKs a bad BCC (code 1), unknown commands (2) and bad payloads (3), and changes nothing', () => {
    const { sim, port } = board();
    const f = buildFrame(1, 'S', Buffer.from('X', 'latin1'));
    f[f.length - 1]! ^= 0x01;
    port.feed(f);
    port.feed(buildFrame(1, 'Q' as never)); // a command the board does not know
    port.feed(buildFrame(1, 'N', Buffer.from('5A1      1', 'latin1'))); // row 5 of 4
    port.feed(buildFrame(1, 'N', Buffer.from('1 A1     1', 'latin1'))); // ticket not left-aligned
    port.feed(buildFrame(1, 'N', Buffer.from('1A1       ', 'latin1'))); // ticket without counter
    port.feed(buildFrame(1, 'S', Buffer.from([0x41, 0xd5]))); // 0xD5 is undefined in CP857
    port.feed(buildFrame(1, 'P', Buffer.from('x', 'latin1')));
    expect(port.replies()).toEqual(['NAK011', 'NAK012', 'NAK013', 'NAK013', 'NAK013', 'NAK013', 'NAK013']);
    expect(sim.shown()).toEqual({ rows: ['', '', '', ''], scroll: '' });
  });

  it('stays silent for other addresses, corrupt frames of others and broken framing', () => {
    const { sim, port } = board({ address: 7 });
    port.feed(buildFrame(1, 'P'));
    const other = buildFrame(1, 'P');
    other[other.length - 1]! ^= 0xff;
    port.feed(other);
    // STX restarts a frame; a control byte drops it; an overlong body is dropped.
    port.feed(Buffer.concat([Buffer.from([0x02, 0x30, 0x37]), buildFrame(7, 'P')]));
    port.feed(Buffer.from([0x02, 0x30, 0x37, 0x53, 0x41, 0x0a, 0x03, 0x00]));
    port.feed(Buffer.concat([Buffer.from([0x02]), Buffer.alloc(210, 0x41), Buffer.from([0x03, 0x00])]));
    expect(port.replies()).toEqual(['ACK070']);
    expect(sim.counters).toMatchObject({ otherAddress: 1, badChecksum: 1, dropped: 3 });
  });

  it('decodes frames split at every position', () => {
    const f = buildFrame(3, 'S', scrollPayload('Çağrı', true));
    for (let cut = 0; cut <= f.length; cut++) {
      const d = new FrameDecoder();
      const out = [...d.push(f.subarray(0, cut)), ...d.push(f.subarray(cut))];
      expect(out).toHaveLength(1);
      expect(out[0]).toMatchObject({ kind: 'frame', address: 3, cmd: 'S' });
    }
  });

  it('plays a NAK-forever and a garbage board', () => {
    const nak = board({ mode: 'nak', nakCode: '4' });
    nak.port.feed(buildFrame(1, 'P'));
    expect(nak.port.replies()).toEqual(['NAK014']);
    const g = board({ mode: 'garbage', seed: 9 });
    g.port.feed(buildFrame(1, 'P'));
    const d = new ReplyDecoder();
    expect(g.port.sent.flatMap((b) => d.push(b))).toEqual([]);
  });
});

describe('options', () => {
  it('fills defaults and names bad fields', () => {
    expect(parseDisplayOptions({ port: 'serial:///dev/vim-display' })).toMatchObject({ address: 1, retries: 3, ackTimeoutMs: 500, rows: 4, baud: 9600, upperCase: true });
    expect(() => parseDisplayOptions({ address: 100, bogus: 1 })).toThrow(/address/);
  });
});
