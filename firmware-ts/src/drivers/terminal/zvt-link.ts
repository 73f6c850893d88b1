// One ZVT connection over a Transport: APDUs in, APDUs out, with the transport
// protocol of the chosen framing (PA00P016 §3 serial, §4 TCP). It knows nothing of
// commands. Serial: every received message is answered ACK/NAK at once (§3.2), a
// sent one is repeated up to twice on NAK or after T2 without an answer (§3.4.2,
// §3.5), and a message whose bytes stop for T1 is dropped and NAKed (§3.4.1). TCP: a
// partial APDU that stays incomplete for T3 makes the receiver close the socket
// (PA00P016 §5.2.5 "Timeoutfall b"); the Transport then reconnects.
import { EventEmitter } from 'node:events';
import type { Transport } from '../../transport/transport.js';
import { encodeApdu, type Apdu } from './apdu.js';
import { ACK, NAK, SerialDecoder, TcpDecoder, emptyStats, encodeSerialFrame, type DecoderStats, type SerialEvent } from './framing.js';

export type Framing = 'tcp' | 'serial';

export interface LinkTimings {
  /** T1: longest pause between two bytes of a serial message (200 ms). */
  t1Ms: number;
  /** T2: longest wait for ACK/NAK after a serial message (5 s). */
  t2Ms: number;
  /** How long an incomplete TCP APDU may wait for the rest (T3 case b). */
  partialMs: number;
}

export class LinkError extends Error {
  constructor(
    readonly reason: 'not-connected' | 'link-lost' | 'nak' | 'no-ack',
    message: string,
  ) {
    super(message);
    this.name = 'LinkError';
  }
}

export interface ZvtLinkEvents {
  apdu: [Apdu];
  /** A protocol problem on the wire (bad CRC, NAK, malformed frame...): for health and logs. */
  fault: [string];
}

export class ZvtLink extends EventEmitter<ZvtLinkEvents> {
  private readonly serial: SerialDecoder | null;
  private readonly tcp: TcpDecoder | null;
  private partialTimer: NodeJS.Timeout | null = null;
  /** The serial message waiting for ACK/NAK, if any. */
  private waiting: { onAck: () => void; onNak: () => void } | null = null;
  private sendChain: Promise<void> = Promise.resolve();
  readonly counters = { sent: 0, retransmits: 0, naksSent: 0, naksReceived: 0, ackTimeouts: 0, partialTimeouts: 0, strayAcks: 0 };

  constructor(
    private readonly transport: Transport,
    readonly framing: Framing,
    private readonly t: LinkTimings,
    maxApdu = 0xffff + 5,
  ) {
    super();
    this.serial = framing === 'serial' ? new SerialDecoder(maxApdu) : null;
    this.tcp = framing === 'tcp' ? new TcpDecoder(maxApdu) : null;
  }

  attach(): void {
    this.transport.on('data', this.onData);
    this.transport.on('close', this.onClose);
  }

  detach(): void {
    this.transport.off('data', this.onData);
    this.transport.off('close', this.onClose);
    this.clearPartial();
    this.failWaiting();
  }

  stats(): DecoderStats {
    return (this.serial ?? this.tcp)?.stats ?? emptyStats();
  }

  /** Sends one APDU; resolves when it was written (TCP) or ACKed (serial). */
  send(a: Apdu): Promise<void> {
    const run = (): Promise<void> => (this.serial ? this.sendSerial(a) : this.writeRaw(encodeApdu(a)));
    const p = this.sendChain.then(run, run);
    this.sendChain = p.catch(() => undefined);
    return p;
  }

  private async writeRaw(b: Buffer): Promise<void> {
    if (!this.transport.connected) throw new LinkError('not-connected', 'terminal link is not connected');
    try {
      await this.transport.write(b);
      this.counters.sent++;
    } catch (e) {
      throw new LinkError('link-lost', `write failed: ${(e as Error).message}`);
    }
  }

  private async sendSerial(a: Apdu): Promise<void> {
    const frame = encodeSerialFrame(a);
    for (let attempt = 0; attempt < 3; attempt++) {
      if (attempt > 0) this.counters.retransmits++;
      const answer = new Promise<'ack' | 'nak' | 'timeout'>((resolve) => {
        const timer = setTimeout(() => {
          this.waiting = null;
          resolve('timeout');
        }, this.t.t2Ms);
        this.waiting = {
          onAck: () => (clearTimeout(timer), resolve('ack')),
          onNak: () => (clearTimeout(timer), resolve('nak')),
        };
      });
      try {
        await this.writeRaw(frame);
      } catch (e) {
        this.failWaiting();
        throw e;
      }
      const r = await answer;
      this.waiting = null;
      if (r === 'ack') return;
      if (!this.transport.connected) throw new LinkError('link-lost', 'terminal link closed while waiting for ACK');
      if (r === 'nak') this.counters.naksReceived++;
      else this.counters.ackTimeouts++;
      this.emit('fault', r === 'nak' ? 'terminal answered NAK' : `no ACK/NAK within T2 (${this.t.t2Ms} ms)`);
    }
    throw new LinkError('no-ack', 'terminal did not accept the message after 3 attempts (PA00P016 §3.5)');
  }

  private failWaiting(): void {
    const w = this.waiting;
    this.waiting = null;
    w?.onNak();
  }

  private readonly onClose = (): void => {
    this.clearPartial();
    this.serial?.reset();
    this.tcp?.reset();
    this.failWaiting();
  };

  private readonly onData = (d: Buffer): void => {
    if (this.serial) this.serial.push(d, this.onSerialEvent);
    else this.tcp!.push(d, (a) => this.emit('apdu', a));
    this.armPartial();
  };

  private readonly onSerialEvent = (e: SerialEvent): void => {
    switch (e.kind) {
      case 'ack':
        if (this.waiting) this.waiting.onAck();
        else this.counters.strayAcks++;
        return;
      case 'nak':
        if (this.waiting) this.waiting.onNak();
        else this.counters.strayAcks++;
        return;
      case 'bad':
        this.counters.naksSent++;
        this.emit('fault', `bad message from terminal: ${e.reason}`);
        void this.transport.write(Buffer.of(NAK)).catch(() => undefined);
        return;
      case 'apdu':
        // PA00P016 §3.2: acknowledge at once, before looking at the APDU.
        void this.transport.write(Buffer.of(ACK)).catch(() => undefined);
        this.emit('apdu', e.apdu);
        return;
    }
  };

  private armPartial(): void {
    this.clearPartial();
    const half = this.serial ? this.serial.inFrame : this.tcp!.buffered > 0;
    if (!half) return;
    const ms = this.serial ? this.t.t1Ms : this.t.partialMs;
    this.partialTimer = setTimeout(() => {
      this.partialTimer = null;
      this.counters.partialTimeouts++;
      if (this.serial) {
        this.serial.reset();
        this.counters.naksSent++;
        this.emit('fault', `message from terminal stopped mid-way for T1 (${ms} ms)`);
        void this.transport.write(Buffer.of(NAK)).catch(() => undefined);
      } else {
        this.tcp!.reset();
        this.emit('fault', `incomplete APDU from terminal for ${ms} ms (length beyond the data sent); reconnecting`);
        void this.transport.reopen().catch(() => undefined);
      }
    }, ms);
    this.partialTimer.unref();
  }

  private clearPartial(): void {
    if (this.partialTimer) clearTimeout(this.partialTimer);
    this.partialTimer = null;
  }
}
