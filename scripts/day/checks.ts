// The end-of-day checks. Each reads the facts itself - the journal file, HQ's SQLite
// file, the terminal simulator's ledger, the paper the printer simulator printed - and
// says pass or fail with the figures behind the verdict.
import Database from 'better-sqlite3';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Ledger } from '../../devices/terminal-sim/ledger.js';
import type { PrinterSim } from '../../devices/printer-sim/printer-sim.js';
import type { DayTally } from './actors.js';
import type { Planted } from './plan.js';

export interface Check {
  name: string;
  ok: boolean;
  detail: string;
}

export interface JournalRow {
  seq: number;
  id: string;
  class: string;
  type: string;
  payload: string;
}

export function readJournal(file: string): { rows: JournalRow[]; printJobs: { id: string; title: string; bytes: Buffer; done: boolean }[] } {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const rows = db.prepare('SELECT seq, id, class, type, payload FROM journal ORDER BY seq').all() as JournalRow[];
    const jobs = db.prepare('SELECT id, title, bytes, done_at FROM print_jobs ORDER BY seq').all() as { id: string; title: string; bytes: Buffer; done_at: string | null }[];
    return { rows, printJobs: jobs.map((j) => ({ id: j.id, title: j.title, bytes: j.bytes, done: j.done_at !== null })) };
  } finally {
    db.close();
  }
}

const payloadOf = <T>(r: JournalRow): T => JSON.parse(r.payload) as T;
const sortNum = (xs: number[]) => [...xs].sort((a, b) => a - b);
const same = (a: number[], b: number[]) => JSON.stringify(sortNum(a)) === JSON.stringify(sortNum(b));

/** HQ holds each journal record exactly once with the same content, and no cseq gap. */
export function checkHq(hqDb: Database.Database, rows: JournalRow[], vehicle: string, gaps: number): Check {
  const got = hqDb.prepare('SELECT id, seq, class, payload FROM records WHERE vehicle = ?').all(vehicle) as { id: string; seq: number; class: string; payload: string }[];
  const byId = new Map(got.map((r) => [r.id, r]));
  const missing = rows.filter((r) => !byId.has(r.id)).length;
  const ids = new Set(rows.map((r) => r.id));
  const extra = got.filter((r) => !ids.has(r.id)).length;
  const differ = rows.filter((r) => {
    const h = byId.get(r.id);
    return h && (h.seq !== r.seq || h.class !== r.class || JSON.stringify(JSON.parse(h.payload)) !== JSON.stringify(JSON.parse(r.payload)));
  }).length;
  const dupes = (hqDb.prepare('SELECT coalesce(sum(duplicates), 0) AS d FROM batches').get() as { d: number }).d;
  return {
    name: 'HQ has every record exactly once',
    ok: missing === 0 && extra === 0 && differ === 0 && gaps === 0 && got.length === rows.length,
    detail: `journal ${rows.length}, HQ ${got.length}, missing ${missing}, extra ${extra}, differing ${differ}, cseq gaps ${gaps}, duplicates dropped by HQ ${dupes}`,
  };
}

interface Outcome {
  paymentId: string;
  card: { amountKurus: number | null } | null;
  receipt: { series: string; number: number } | null;
}

/** The terminal's ledger and the journal's approved charges, voids and refunds are the same money. */
export function checkLedger(ledger: Ledger, rows: JournalRow[]): Check {
  const amounts = (type: string) => rows.filter((r) => r.type === type).map((r) => payloadOf<Outcome>(r).card?.amountKurus ?? -1);
  const sales = amounts('payment.approved');
  const voids = amounts('payment.void.approved');
  const refunds = amounts('payment.refund.approved');
  const lc = ledger.of('charge').map((e) => e.amountKurus);
  const lv = ledger.of('reversal').map((e) => e.amountKurus);
  const lr = ledger.of('refund').map((e) => e.amountKurus);
  const paymentIds = rows.filter((r) => r.type === 'payment.approved').map((r) => payloadOf<Outcome>(r).paymentId);
  const ok = same(sales, lc) && same(voids, lv) && same(refunds, lr) && new Set(paymentIds).size === paymentIds.length;
  return {
    name: "terminal ledger = journal's approved payments",
    ok,
    detail: `charges ${lc.length} (${sum(lc)} kr) vs approved ${sales.length} (${sum(sales)} kr); reversals ${lv.length} vs voids ${voids.length}; refunds ${lr.length} (${sum(lr)} kr) vs ${refunds.length} (${sum(refunds)} kr)`,
  };
}

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
const FINAL = new Set(['queue.ticket.completed', 'queue.ticket.no_show', 'queue.ticket.cancelled', 'queue.ticket.transferred']);

