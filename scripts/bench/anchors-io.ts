// Same-run anchors for issue 4's rows:
// - node-thermal-printer building the same tahsilat makbuzu (its own text, pair,
//   QR, CODE128 and cut), i.e. what the npm library costs for the same receipt;
// - a bare loopback TCP request/response, the floor under any ZVT exchange.
import { createServer, connect, type AddressInfo } from 'node:net';
import { CharacterSet, PrinterTypes, ThermalPrinter } from 'node-thermal-printer';
import type { PrintDocument } from '../../firmware-ts/src/drivers/printer/render.js';

/** Renders/s of the same document through node-thermal-printer's builder, best of 5 rounds. */
export function anchorNtpRender(doc: PrintDocument, perRound = 2000): number {
  const p = new ThermalPrinter({ type: PrinterTypes.EPSON, interface: 'tcp://127.0.0.1:9', width: 48, characterSet: CharacterSet.PC857_TURKISH });
  const once = () => {
    for (let copy = 0; copy < 2; copy++) {
      for (const b of doc.blocks) {
        if (b.kind === 'text') {
          if (b.style?.align === 'center') p.alignCenter();
          else p.alignLeft();
          p.bold(b.style?.bold === true);
          p.println(b.text);
        } else if (b.kind === 'pair') p.leftRight(b.left, b.right);
        else if (b.kind === 'qr') p.printQR(b.data);
        else if (b.kind === 'barcode') p.code128(b.data);
        else if (b.kind === 'rule') p.drawLine();
      }
      p.cut();
    }
    const n = p.getBuffer().length;
    p.clear();
    return n;
  };
  for (let i = 0; i < 200; i++) once();
  let best = 0;
  for (let r = 0; r < 5; r++) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < perRound; i++) once();
    best = Math.max(best, perRound / (Number(process.hrtime.bigint() - t0) / 1e9));
  }
  return Math.round(best);
}

/** Round trips/s of a bare 32-byte request/response on loopback TCP (noDelay), sequential, like ZVT's. */
export async function anchorTcpRoundTrip(n = 2000): Promise<number> {
  const server = createServer({ noDelay: true }, (s) => s.on('data', (d) => s.write(d)));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const sock = connect({ port: (server.address() as AddressInfo).port, host: '127.0.0.1', noDelay: true });
  await new Promise<void>((r) => sock.once('connect', () => r()));
  const msg = Buffer.alloc(32, 0x06);
  const rt = () => new Promise<void>((r) => {
    sock.once('data', () => r());
    sock.write(msg);
  });
  for (let i = 0; i < 200; i++) await rt();
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) await rt();
  const rate = n / (Number(process.hrtime.bigint() - t0) / 1e9);
  sock.destroy();
  await new Promise<void>((r) => server.close(() => r()));
  return Math.round(rate);
}
