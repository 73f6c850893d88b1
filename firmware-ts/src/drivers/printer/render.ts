// Rendering: a PrintDocument (plain JSON, so services/receipts can build and journal
// it) becomes the bytes of one print job. node-thermal-printer's EPSON/STAR types
// build the style, alignment, size and cut commands; text goes through our own
// code-page encoder, QR and CODE128 through escpos.ts.
//
// Every copy starts with `ESC @` + `ESC t n` (or `ESC GS t n`): the library's cut()
// ends with `ESC @`, which puts the printer back on its power-on code table, so
// without the reselect the second copy of a receipt would print Turkish letters
// from the wrong table. Each copy is the same body bytes, so all copies decode alike.
import { PrinterTypes, ThermalPrinter } from 'node-thermal-printer';
import { applyStandIns, encodeText, trUpper, type CodePage } from './encoding.js';
import { code128, INIT, qrCode, resolveCodeTable, selectCodeTable, type PrinterType, type QrCorrection } from './escpos.js';
import { len, rule, twoColumns, wrap, type WidthChars } from './layout.js';

export type Align = 'left' | 'center' | 'right';
export type TextSize = 'normal' | 'double-height' | 'double-width' | 'double';

export interface TextStyle {
  align?: Align;
  bold?: boolean;
  underline?: boolean;
  /** White on black (`GS B 1`). */
  invert?: boolean;
  size?: TextSize;
  /** Turkish-aware upper case (i -> İ). */
  upper?: boolean;
}

export type Block =
  | { kind: 'text'; text: string; style?: TextStyle }
  | { kind: 'pair'; left: string; right: string; style?: TextStyle }
  | { kind: 'rule'; char?: string }
  | { kind: 'qr'; data: string; size?: number; correction?: QrCorrection; align?: Align }
  | { kind: 'barcode'; data: string; height?: number; align?: Align }
  | { kind: 'feed'; lines: number };

export interface PrintDocument {
  title: string;
  blocks: Block[];
}

export interface PrinterProfile {
  type: PrinterType;
  codePage: CodePage;
  /** The `ESC t n` table number; defaults per make (escpos.ts). */
  codePageTable?: number;
  widthChars: WidthChars;
}

export interface RenderResult {
  bytes: Buffer;
  /** Characters no code page byte could print (they came out as '?'). */
  unmapped: string[];
}

/** Columns at a size: double width halves them. */
export function columnsFor(widthChars: number, size: TextSize = 'normal'): number {
  return size === 'double-width' || size === 'double' ? Math.floor(widthChars / 2) : widthChars;
}

function builder(type: PrinterType): ThermalPrinter {
  // No interface: used only to build bytes (getBuffer/clear); our Transport sends them.
  return new ThermalPrinter({ type: type === 'star' ? PrinterTypes.STAR : PrinterTypes.EPSON } as ConstructorParameters<typeof ThermalPrinter>[0]);
}

function setAlign(p: ThermalPrinter, a: Align | undefined): void {
  if (a === 'center') p.alignCenter(); // ESC a 1
  else if (a === 'right') p.alignRight(); // ESC a 2
  else p.alignLeft(); // ESC a 0
}

function setStyle(p: ThermalPrinter, s: TextStyle): void {
  setAlign(p, s.align);
  // Size first: Epson's `ESC ! n` also clears emphasis and underline.
  if (s.size === 'double') p.setTextQuadArea();
  else if (s.size === 'double-height') p.setTextDoubleHeight();
  else if (s.size === 'double-width') p.setTextDoubleWidth();
  if (s.bold) p.bold(true); // ESC E 1
  if (s.underline) p.underline(true); // ESC - 1
  if (s.invert) p.invert(true); // GS B 1
}

function resetStyle(p: ThermalPrinter, s: TextStyle): void {
  if (s.invert) p.invert(false);
  if (s.underline) p.underline(false);
  if (s.bold) p.bold(false);
  if (s.size && s.size !== 'normal') p.setTextNormal(); // ESC ! 0
  if (s.align && s.align !== 'left') p.alignLeft();
}

