// What the paper shows: commands from the tokenizer applied to a print head state.
// Text is decoded from the active code table back to Unicode, lines keep their
// alignment and styled spans, QR and barcode payloads are decoded, and each cut
// ends one document. A table the simulator does not know decodes high bytes as
// U+FFFD, so a receipt printed on the wrong table shows it.
import { decodeText, type CodePage } from '../../firmware-ts/src/drivers/printer/encoding.js';
import type { Cmd } from './escpos-parse.js';

export type Align = 'left' | 'center' | 'right';

export interface Span {
  text: string;
  bold: boolean;
  underline: boolean;
  invert: boolean;
  width: number;
  height: number;
}

export type Item =
  | { kind: 'line'; text: string; align: Align; spans: Span[] }
  | { kind: 'qr'; data: string; bytes: Buffer }
  | { kind: 'barcode'; symbology: string; data: string };

export interface PrintedDocument {
  items: Item[];
  /** The text lines, joined with '\n'. */
  text: string;
  lines: string[];
  qr: string[];
  barcodes: { symbology: string; data: string }[];
  cut: 'full' | 'partial' | null;
  /** Code tables selected while printing it (ESC t n). */
  tables: number[];
}

const SYMBOLOGY: Record<number, string> = { 4: 'CODE39', 69: 'CODE39', 72: 'CODE93', 73: 'CODE128', 67: 'EAN13', 2: 'EAN13' };

/** The Epson table numbers this printer knows (ESC t n -> page); clones differ. */
export type CodeTables = Record<number, CodePage>;
export const EPSON_TABLES: CodeTables = { 13: 'CP857', 48: 'CP1254' };
/** Star Line Mode (ESC GS t n): 12 is PC857; Star documents no CP1254 table. */
export const STAR_TABLES: CodeTables = { 12: 'CP857' };

export class Page {
  private style = { bold: false, underline: false, invert: false, width: 1, height: 1 };
  private align: Align = 'left';
  private table = 0;
  private spans: Span[] = [];
  private items: Item[] = [];
  private tables: number[] = [];
  private qrData: Buffer | null = null;
  readonly unknown: string[] = [];

  constructor(
    private readonly codeTables: CodeTables,
    private readonly done: (doc: PrintedDocument) => void,
  ) {}

  apply(c: Cmd): void {
    switch (c.k) {
      case 'text': {
        const cp = this.codeTables[this.table];
        const text = cp ? decodeText(c.bytes, cp) : decodeAscii(c.bytes);
        const last = this.spans[this.spans.length - 1];
        if (last && sameStyle(last, this.style)) last.text += text;
        else this.spans.push({ text, ...this.style });
        return;
      }
      case 'lf':
        this.endLine();
        return;
      case 'feed':
        this.endLine(true);
        return;
      case 'init':
        this.resetModes();
        this.table = 0;
        return;
      case 'mode':
        // ESC ! n: bit 3 emphasized, bit 4 double height, bit 5 double width, bit 7 underline.
        this.style = { ...this.style, bold: (c.n & 0x08) !== 0, height: c.n & 0x10 ? 2 : 1, width: c.n & 0x20 ? 2 : 1, underline: (c.n & 0x80) !== 0 };
        return;
      case 'bold':
        this.style = { ...this.style, bold: c.on };
        return;
      case 'underline':
        this.style = { ...this.style, underline: c.on };
        return;
      case 'invert':
        this.style = { ...this.style, invert: c.on };
        return;
      case 'size':
        this.style = { ...this.style, width: c.w, height: c.h };
        return;
      case 'align':
        // ESC a takes effect at the start of a line only, as on a real printer.
        if (this.spans.length === 0) this.align = c.a;
        else this.pendingAlign = c.a;
        return;
      case 'table':
        this.table = c.n;
        this.tables.push(c.n);
        return;
      case 'cut':
        this.endLine(true);
        this.finish(c.partial ? 'partial' : 'full');
        return;
      case 'barcode':
        this.endLine(true);
        this.items.push(c.symbology ? { kind: 'barcode', symbology: c.symbology, data: c.data.toString('latin1') } : { kind: 'barcode', symbology: SYMBOLOGY[c.type] ?? `type ${c.type}`, data: barcodeText(c.type, c.data) });
        return;
      case 'qr-store':
        this.qrData = c.data;
        return;
      case 'qr-print':
        this.endLine(true);
        if (this.qrData) this.items.push({ kind: 'qr', data: this.qrData.toString('utf8'), bytes: this.qrData });
        return;
      case 'status':
      case 'asb':
      case 'ignored':
        return;
      case 'unknown':
        this.unknown.push(c.bytes.toString('hex'));
        return;
    }
  }

  private pendingAlign: Align | null = null;

  /** Anything printed since the last cut (a document the paper still holds). */
  get open(): boolean {
    return this.items.length > 0 || this.spans.length > 0;
  }

  private resetModes(): void {
    this.style = { bold: false, underline: false, invert: false, width: 1, height: 1 };
    this.align = 'left';
    this.pendingAlign = null;
  }

  private endLine(onlyIfOpen = false): void {
    if (onlyIfOpen && this.spans.length === 0) return;
    const text = this.spans.map((s) => s.text).join('');
    this.items.push({ kind: 'line', text, align: this.align, spans: this.spans });
    this.spans = [];
    if (this.pendingAlign) this.align = this.pendingAlign;
    this.pendingAlign = null;
  }

  private finish(cut: 'full' | 'partial' | null): void {
    const items = this.items;
    const lines = items.flatMap((i) => (i.kind === 'line' ? [i.text] : []));
    this.done({
      items,
      lines,
      text: lines.join('\n'),
      qr: items.flatMap((i) => (i.kind === 'qr' ? [i.data] : [])),
      barcodes: items.flatMap((i) => (i.kind === 'barcode' ? [{ symbology: i.symbology, data: i.data }] : [])),
      cut,
      tables: this.tables,
    });
    this.items = [];
    this.tables = [];
  }
}

function sameStyle(a: Span, b: Omit<Span, 'text'>): boolean {
  return a.bold === b.bold && a.underline === b.underline && a.invert === b.invert && a.width === b.width && a.height === b.height;
}

function decodeAscii(bytes: Buffer): string {
  let s = '';
  for (const b of bytes) s += b < 0x80 ? String.fromCharCode(b) : '\uFFFD';
  return s;
}

/** CODE128 (GS k 73): the data starts with a code set selector ({A {B {C); '{{' is a literal '{'. */
function barcodeText(type: number, data: Buffer): string {
  const s = data.toString('latin1');
  if (type !== 73) return s;
  return s.replace(/^\{[ABC]/, '').replace(/\{\{/g, '{');
}
