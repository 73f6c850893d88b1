// The one table `npm run bench` prints: every row is our figure next to an anchor
// measured in the same run, the ratio ours/anchor, the target and the verdict.
import { fmtNum, fmtRatio, round } from './stats.js';

/**
 * ratio-min / ratio-max judge ours/anchor; abs-max (<), abs-atmost (<=) and abs-min (>=)
 * judge our figure alone, as an issue states it (the anchor then only gives context);
 * info rows have no target.
 */
export type Target =
  | { kind: 'ratio-min'; value: number }
  | { kind: 'ratio-max'; value: number }
  | { kind: 'abs-max'; value: number }
  | { kind: 'abs-atmost'; value: number }
  | { kind: 'abs-min'; value: number }
  | { kind: 'info' };

export interface Row {
  id: string;
  measure: string;
  ours: number;
  anchorName: string;
  anchor: number;
  unit: string;
  target: Target;
  /** Short text shown under the table, keyed by a footnote mark. */
  note?: string;
  /** Forces a failure (e.g. errors during the run) whatever the numbers say. */
  invalid?: string;
}

export type Verdict = 'PASS' | 'FAIL' | 'info';

export function ratioOf(r: Row): number {
  return r.anchor === 0 ? NaN : r.ours / r.anchor;
}

export function verdict(r: Row): Verdict {
  if (r.invalid) return 'FAIL';
  const ratio = ratioOf(r);
  switch (r.target.kind) {
    case 'ratio-min':
      return ratio >= r.target.value ? 'PASS' : 'FAIL';
    case 'ratio-max':
      return ratio <= r.target.value ? 'PASS' : 'FAIL';
    case 'abs-max':
      return r.ours < r.target.value ? 'PASS' : 'FAIL';
    case 'abs-atmost':
      return r.ours <= r.target.value ? 'PASS' : 'FAIL';
    case 'abs-min':
      return r.ours >= r.target.value ? 'PASS' : 'FAIL';
    case 'info':
      return 'info';
  }
}

function fmtTarget(r: Row): string {
  const t = r.target;
  switch (t.kind) {
    case 'ratio-min':
      return `>= ${t.value}x`;
    case 'ratio-max':
      return `<= ${t.value}x`;
    case 'abs-max':
      return `< ${fmtNum(t.value)} ${r.unit}`;
    case 'abs-atmost':
      return `<= ${fmtNum(t.value)} ${r.unit}`;
    case 'abs-min':
      return `>= ${fmtNum(t.value)} ${r.unit}`;
    case 'info':
      return '-';
  }
}

function fmtValue(v: number, unit: string): string {
  return `${fmtNum(v)} ${unit}`;
}

export function renderTable(rows: readonly Row[]): string {
  const header = ['#', 'measure', 'ours', 'anchor (same run)', 'ratio', 'target', 'result'];
  const notes: string[] = [];
  const body = rows.map((r) => {
    let measure = r.measure;
    if (r.note || r.invalid) {
      notes.push(`[${notes.length + 1}] ${[r.invalid, r.note].filter(Boolean).join('; ')}`);
      measure += ` [${notes.length}]`;
    }
    return [r.id, measure, fmtValue(r.ours, r.unit), `${r.anchorName}: ${fmtValue(r.anchor, r.unit)}`, fmtRatio(ratioOf(r)), fmtTarget(r), verdict(r)];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const numeric = new Set([2, 4]);
  const line = (cells: string[]) =>
    `| ${cells.map((c, i) => (numeric.has(i) ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join(' | ')} |`;
  const sep = `|${widths.map((w, i) => (numeric.has(i) ? `${'-'.repeat(w + 1)}:` : '-'.repeat(w + 2))).join('|')}|`;
  return [line(header), sep, ...body.map(line), '', ...notes].join('\n');
}

export function rowsJson(rows: readonly Row[]) {
  return rows.map((r) => ({
    id: r.id,
    measure: r.measure,
    unit: r.unit,
    ours: round(r.ours),
    anchor: { name: r.anchorName, value: round(r.anchor) },
    ratio: round(ratioOf(r), 4),
    target: r.target,
    result: verdict(r),
    ...(r.note ? { note: r.note } : {}),
    ...(r.invalid ? { invalid: r.invalid } : {}),
  }));
}
