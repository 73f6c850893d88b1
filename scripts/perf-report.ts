// `npm run bench:report -- bench.json`: turns the bench's JSON (`npm run bench -- --json
// bench.json`) into docs/performance.md, with the table, the machine it ran on, and two SVG
// plots beside it: the latency percentiles of every measured round trip, and the rates of
// the throughput rows (sync drain among them) next to their anchors. Plain SVG written by
// hand: a plotting library would be the project's largest dependency for two bar charts.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

interface JsonRow {
  id: string;
  measure: string;
  unit: string;
  ours: number;
  anchor: { name: string; value: number };
  ratio: number;
  target: unknown;
  result: 'PASS' | 'FAIL' | 'info';
  note?: string;
  invalid?: string;
}

interface BenchDoc {
  startedAt: string;
  node: string;
  host: { cpus: number; cpuModel: string; kernel: string; loadavg: number[] };
  options: Record<string, unknown>;
  pass: boolean;
  rows: JsonRow[];
  measurements: unknown;
}

interface Latency {
  name: string;
  p50: number;
  p99: number;
  max: number;
}

/** Checks the document's shape, naming the first field that is wrong. */
export function parseBenchDoc(text: string): BenchDoc {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new Error(`bench.json: not JSON (${(e as Error).message})`);
  }
  const d = doc as Partial<BenchDoc>;
  if (typeof d !== 'object' || d === null) throw new Error('bench.json: must be an object');
  if (typeof d.startedAt !== 'string') throw new Error('startedAt: must be a string');
  if (typeof d.node !== 'string') throw new Error('node: must be a string');
  if (typeof d.host !== 'object' || d.host === null || typeof d.host.cpuModel !== 'string') throw new Error('host: must name cpus, cpuModel, kernel');
  if (!Array.isArray(d.rows) || d.rows.length === 0) throw new Error('rows: must be a non-empty array');
  d.rows.forEach((r: Partial<JsonRow>, i) => {
    if (typeof r.id !== 'string' || typeof r.measure !== 'string') throw new Error(`rows[${i}]: needs id and measure`);
    if (typeof r.result !== 'string') throw new Error(`rows[${i}].result: must be PASS, FAIL or info`);
  });
  return d as BenchDoc;
}