export function ticketStates(rows: JournalRow[]): Map<string, { number: string; last: string }> {
  const m = new Map<string, { number: string; last: string }>();
  for (const r of rows) {
    if (!r.type.startsWith('queue.ticket.') || r.type === 'queue.ticket.recalled') continue;
    const p = payloadOf<{ ticket: string; number: string }>(r);
    m.set(p.ticket, { number: p.number, last: r.type });
  }
  return m;
}

export function checkTicketsFinal(rows: JournalRow[]): Check {
  const t = ticketStates(rows);
  const open = [...t.entries()].filter(([, v]) => !FINAL.has(v.last));
  const by: Record<string, number> = {};
  for (const v of t.values()) by[v.last.slice(13)] = (by[v.last.slice(13)] ?? 0) + 1;
  return { name: 'every ticket ended in a final state', ok: t.size > 0 && open.length === 0, detail: `${t.size} tickets: ${JSON.stringify(by)}${open.length ? `; open: ${open.slice(0, 5).map(([k, v]) => `${k} ${v.last}`).join(', ')}` : ''}` };
}

/** Every ticket, makbuz and request receipt is on the printed paper, or waits in the durable print queue. */
export function checkReceipts(rows: JournalRow[], printJobs: { bytes: Buffer; done: boolean }[], printer: PrinterSim): Check {
  const paper = printer.documents.map((d) => d.text).join('\n');
  const pending = printJobs.filter((j) => !j.done);
  const pendingText = pending.map((j) => j.bytes.toString('latin1')).join('\n');
  const wanted: string[] = [];
  for (const r of rows) {
    if (r.type === 'queue.ticket.taken') wanted.push(payloadOf<{ number: string }>(r).number);
    if (r.type === 'payment.approved') {
      const rc = payloadOf<Outcome>(r).receipt;
      if (rc) wanted.push(`${rc.series} / ${String(rc.number).padStart(6, '0')}`); // as the makbuz prints it
    }
    if (r.class === 'requests' && r.type === 'requests.created') wanted.push(payloadOf<{ trackingNumber: string }>(r).trackingNumber);
  }
  const lost = wanted.filter((w) => !paper.includes(w) && !pendingText.includes(w));
  const printed = wanted.filter((w) => paper.includes(w)).length;
  return {
    name: 'every receipt printed or listed for reprint',
    ok: wanted.length > 0 && lost.length === 0,
    detail: `${wanted.length} tickets/makbuz/receipts: ${printed} on paper, ${wanted.length - printed - lost.length} waiting in ${pending.length} pending jobs, ${lost.length} lost${lost.length ? ` (${lost.slice(0, 5).join(', ')})` : ''}; ${printer.documents.length} documents printed`,
  };
}

interface Stats {
  taken: number;
  served: number;
  noShows: number;
  cancelled: number;
  transferred: number;
  open: number;
  byService: Record<string, { taken: number; served: number }>;
  byCounter: Record<string, { served: number; called: number }>;
}

