// One ECR connection to the simulated terminal: the PT's half of each command
// sequence in PA00P015 §2 (registration, authorization, reversal, refund, repeat
// receipt, end of day, status enquiry, abort). After each of its own commands
// (04 FF, 04 0F, 06 0F, 06 1E) the PT waits for the ECR's 80 00; it books a payment
// only when the ECR has acknowledged the status information (§2.2.8).
import type { SimPort } from '../../firmware-ts/src/transport/sim-link.js';
import { ACK_APDU, CMD, apdu, hex, isAnswer, type Apdu } from '../../firmware-ts/src/drivers/terminal/apdu.js';
import { bcdDigits, bcdNumber, parseBmps, toBcd, varLen } from '../../firmware-ts/src/drivers/terminal/bmp.js';
import { encodeSerialFrame } from '../../firmware-ts/src/drivers/terminal/framing.js';
import { SimWire } from './sim-wire.js';
import type { TerminalSim } from './terminal-sim.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const ECR_ANSWER_MS = 5000;

export class SimSession {
  private readonly wire: SimWire;
  private inbox: Apdu[] = [];
  private waiter: ((a: Apdu | null) => void) | null = null;
  private busy = false;
  /** Commands that arrived while the last sequence was finishing (the ECR is master again after its 80 00). */
  private queued: Apdu[] = [];
  private aborted = false;
  private closed = false;
  private cc: Buffer | null = null;

  constructor(
    private readonly sim: TerminalSim,
    private readonly port: SimPort,
    framing: 'tcp' | 'serial',
  ) {
    this.wire = new SimWire(port, framing, (a) => this.onApdu(a));
    port.on('close', () => this.close());
  }

  close(): void {
    this.closed = true;
    this.waiter?.(null);
    this.waiter = null;
  }

  unplug(): void {
    this.close();
    this.port.unplug();
  }

  private onApdu(a: Apdu): void {
    if (isAnswer(a)) {
      if (this.waiter) {
        const w = this.waiter;
        this.waiter = null;
        w(a);
      } else this.inbox.push(a);
      return;
    }
    const name = hex([a.cls, a.instr]);
    this.sim.received.push(name);
    this.sim.emit('command', name);
    if (this.busy) {
      // Abort while working (PA00P015 §2.23): accepted, the running sequence ends with 06 1E 6C.
      if (a.cls === 0x06 && a.instr === 0xb0) {
        this.aborted = true;
        void this.wire.send(ACK_APDU);
      } else if (this.queued.length < 4) this.queued.push(a);
      else void this.wire.send(apdu([0x84, 0x9c])); // "please wait": busy
      return;
    }
    this.start(a);
  }

  private start(a: Apdu): void {
    this.busy = true;
    this.aborted = false;
    this.inbox = [];
    this.handle(a)
      .catch(() => undefined)
      .finally(() => {
        this.busy = false;
        const next = this.queued.shift();
        if (next && !this.closed) this.start(next);
      });
  }

