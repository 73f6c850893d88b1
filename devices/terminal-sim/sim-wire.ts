// The simulated terminal's side of the wire: the same framing the gateway speaks
// (PA00P016 §3 serial with ACK/NAK and up to two repeats, §4 bare APDUs on TCP),
// decoded with the driver's own codec and mirrored. Faults can be injected into
// what the terminal sends.
import type { SimPort } from '../../firmware-ts/src/transport/sim-link.js';
import { encodeApdu, type Apdu } from '../../firmware-ts/src/drivers/terminal/apdu.js';
import { ACK, NAK, SerialDecoder, TcpDecoder, encodeSerialFrame, type SerialEvent } from '../../firmware-ts/src/drivers/terminal/framing.js';

export type WireFault = 'none' | 'bad-crc';

export class SimWire {
  private readonly serial: SerialDecoder | null;
  private readonly tcp: TcpDecoder | null;
  private ackWaiter: ((ok: boolean) => void) | null = null;
  private chain: Promise<void> = Promise.resolve();
  fault: WireFault = 'none';
  readonly counters = { nakReceived: 0, nakSent: 0, noAck: 0 };

  constructor(
    private readonly port: SimPort,
    readonly framing: 'tcp' | 'serial',
    private readonly onApdu: (a: Apdu) => void,
    private readonly t2Ms = 1000,
  ) {
    this.serial = framing === 'serial' ? new SerialDecoder() : null;
    this.tcp = framing === 'tcp' ? new TcpDecoder() : null;
    port.on('data', (d) => {
      if (this.serial) this.serial.push(d, this.onSerial);
      else this.tcp!.push(d, (a) => this.onApdu(a));
    });
  }

  private readonly onSerial = (e: SerialEvent): void => {
    if (e.kind === 'ack' || e.kind === 'nak') {
      if (e.kind === 'nak') this.counters.nakReceived++;
      const w = this.ackWaiter;
      this.ackWaiter = null;
      w?.(e.kind === 'ack');
      return;
    }
    if (e.kind === 'bad') {
      this.counters.nakSent++;
      this.port.write(Buffer.of(NAK));
      return;
    }
    this.port.write(Buffer.of(ACK));
    this.onApdu(e.apdu);
  };

  /** Sends an APDU; on serial waits for the ACK, repeating up to twice (PA00P016 §3.5). False: not delivered. */
  send(a: Apdu): Promise<boolean> {
    const p = this.chain.then(() => this.sendNow(a));
    this.chain = p.then(() => undefined, () => undefined);
    return p;
  }

  /** Raw bytes straight onto the wire (for malformed-input tests). */
  raw(b: Buffer): void {
    this.port.write(b);
  }

  private async sendNow(a: Apdu): Promise<boolean> {
    if (!this.port.open) return false;
    if (!this.serial) {
      this.port.write(encodeApdu(a));
      return true;
    }
    let frame = encodeSerialFrame(a);
    if (this.fault === 'bad-crc') {
      frame = Buffer.from(frame);
      frame[frame.length - 1]! ^= 0x5a;
    }
    for (let i = 0; i < 3 && this.port.open; i++) {
      const ok = await new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => {
          this.ackWaiter = null;
          resolve(false);
        }, this.t2Ms);
        this.ackWaiter = (v) => {
          clearTimeout(timer);
          resolve(v);
        };
        this.port.write(frame);
      });
      if (ok) return true;
    }
    // §3.5: after two repeats both sides report a transmission error to the application.
    this.counters.noAck++;
    return false;
  }
}
