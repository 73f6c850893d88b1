// Human output helpers: aligned tables (widths by visible characters, so colour
// codes do not skew columns), coloured health words, ages ("12 s ago"), sizes.
import type { HealthState } from '../lifecycle.js';
import { color } from './output.js';

// eslint-disable-next-line no-control-regex
const ANSI = /\x1b\[[0-9;]*m/g;
const visible = (s: string): number => [...s.replace(ANSI, '')].length;

/** Rows of cells as aligned columns, two spaces apart; the last column is not padded. */
export function table(rows: string[][], header?: string[]): string {
  const all = header ? [header.map((h) => color.bold(h)), ...rows] : rows;
  const widths: number[] = [];
  for (const r of all) r.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, visible(c))));
  return all.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c + ' '.repeat((widths[i] ?? 0) - visible(c)))).join('  ').trimEnd()).join('\n') + '\n';
}

export function stateWord(s: string): string {
  switch (s as HealthState) {
    case 'ok':
      return color.green('ok');
    case 'degraded':
      return color.yellow('degraded');
    case 'failed':
      return color.red('FAILED');
    case 'absent':
      return color.dim('absent');
    default:
      return s;
  }
}

/** "12 s ago", "5 min ago", "3 h ago", "2 d ago"; "in 4 s" for the future; "-" for none. */
export function age(iso: string | null | undefined, now = Date.now()): string {
  if (!iso) return '-';
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return iso;
  const d = Math.round((now - t) / 1000);
  const a = Math.abs(d);
  const text = a < 120 ? `${a} s` : a < 7200 ? `${Math.round(a / 60)} min` : a < 172_800 ? `${Math.round(a / 3600)} h` : `${Math.round(a / 86_400)} d`;
  return d >= 0 ? `${text} ago` : `in ${text}`;
}

/** A duration in seconds as "3 d 4 h", "2 h 5 min", "42 s". */
export function duration(s: number): string {
  if (s < 120) return `${Math.round(s)} s`;
  if (s < 7200) return `${Math.floor(s / 60)} min`;
  if (s < 172_800) return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
  return `${Math.floor(s / 86_400)} d ${Math.floor((s % 86_400) / 3600)} h`;
}

export function bytes(n: number | null | undefined): string {
  if (n === null || n === undefined) return '-';
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(v < 10 ? 1 : 0)} ${units[i]}`;
}
