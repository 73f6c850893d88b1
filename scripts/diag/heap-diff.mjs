// `node scripts/diag/heap-diff.mjs A.heapsnapshot B.heapsnapshot [N]`: what B holds that A
// did not, by node type and name, largest growth first, and the total. Growth that is
// all `code` (optimised functions, feedback vectors, deopt data) is the JIT warming up;
// growth in objects, strings or arrays is data something keeps (docs/reliability.md).
import { readFileSync } from 'node:fs';

function countByKind(file) {
  const s = JSON.parse(readFileSync(file, 'utf8'));
  const m = s.snapshot.meta;
  const nf = m.node_fields.length;
  const ti = m.node_fields.indexOf('type');
  const ni = m.node_fields.indexOf('name');
  const si = m.node_fields.indexOf('self_size');
  const types = m.node_types[0];
  const c = new Map();
  for (let i = 0; i < s.nodes.length; i += nf) {
    const k = `${types[s.nodes[i + ti]]}:${s.strings[s.nodes[i + ni]].slice(0, 60)}`;
    const e = c.get(k) ?? [0, 0];
    e[0]++;
    e[1] += s.nodes[i + si];
    c.set(k, e);
  }
  return c;
}

const [fa, fb, n = '25'] = process.argv.slice(2);
if (!fa || !fb) {
  console.error('usage: node scripts/diag/heap-diff.mjs A.heapsnapshot B.heapsnapshot [N]');
  process.exit(64);
}
const a = countByKind(fa);
const b = countByKind(fb);
const rows = [];
for (const k of new Set([...a.keys(), ...b.keys()])) {
  const u = a.get(k) ?? [0, 0];
  const v = b.get(k) ?? [0, 0];
  rows.push([k, v[0] - u[0], v[1] - u[1]]);
}
rows.sort((x, y) => y[2] - x[2]);
const total = rows.reduce((t, r) => t + r[2], 0);
const code = rows.filter((r) => r[0].startsWith('code:')).reduce((t, r) => t + r[2], 0);
console.log(`bytes     nodes  type:name (total ${total} bytes, of which code ${code})`);
for (const r of rows.slice(0, Number(n))) console.log(String(r[2]).padStart(9), String(r[1]).padStart(7), r[0]);