export function checkStats(stats: Stats, rows: JournalRow[], tally: DayTally, eod: Record<string, unknown> | null): Check[] {
  const takenRecs = rows.filter((r) => r.type === 'queue.ticket.taken').length;
  const svcTaken = sum(Object.values(stats.byService).map((s) => s.taken));
  const ctrServed = sum(Object.values(stats.byCounter).map((s) => s.served));
  const queueOk =
    stats.taken === takenRecs &&
    stats.taken === tally.ticketsTaken + tally.transfers &&
    stats.taken === stats.served + stats.noShows + stats.cancelled + stats.transferred + stats.open &&
    stats.open === 0 &&
    svcTaken === stats.taken &&
    ctrServed === stats.served &&
    stats.served === tally.completed &&
    stats.noShows === tally.noShows &&
    stats.transferred === tally.transfers;
  const j = (eod?.journal ?? null) as { sales: { count: number; kurus: number }; voids: { count: number; kurus: number }; refunds: { count: number; kurus: number }; netKurus: number } | null;
  const payOk =
    eod !== null &&
    eod.flagged === false &&
    eod.differenceKurus === 0 &&
    j !== null &&
    j.netKurus === j.sales.kurus - j.voids.kurus - j.refunds.kurus &&
    j.sales.count === tally.payments.approved &&
    j.voids.count === tally.payments.voids &&
    j.refunds.count === tally.payments.refunds;
  return [
    {
      name: 'queue statistics add up',
      ok: queueOk,
      detail: `taken ${stats.taken} (journal ${takenRecs}, tablets ${tally.ticketsTaken} + ${tally.transfers} transfers) = served ${stats.served} + no-show ${stats.noShows} + cancelled ${stats.cancelled} + transferred ${stats.transferred} + open ${stats.open}; by service ${svcTaken}, served by counters ${ctrServed}`,
    },
    {
      name: 'end of day reconciles',
      ok: payOk,
      detail: j ? `sales ${j.sales.count} (${j.sales.kurus} kr) - voids ${j.voids.count} - refunds ${j.refunds.count} = net ${j.netKurus} kr; terminal ${String((eod?.terminal as { totalKurus?: number } | undefined)?.totalKurus)}; difference ${String(eod?.differenceKurus)}; flagged ${String(eod?.flagged)}` : 'no end-of-day result',
    },
  ];
}

/** A planted value as a pattern that also finds it split by spaces or dashes. */
function loose(digits: string): RegExp {
  return new RegExp(digits.split('').join('[ -]?'));
}

function filesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir)) {
    const p = join(dir, e);
    if (statSync(p).isDirectory()) out.push(...filesUnder(p));
    else out.push(p);
  }
  return out;
}

export interface Outputs {
  gatewayLog: string;
  displayText: string;
  printedBytes: Buffer;
  tabletMessages: string;
  dataDir: string;
  hqDb: Database.Database;
  journalRows: JournalRow[];
}

/** No planted TC Kimlik No, PAN or phone in clear anywhere a person or HQ could read it. */
export function checkPersonalData(o: Outputs, planted: Planted): Check {
  const secrets = [...planted.tcknList.map((v) => ({ kind: 'TC Kimlik No', re: loose(v) })), { kind: 'PAN', re: loose(planted.pan) }];
  const phones = planted.phones.map((v) => ({ kind: 'phone', re: loose(v) }));
  const leaks: string[] = [];
  const scan = (where: string, text: string, what: { kind: string; re: RegExp }[]) => {
    for (const s of what) if (s.re.test(text)) leaks.push(`${s.kind} in ${where}`);
  };
  // The phone is kept in E.164 in the request record and the SMS outbox by design; nowhere else.
  const everything = [...secrets, ...phones];
  scan('gateway logs', o.gatewayLog, everything);
  scan('display frames', o.displayText, everything);
  scan('printed paper', o.printedBytes.toString('latin1'), everything);
  scan('tablet MQTT messages', o.tabletMessages, everything);
  let bytes = 0;
  for (const f of filesUnder(o.dataDir)) {
    const b = readFileSync(f);
    bytes += b.length;
    scan(`data file ${f.slice(o.dataDir.length + 1)}`, b.toString('latin1'), secrets);
  }
  const withoutPhone = (payload: string) => {
    const p = JSON.parse(payload) as { citizen?: { phone?: unknown } };
    if (p.citizen && typeof p.citizen === 'object') delete p.citizen.phone;
    return JSON.stringify(p);
  };
  scan('journal records (phone outside citizen.phone)', o.journalRows.map((r) => withoutPhone(r.payload)).join('\n'), phones);
  const hq = (o.hqDb.prepare('SELECT payload FROM records').all() as { payload: string }[]).map((r) => r.payload);
  scan('HQ records', hq.join('\n'), secrets);
  scan('HQ records (phone outside citizen.phone)', hq.map(withoutPhone).join('\n'), phones);
  const plantedCount = planted.tcknList.length + planted.phones.length + 1;
  return {
    name: 'no TC Kimlik No, phone or PAN in clear',
    ok: leaks.length === 0,
    detail: `${plantedCount} planted values; scanned ${(o.gatewayLog.length / 1e6).toFixed(1)} MB of logs, ${o.displayText.length} display characters, ${o.printedBytes.length} printed bytes, ${(bytes / 1e6).toFixed(1)} MB of data files, ${hq.length} HQ records${leaks.length ? `; LEAKS: ${[...new Set(leaks)].join('; ')}` : ''}`,
  };
}
