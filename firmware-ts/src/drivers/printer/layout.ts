// Column layout for a fixed-pitch receipt: 42 columns on 58/80 mm printers in font A
// with narrow margins, 48 on 80 mm in font A. Text is laid out *after* the stand-ins
// (₺ -> TL) are applied, so a column is one byte on the paper.

export type WidthChars = 42 | 48;

/** Splits text into lines of at most `cols` characters, at spaces where possible. */
export function wrap(text: string, cols: number): string[] {
  if (cols < 1) throw new RangeError('cols must be >= 1');
  const out: string[] = [];
  for (const para of text.split('\n')) {
    let rest = para.replace(/\s+$/, '');
    if (rest === '') {
      out.push('');
      continue;
    }
    while ([...rest].length > cols) {
      const chars = [...rest];
      const head = chars.slice(0, cols + 1).join('');
      let cut = head.lastIndexOf(' ');
      if (cut <= 0) cut = cols;
      const line = [...rest].slice(0, cut).join('');
      out.push(line.replace(/\s+$/, ''));
      rest = chars.slice(cut).join('').replace(/^ +/, '');
    }
    if (rest !== '') out.push(rest);
  }
  return out;
}

export function len(s: string): number {
  return [...s].length;
}

/** Left text and right text on one line, padded apart; long left text wraps above the right column. */
export function twoColumns(left: string, right: string, cols: number): string[] {
  const r = len(right);
  if (r >= cols - 1) return [...wrap(left, cols), ' '.repeat(Math.max(0, cols - r)) + right];
  const leftLines = wrap(left, cols - r - 1);
  if (leftLines.length === 0) leftLines.push('');
  const last = leftLines.pop() ?? '';
  return [...leftLines, last + ' '.repeat(cols - len(last) - r) + right];
}

/** A rule across the paper. */
export function rule(cols: number, ch = '-'): string {
  return ch.repeat(cols);
}
