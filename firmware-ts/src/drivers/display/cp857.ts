// IBM code page 857 (DOS Turkish), the character set of the LED board's font ROM.
// Bytes 0x20-0x7E are ASCII; 0x80-0xFF follow IBM's CP857 table (the same table as
// iconv-lite's cp857). 0xD5, 0xE7 and 0xF2 are undefined in CP857 and are never sent.
// Control bytes 0x00-0x1F and 0x7F are never text: the framing reserves them.

const HIGH =
  'ÇüéâäàåçêëèïîıÄÅÉæÆôöòûùİÖÜø£ØŞşáíóúñÑĞğ¿®¬½¼¡«»░▒▓│┤ÁÂÀ©╣║╗╝¢¥┐└┴┬├─┼ãÃ╚╔╩╦╠═╬¤ºªÊËÈ\uFFFDÍÎÏ┘┌█▄¦Ì▀ÓßÔÒõÕµ\uFFFD×ÚÛÙìÿ¯´\u00AD±\uFFFD¾¶§÷¸°¨·¹³²■\u00A0';

const TO_BYTE = new Map<string, number>();
const TO_CHAR: string[] = [];
for (let b = 0; b < 256; b++) {
  let ch: string;
  if (b >= 0x20 && b <= 0x7e) ch = String.fromCharCode(b);
  else if (b >= 0x80) ch = HIGH[b - 0x80] ?? '\uFFFD';
  else ch = '\uFFFD';
  TO_CHAR.push(ch);
  if (ch !== '\uFFFD') TO_BYTE.set(ch, b);
}

export class Cp857Error extends Error {
  constructor(
    readonly char: string,
    readonly index: number,
  ) {
    super(`character ${JSON.stringify(char)} (U+${char.codePointAt(0)?.toString(16).toUpperCase().padStart(4, '0')}) at position ${index} has no CP857 byte`);
    this.name = 'Cp857Error';
  }
}

/** Text to CP857 bytes; throws Cp857Error naming the first character the board cannot show. */
export function encodeCp857(text: string): Buffer {
  const out: number[] = [];
  let i = 0;
  for (const ch of text) {
    // The Turkish lira sign is not in CP857; boards and receipts write "TL".
    if (ch === '₺') {
      out.push(0x54, 0x4c);
    } else {
      const b = TO_BYTE.get(ch);
      if (b === undefined) throw new Cp857Error(ch, i);
      out.push(b);
    }
    i++;
  }
  return Buffer.from(out);
}

/** CP857 bytes to text; undefined and control bytes come out as U+FFFD. */
export function decodeCp857(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += TO_CHAR[b];
  return s;
}

/** True for the bytes the board's font can show (printable ASCII and defined high half). */
export function isCp857Text(b: number): boolean {
  return TO_CHAR[b] !== '\uFFFD';
}
