// Turkish text for ESC/POS printers: Unicode <-> the printer's single-byte code page.
// The printer is told which table to use with `ESC t n` (Epson) or `ESC GS t n`
// (Star); the table *number* differs between makes and clones (CP857 is 13 on Epson,
// 12 on Star; CP1254 is 48 on some Epson-compatibles), so it is configurable per
// printer (options.ts), while the byte values below are fixed by the code pages.
//
// The tables are our own (not node-thermal-printer's iconv path): that path falls
// back to *switching code pages* mid-text for any character the active page lacks,
// which leaves the printer on a different table than the next copy expects. Here an
// unmappable character becomes a plain ASCII stand-in or '?', and is counted.

export type CodePage = 'CP857' | 'CP1254';
export const CODE_PAGES: readonly CodePage[] = ['CP857', 'CP1254'];

/** Bytes 0x80..0xFF of each page; U+FFFD marks an undefined byte. */
const HIGH: Record<CodePage, string> = {
  // IBM code page 857 (Turkish DOS): Ç=80 ı=8D İ=98 Ö=99 Ü=9A Ş=9E ş=9F Ğ=A6 ğ=A7.
  CP857:
    'ÇüéâäàåçêëèïîıÄÅÉæÆôöòûùİÖÜø£ØŞşáíóúñÑĞğ¿®¬½¼¡«»░▒▓│┤ÁÂÀ©╣║╗╝¢¥┐└┴┬├─┼ãÃ╚╔╩╦╠═╬¤ºªÊËÈ\uFFFDÍÎÏ┘┌█▄¦Ì▀ÓßÔÒõÕµ\uFFFD×ÚÛÙìÿ¯´\u00AD±\uFFFD¾¶§÷¸°¨·¹³²■\u00A0',
  // Windows-1254 (Turkish ANSI): Ğ=D0 İ=DD Ş=DE ğ=F0 ı=FD ş=FE.
  CP1254:
    '€\uFFFD‚ƒ„…†‡ˆ‰Š‹Œ\uFFFD\uFFFD\uFFFD\uFFFD‘’“”•–—˜™š›œ\uFFFD\uFFFDŸ\u00A0¡¢£¤¥¦§¨©ª«¬\u00AD®¯°±²³´µ¶·¸¹º»¼½¾¿ÀÁÂÃÄÅÆÇÈÉÊËÌÍÎÏĞÑÒÓÔÕÖ×ØÙÚÛÜİŞßàáâãäåæçèéêëìíîïğñòóôõö÷øùúûüışÿ',
};

/** Characters no Turkish code page has, and what prints instead. "TL" stands for ₺ (U+20BA). */
const STAND_INS: Record<string, string> = {
  '₺': 'TL',
  '€': 'EUR',
  '‘': "'",
  '’': "'",
  '“': '"',
  '”': '"',
  '–': '-',
  '—': '-',
  '…': '...',
  '\u00A0': ' ',
  '\t': ' ',
};

interface Table {
  enc: Map<string, number>;
  dec: string[];
}

const TABLES = new Map<CodePage, Table>();

function table(cp: CodePage): Table {
  let t = TABLES.get(cp);
  if (t) return t;
  const dec: string[] = [];
  const enc = new Map<string, number>();
  for (let b = 0; b < 0x80; b++) dec.push(String.fromCharCode(b));
  const high = [...HIGH[cp]];
  if (high.length !== 128) throw new Error(`${cp}: table has ${high.length} entries, expected 128`);
  high.forEach((ch, i) => {
    dec.push(ch);
    if (ch !== '\uFFFD' && !enc.has(ch)) enc.set(ch, 0x80 + i);
  });
  t = { enc, dec };
  TABLES.set(cp, t);
  return t;
}

export interface Encoded {
  bytes: Buffer;
  /** Characters that had no byte in the page and printed as '?'. */
  unmapped: string[];
}

/**
 * Encodes text for the printer. Printable ASCII passes through; LF is kept (the
 * renderer emits line ends itself, so callers pass single lines); other control
 * characters are dropped, since they would be read as commands (ESC, GS, DLE ...).
 */
export function encodeText(text: string, cp: CodePage): Encoded {
  const t = table(cp);
  const out: number[] = [];
  const unmapped: string[] = [];
  // NFC first: "İ" typed as I + U+0307 must become the single CP857 byte 0x98.
  for (const ch of text.normalize('NFC')) {
    const c = ch.charCodeAt(0);
    if (ch.length === 1 && c >= 0x20 && c < 0x7f) {
      out.push(c);
      continue;
    }
    if (ch === '\n') {
      out.push(0x0a);
      continue;
    }
    const b = t.enc.get(ch);
    if (b !== undefined) {
      out.push(b);
      continue;
    }
    const alt = STAND_INS[ch];
    if (alt !== undefined) {
      for (const a of alt) out.push(t.enc.get(a) ?? a.charCodeAt(0));
      continue;
    }
    if (c < 0x20 || c === 0x7f) continue;
    unmapped.push(ch);
    out.push(0x3f);
  }
  return { bytes: Buffer.from(out), unmapped };
}

/** Decodes printer bytes back to Unicode (the simulator's side, and tests). */
export function decodeText(bytes: Uint8Array, cp: CodePage): string {
  const dec = table(cp).dec;
  let s = '';
  for (const b of bytes) s += dec[b] ?? '\uFFFD';
  return s;
}

/** How many columns a text takes once encoded: stand-ins are wider than their source. */
export function printedLength(text: string): number {
  let n = 0;
  for (const ch of text.normalize('NFC')) n += STAND_INS[ch]?.length ?? 1;
  return n;
}

/** Replaces the stand-in characters before layout, so column counts match the paper. */
export function applyStandIns(text: string): string {
  let s = '';
  for (const ch of text.normalize('NFC')) s += STAND_INS[ch] ?? ch;
  return s;
}

/** Turkish-aware upper case: i -> İ, ı -> I (plain toUpperCase turns i into I). */
export function trUpper(text: string): string {
  return text.toLocaleUpperCase('tr-TR');
}

/** Turkish-aware lower case: I -> ı, İ -> i. */
export function trLower(text: string): string {
  return text.toLocaleLowerCase('tr-TR');
}