  /** The ECR's answer to our last command, or null (timeout / closed). */
  private next(ms = ECR_ANSWER_MS): Promise<Apdu | null> {
    const queued = this.inbox.shift();
    if (queued) return Promise.resolve(queued);
    if (this.closed) return Promise.resolve(null);
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.waiter = null;
        resolve(null);
      }, ms);
      this.waiter = (a) => {
        clearTimeout(t);
        resolve(a);
      };
    });
  }

  /** Sends a PT command and waits for the ECR's 80 00; false if it did not come. */
  private async call(a: Apdu): Promise<boolean> {
    if (this.closed) return false;
    this.wire.fault = this.sim.behaviour.badCrc ? 'bad-crc' : 'none';
    if (!(await this.wire.send(a))) return false;
    const r = await this.next();
    return r !== null && (r.cls === 0x80 || (r.cls === 0x84 && r.instr === 0x00));
  }

  private async pause(): Promise<void> {
    if (this.sim.behaviour.delayMs > 0) await sleep(this.sim.behaviour.delayMs);
  }

  private pwOk(data: Buffer): boolean {
    return bcdDigits(data.subarray(0, 3)) === this.sim.password;
  }

  private async handle(a: Apdu): Promise<void> {
    const b = this.sim.behaviour;
    const key = (a.cls << 8) | a.instr;
    if (b.mode === 'silent') return;
    if (b.mode === 'malformed' && key !== 0x0600) {
      await this.wire.send(ACK_APDU);
      // A 04 0F whose length (0x40) runs beyond the 2 data bytes that follow: bare on TCP; on serial
      // inside a well-formed DLE STX ... DLE ETX frame with a correct CRC, so only the length is wrong.
      const bad = Buffer.from([0x04, 0x0f, 0x40, 0x27, 0x00]);
      this.wire.raw(this.wire.framing === 'serial' ? encodeSerialFrame(bad) : bad);
      return;
    }
    const accept = async (): Promise<void> => void (await this.wire.send(ACK_APDU));
    switch (key) {
      case 0x0600: // Registration §2.1
        if (!this.pwOk(a.data)) return this.refuse(0x6b);
        this.sim.configByte = a.data[3] ?? 0;
        this.cc = a.data.length >= 6 ? a.data.subarray(4, 6) : null;
        await accept();
        await this.call(apdu(CMD.completion, Buffer.concat([Buffer.of(0x19, 0x00, 0x29), toBcd(this.sim.terminalId, 4), this.ccBmp()])));
        return;
      case 0x0601: // Authorization §2.2
        return this.payment('charge', a.data);
      case 0x0631: // Refund §2.15
        if (!this.pwOk(a.data)) return this.refuse(0x6b);
        return this.payment('refund', a.data.subarray(3));
      case 0x0630: // Reversal §2.9
        if (!this.pwOk(a.data)) return this.refuse(0x6b);
        return this.reversal(a.data.subarray(3));
      case 0x0620: { // Repeat receipt §2.20
        if (!this.pwOk(a.data)) return this.refuse(0x6b);
        await accept();
        const last = this.sim.last;
        if (!last) return void (await this.call(apdu(CMD.ptAbort, [0x83])));
        const f = parseBmps(a.data, 3).fields;
        if (((f.get(0x03)?.[0] ?? 0) & 0x01) !== 0 && !(await this.call(apdu(CMD.statusInfo, last.statusInfo)))) return;
        await this.call(apdu(CMD.completion));
        return;
      }
      case 0x0501: // Status enquiry §2.56
        await accept();
        await this.pause();
        await this.call(apdu(CMD.completion, Buffer.concat([varLen(this.sim.softwareVersion.length, 3), Buffer.from(this.sim.softwareVersion, 'latin1'), Buffer.of(0x00)])));
        return;
      case 0x0650: { // End of day §2.16
        if (!this.pwOk(a.data)) return this.refuse(0x6b);
        await accept();
        await this.intermediate([0x0e]);
        const total = Math.max(0, this.sim.ledger.batchKurus());
        this.sim.ledger.add({ kind: 'end-of-day', amountKurus: total, receiptNo: 0, trace: 0 });
        if (!(await this.call(apdu(CMD.statusInfo, Buffer.concat([Buffer.of(0x27, 0x00, 0x04), toBcd(total, 6), this.ccBmp()]))))) return;
        await this.call(apdu(CMD.completion));
        return;
      }
      case 0x06b0: // Abort while idle §2.23
        return accept();
      default:
        return this.refuse(0x83); // §13: function not possible
    }
  }

  private async refuse(code: number): Promise<void> {
    await this.wire.send(apdu([0x84, code]));
  }

  private ccBmp(): Buffer {
    return this.cc ? Buffer.concat([Buffer.of(0x49), this.cc]) : Buffer.alloc(0);
  }

  /** Intermediate status, only when the ECR registered for it (config byte bit 3, §2.1). */
  private async intermediate(codes: number[]): Promise<boolean> {
    for (const c of codes) {
      await this.pause();
      if (this.aborted || this.closed) return false;
      if (((this.sim.configByte ?? 0) & 0x08) !== 0 && !(await this.call(apdu(CMD.intermediate, [c])))) return false;
    }
    return !this.aborted && !this.closed;
  }

  private async endAborted(code: number): Promise<void> {
    await this.call(apdu(CMD.ptAbort, [code]));
  }

  private statusInfo(code: number, kurus: number, trace: number, receiptNo: number, extra: Buffer[] = []): Buffer {
    const now = new Date();
    const d2 = (n: number): string => String(n).padStart(2, '0');
    const parts = [
      Buffer.of(0x27, code, 0x04), toBcd(kurus, 6), this.ccBmp(), Buffer.of(0x0b), toBcd(trace, 3),
      Buffer.of(0x0c), toBcd(`${d2(now.getHours())}${d2(now.getMinutes())}${d2(now.getSeconds())}`, 3),
      Buffer.of(0x0d), toBcd(`${d2(now.getMonth() + 1)}${d2(now.getDate())}`, 2),
      Buffer.of(0x29), toBcd(this.sim.terminalId, 4), ...extra,
    ];
    if (code === 0) {
      // A masked PAN as terminals send it (BMP 22, 'E' = masked digit) and a Mastercard (ZVT card type 6).
      parts.push(this.panBmp(), Buffer.of(0x87), toBcd(receiptNo, 2), Buffer.of(0x8a, 0x06));
      parts.push(Buffer.of(0x8b), varLen(10, 2), Buffer.from('MASTERCARD', 'latin1'));
    }
    return Buffer.concat(parts);
  }

  /** BMP 22, LLVAR BCD: masked as terminals normally send it, or the full PAN when the behaviour plants one. */
  private panBmp(): Buffer {
    const pan = this.sim.behaviour.clearPan;
    if (pan === null || !/^\d{8,19}$/.test(pan)) return Buffer.from('22f0f8eeeeeeeeeeee4771', 'hex');
    const nibbles = pan.length % 2 === 0 ? pan : `${pan}F`;
    return Buffer.concat([Buffer.of(0x22), varLen(nibbles.length / 2, 2), Buffer.from(nibbles, 'hex')]);
  }

  private async payment(kind: 'charge' | 'refund', data: Buffer): Promise<void> {
    const b = this.sim.behaviour;
    const kurus = bcdNumber(parseBmps(data).fields.get(0x04));
    if (kurus === null || kurus <= 0) return this.refuse(0x9a); // §10: protocol error
    await this.wire.send(ACK_APDU);
    if (b.mode === 'stall') return;
    if (b.mode === 'endless') {
      while (!this.closed && !this.aborted) if (!(await this.intermediate([0x0e])) || b.delayMs === 0) await sleep(50);
      if (this.aborted) await this.endAborted(0x6c);
      return;
    }
    if (b.mode === 'await-card') {
      if (!(await this.intermediate([0x0a]))) return this.aborted ? this.endAborted(0x6c) : undefined;
      while (!this.closed && !this.aborted) await sleep(10);
      if (this.aborted) await this.endAborted(0x6c);
      return;
    }
    if (!(await this.intermediate(b.intermediate))) return this.aborted ? this.endAborted(0x6c) : undefined;
    await this.pause();
    if (b.mode === 'decline') {
      const { trace } = this.sim.allocate();
      if (!(await this.call(apdu(CMD.statusInfo, this.statusInfo(b.declineCode, kurus, trace, 0))))) return;
      return this.endAborted(b.declineCode);
    }
    const { trace, receiptNo } = this.sim.allocate();
    const si = this.statusInfo(0, kurus, trace, receiptNo);
    // §2.2.8: booked only after the ECR's acknowledgement; without it, an auto-reversal (nothing booked).
    if (!(await this.call(apdu(CMD.statusInfo, si)))) return;
    this.sim.ledger.add({ kind, amountKurus: kurus, receiptNo, trace });
    this.sim.last = { statusInfo: si, kind, amountKurus: kurus, receiptNo, trace };
    if (b.mode === 'drop-after-authorize') {
      await sleep(5); // let the serial ACK of the ECR's 80 00 leave first, as a real PT's UART would
      return this.sim.unplug();
    }
    await this.pause();
    await this.call(apdu(CMD.completion));
  }

  private async reversal(data: Buffer): Promise<void> {
    const receipt = bcdNumber(parseBmps(data).fields.get(0x87));
    await this.wire.send(ACK_APDU);
    if (!(await this.intermediate([0x0e]))) return this.aborted ? this.endAborted(0x6c) : undefined;
    const orig = receipt === null ? undefined : this.sim.ledger.reversible(receipt);
    if (orig === undefined || orig === 'already-reversed') return this.endAborted(orig === 'already-reversed' ? 0xb4 : 0xb5);
    const { trace, receiptNo } = this.sim.allocate();
    const si = this.statusInfo(0, orig.amountKurus, trace, receiptNo, [Buffer.of(0x37), toBcd(orig.trace, 3)]);
    if (!(await this.call(apdu(CMD.statusInfo, si)))) return;
    this.sim.ledger.add({ kind: 'reversal', amountKurus: orig.amountKurus, receiptNo, trace, reverses: orig.receiptNo });
    this.sim.last = { statusInfo: si, kind: 'reversal', amountKurus: orig.amountKurus, receiptNo, trace };
    await this.call(apdu(CMD.completion));
  }
}
