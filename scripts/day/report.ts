// The one-page summary of the day `npm run day` prints: what was done, how fast the
// tablets were answered, what went wrong and was survived, what reached HQ, and the
// verdict of every check.
import type { DayResult } from './day.js';

function pct(xs: number[], p: number): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!;
}

const ms = (x: number) => (Number.isNaN(x) ? '-' : x >= 1000 ? `${(x / 1000).toFixed(1)} s` : `${x.toFixed(0)} ms`);

export function summary(r: DayResult): string {
  const t = r.tally;
  const lines: string[] = [];
  lines.push(`A day in the van (DAY_SCALE ${r.plan.scale}): ${r.plan.daySeconds} s of day, ${r.wallS.toFixed(0)} s wall in all`);
  lines.push('');
  lines.push('Counts');
  lines.push(`  tickets      ${t.ticketsTaken} taken (${t.priorityTaken} priority) + ${t.transfers} by transfer; ${t.completed} served, ${t.noShows} no-shows, ${t.cancels} cancelled, ${t.recalls} recalls`);
  lines.push(`  requests     ${t.requests} (${Object.entries(t.requestsByType).map(([k, v]) => `${k} ${v}`).join(', ')}); ${t.photos} photos; ${r.smsSent}/${t.smsRequested} SMS sent`);
  const p = t.payments;
  lines.push(`  payments     ${p.approved + p.declined + p.needsReview} (${p.approved} approved, ${p.declined} declined, ${p.needsReview} needs review); ${p.voids} void, ${p.refunds} refund; end of day ${t.endOfDay ? (t.endOfDay.flagged ? 'FLAGGED' : 'reconciled') : 'missing'}`);
  lines.push(`  journal      ${r.journalRecords} records; ${r.printedDocuments} documents printed`);
  lines.push('');
  lines.push('Latency, first publish to reply (retries included)');
  lines.push('  family      n      p50      p99      max');
  for (const [fam, xs] of [...r.latencies.byFamily.entries()].sort()) {
    lines.push(`  ${fam.padEnd(10)}${String(xs.length).padStart(3)} ${ms(pct(xs, 50)).padStart(8)} ${ms(pct(xs, 99)).padStart(8)} ${ms(Math.max(...xs)).padStart(8)}`);
  }
  lines.push(`  retried commands (same id): ${r.latencies.retries}`);
  lines.push('');
  lines.push('Outages survived');
  for (const o of [...r.outages].sort((a, b) => a.atS - b.atS)) lines.push(`  at ${o.atS.toFixed(0).padStart(4)} s  ${o.what}, ${o.seconds.toFixed(1)} s: ${o.note}`);
  const kv = t.killVisit;
  lines.push(`  at ${(kv?.atS ?? r.plan.killAtS).toFixed(0).padStart(4)} s  SIGKILL in mid-payment${kv ? ` at ${kv.name}` : ''}: restart ${t.restartMs.join(', ')} ms, payment ${t.killedPayment?.status ?? '-'}`);
  lines.push('');
  lines.push(`To HQ: ${r.bytesToHq.records} records in ${r.bytesToHq.batchesCount} batches, ${(r.bytesToHq.batches / 1024).toFixed(1)} KiB of batches, ${(r.bytesToHq.wire / 1024).toFixed(1)} KiB on the wire (MQTT framing included)`);
  lines.push('');
  lines.push('Checks');
  for (const c of r.checks) lines.push(`  ${c.ok ? 'PASS' : 'FAIL'}  ${c.name}: ${c.detail}`);
  return lines.join('\n');
}