/** Every {p50, p99, max} summary in the measurements, named by its path ("durable.latencyMs"). */
export function latencies(measurements: unknown, path = ''): Latency[] {
  if (typeof measurements !== 'object' || measurements === null) return [];
  const m = measurements as Record<string, unknown>;
  if (typeof m.p50 === 'number' && typeof m.p99 === 'number' && typeof m.max === 'number' && [m.p50, m.p99, m.max].every(Number.isFinite)) {
    return [{ name: path.replace(/\.latencyMs$|LatencyMs$/, ''), p50: m.p50, p99: m.p99, max: m.max }];
  }
  return Object.entries(m).flatMap(([k, v]) => latencies(v, path ? `${path}.${k}` : k));
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const fmt = (n: number) => (Math.abs(n) >= 100 ? n.toFixed(0) : Math.abs(n) >= 10 ? n.toFixed(1) : n.toFixed(2));

/** Horizontal grouped bars on a log axis: one group per item, one bar per series. */
export function barChart(title: string, unit: string, items: { name: string; values: number[] }[], series: string[]): string {
  const colors = ['#1f77b4', '#ff7f0e', '#d62728', '#2ca02c'];
  const labelW = 300;
  const plotW = 520;
  const barH = 9;
  const groupH = series.length * barH + 10;
  const top = 40;
  const h = top + items.length * groupH + 40;
  const all = items.flatMap((i) => i.values).filter((v) => v > 0);
  const lo = Math.pow(10, Math.floor(Math.log10(Math.min(...all))));
  const hi = Math.pow(10, Math.ceil(Math.log10(Math.max(...all))));
  const x = (v: number) => labelW + (plotW * (Math.log10(Math.max(v, lo)) - Math.log10(lo))) / (Math.log10(hi) - Math.log10(lo));
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${labelW + plotW + 80}" height="${h}" font-family="sans-serif" font-size="11">`);
  out.push(`<text x="10" y="18" font-size="14" font-weight="bold">${esc(title)}</text>`);
  series.forEach((s, i) => {
    out.push(`<rect x="${labelW + i * 110}" y="25" width="10" height="10" fill="${colors[i % colors.length]}"/><text x="${labelW + 14 + i * 110}" y="34">${esc(s)}</text>`);
  });
  for (let d = lo; d <= hi; d *= 10) {
    out.push(`<line x1="${x(d)}" y1="${top}" x2="${x(d)}" y2="${h - 30}" stroke="#ddd"/><text x="${x(d)}" y="${h - 16}" text-anchor="middle">${fmt(d)} ${esc(unit)}</text>`);
  }
  items.forEach((it, gi) => {
    const y0 = top + gi * groupH;
    out.push(`<text x="${labelW - 6}" y="${y0 + groupH / 2 + 2}" text-anchor="end">${esc(it.name)}</text>`);
    it.values.forEach((v, si) => {
      const y = y0 + si * barH;
      out.push(`<rect x="${labelW}" y="${y}" width="${Math.max(1, x(v) - labelW)}" height="${barH - 1}" fill="${colors[si % colors.length]}"/>`);
      out.push(`<text x="${x(v) + 3}" y="${y + barH - 2}" font-size="9">${fmt(v)}</text>`);
    });
  });
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}

function table(rows: JsonRow[]): string {
  const lines = ['| row | measure | ours | anchor | ratio | result |', '|---|---|--:|---|--:|---|'];
  for (const r of rows) {
    const ratio = Number.isFinite(r.ratio) ? `${r.ratio >= 10 ? r.ratio.toFixed(1) : r.ratio.toFixed(2)}x` : 'n/a';
    lines.push(`| ${r.id} | ${r.measure.replace(/\|/g, '/')} | ${fmt(r.ours)} ${r.unit} | ${r.anchor.name.replace(/\|/g, '/')}: ${fmt(r.anchor.value)} | ${ratio} | ${r.invalid ? `FAIL (${r.invalid})` : r.result} |`);
  }
  return lines.join('\n');
}

export function renderReport(doc: BenchDoc, files: { latencySvg: string; ratesSvg: string }): string {
  const failed = doc.rows.filter((r) => r.result === 'FAIL');
  return `# Performance

Generated by \`npm run bench -- --json bench.json && npm run bench:report -- bench.json\`; do not edit by hand.
Every row is measured next to its anchor in the same run, on the same machine.

- Run: ${doc.startedAt}, Node ${doc.node}
- Machine: ${doc.host.cpus} x ${doc.host.cpuModel}, kernel ${doc.host.kernel}, load average at the end ${doc.host.loadavg.map((l) => l.toFixed(2)).join(' / ')}
- Options: ${Object.entries(doc.options).map(([k, v]) => `${k} ${String(v)}`).join(', ')}
- Targets: ${doc.pass ? 'all met' : `${failed.length} missed (${failed.map((r) => r.id).join(', ')})`}

${table(doc.rows)}

## Latency percentiles

![latency percentiles](${files.latencySvg})

## Rates next to their anchors

![rates](${files.ratesSvg})
`;
}

function main(): void {
  const { values, positionals } = parseArgs({ options: { out: { type: 'string', default: 'docs' } }, allowPositionals: true, strict: true });
  const file = positionals[0];
  if (!file || positionals.length > 1) throw new Error('usage: npm run bench:report -- BENCH_JSON [--out DIR]');
  const doc = parseBenchDoc(readFileSync(file, 'utf8'));
  const lat = latencies(doc.measurements).filter((l) => l.p50 > 0);
  const rates = doc.rows.filter((r) => r.unit.endsWith('/s') && r.ours > 0 && r.anchor.value > 0);
  const latencySvg = 'performance-latency.svg';
  const ratesSvg = 'performance-rates.svg';
  writeFileSync(join(values.out, latencySvg), barChart('Latency percentiles (ms)', 'ms', lat.map((l) => ({ name: l.name, values: [l.p50, l.p99, l.max] })), ['p50', 'p99', 'max']));
  writeFileSync(join(values.out, ratesSvg), barChart('Rates: ours and the anchor', '/s', rates.map((r) => ({ name: `${r.id} ${r.measure.slice(0, 42)}`, values: [r.ours, r.anchor.value] })), ['ours', 'anchor']));
  writeFileSync(join(values.out, 'performance.md'), renderReport(doc, { latencySvg, ratesSvg }));
  process.stdout.write(`wrote ${join(values.out, 'performance.md')}, ${latencySvg}, ${ratesSvg}\n`);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  try {
    main();
  } catch (e) {
    process.stderr.write(`bench:report: ${(e as Error).message}\n`);
    process.exit(2);
  }
}