/** Renders the body of one copy (no init, no cut). */
function renderBody(doc: PrintDocument, profile: PrinterProfile, unmapped: string[]): Buffer {
  const p = builder(profile.type);
  const line = (text: string): void => {
    const enc = encodeText(text, profile.codePage);
    unmapped.push(...enc.unmapped);
    p.add(enc.bytes);
    p.newLine(); // LF
  };
  for (const b of doc.blocks) {
    switch (b.kind) {
      case 'text':
      case 'pair': {
        const s = b.style ?? {};
        const cols = columnsFor(profile.widthChars, s.size);
        const up = (t: string): string => applyStandIns(s.upper ? trUpper(t) : t);
        const lines = b.kind === 'text' ? wrap(up(b.text), cols) : twoColumns(up(b.left), up(b.right), cols);
        setStyle(p, s);
        for (const l of lines) line(l);
        resetStyle(p, s);
        break;
      }
      case 'rule':
        line(rule(profile.widthChars, b.char ?? '-'));
        break;
      case 'qr':
        setAlign(p, b.align ?? 'center');
        p.add(qrCode(profile.type, b.data, { size: b.size, correction: b.correction }));
        p.newLine();
        p.alignLeft();
        break;
      case 'barcode':
        setAlign(p, b.align ?? 'center');
        p.add(code128(profile.type, b.data, b.height));
        p.newLine();
        p.alignLeft();
        break;
      case 'feed':
        for (let i = 0; i < Math.max(0, Math.min(b.lines, 20)); i++) p.newLine();
        break;
    }
  }
  return p.getBuffer() ?? Buffer.alloc(0);
}

/** Renders a document as one job of `copies` identical copies, each ending in a cut. */
export function renderDocument(doc: PrintDocument, profile: PrinterProfile, copies = 1): RenderResult {
  if (!Number.isInteger(copies) || copies < 1 || copies > 9) throw new RangeError('copies must be 1..9');
  const unmapped: string[] = [];
  const body = renderBody(doc, profile, unmapped);
  const head = Buffer.concat([INIT, selectCodeTable(profile.type, resolveCodeTable(profile.type, profile.codePage, profile.codePageTable))]);
  const tail = builder(profile.type);
  tail.cut(); // feed (Epson `ESC d 4`, Star VT), full cut (`GS V 0` / Star `ESC d 2`), then `ESC @`
  const cut = tail.getBuffer();
  const one = Buffer.concat([head, body, cut]);
  return { bytes: Buffer.concat(Array.from({ length: copies }, () => one)), unmapped };
}

/** A fluent way to build a PrintDocument. */
export class DocumentBuilder {
  private readonly blocks: Block[] = [];
  constructor(private readonly title: string) {}
  text(text: string, style?: TextStyle): this {
    this.blocks.push(style ? { kind: 'text', text, style } : { kind: 'text', text });
    return this;
  }
  pair(left: string, right: string, style?: TextStyle): this {
    this.blocks.push(style ? { kind: 'pair', left, right, style } : { kind: 'pair', left, right });
    return this;
  }
  rule(char?: string): this {
    this.blocks.push(char ? { kind: 'rule', char } : { kind: 'rule' });
    return this;
  }
  qr(data: string, opts: { size?: number; correction?: QrCorrection } = {}): this {
    this.blocks.push({ kind: 'qr', data, ...opts });
    return this;
  }
  barcode(data: string, height?: number): this {
    this.blocks.push(height ? { kind: 'barcode', data, height } : { kind: 'barcode', data });
    return this;
  }
  feed(lines = 1): this {
    this.blocks.push({ kind: 'feed', lines });
    return this;
  }
  build(): PrintDocument {
    return { title: this.title, blocks: [...this.blocks] };
  }
}

export { len };
