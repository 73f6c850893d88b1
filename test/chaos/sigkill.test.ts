// Chaos: SIGKILL the gateway in the middle of a command load, again and again, and
// prove DESIGN.md non-negotiables 1 and 2 on the journal it leaves behind:
// every acknowledged command is there exactly once with the seq it was acknowledged
// with, retries never write twice, a retry after the ack returns the first answer,
// and the SQLite file is intact.
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { GatewayProcess, killAllGateways, STAFF } from '../helpers/gateway-process.js';
import { Ledger, LoadClient } from './load-client.js';

const CLIENTS = 10;
const KILLS = 5;

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const randomInt = (lo: number, hi: number) => lo + Math.floor(Math.random() * (hi - lo + 1));

/** Polls `cond`; gives up early (with the violations) as soon as the ledger saw one. */
async function waitFor(what: string, cond: () => boolean, timeoutMs: number, ledger: Ledger, context: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (ledger.violations.length > 0) {
      throw new Error(`while waiting for ${what}: ${ledger.violations.length} violations, first ones:\n${ledger.violations.slice(0, 10).join('\n')}\n${context()}`);
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}\n${context()}`);
    await sleep(20);
  }
}

/** How many of `ids` the journal holds, read right after a crash through a read-only connection. */
function countJournaled(file: string, ids: readonly string[]): number {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const stmt = db.prepare('SELECT count(*) AS n FROM journal WHERE command_id = ?');
    return ids.reduce((sum, id) => sum + (stmt.get(id) as { n: number }).n, 0);
  } finally {
    db.close();
  }
}

interface KillRecord {
  cycle: number;
  afterMs: number;
  inFlight: number;
  /** In flight at the kill, unanswered, yet already in the journal: the retry must replay. */
  committedUnanswered: number;
  acksBefore: number;
  exit: string;
}

describe('chaos: SIGKILL under command load', () => {
  let gw: GatewayProcess | null = null;
  let clients: LoadClient[] = [];
  let failed = true;

  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close().catch(() => undefined)));
    await killAllGateways();
    if (gw) {
      if (failed) console.error(`sigkill chaos: files kept in ${gw.files.dir}\n--- gateway output (tail) ---\n${gw.tail(3000)}`);
      await gw.dispose(failed);
    }
  });

  it(`keeps every acknowledged command exactly once across ${KILLS} SIGKILL/restart cycles with ${CLIENTS} retrying clients`, async () => {
    gw = await GatewayProcess.create({ staffLimits: { publishPerSecond: 100_000, burst: 100_000 } });
    const g = gw;
    const ledger = new Ledger();
    const context = () =>
      `acks=${ledger.acks} unacked=${ledger.unacked.length} violations=${ledger.violations.length}\n` +
      `clients: ${clients.map((c) => `${c.clientId} connects=${c.connects} inFlight=${c.inFlight} idle=${c.idle}`).join('; ')}\n` +
      `--- gateway output (tail) ---\n${g.tail(2000)}`;

    await g.start();
    clients = Array.from({ length: CLIENTS }, (_, i) => new LoadClient(i, ledger, { url: g.files.url, ...STAFF }));
    for (const c of clients) c.start();

    const kills: KillRecord[] = [];
    for (let cycle = 1; cycle <= KILLS; cycle++) {
      // Load must be flowing on this run before the kill: wait for fresh acknowledgements.
      const mark = ledger.acks;
      await waitFor(`acknowledgements after start #${g.starts}`, () => ledger.acks >= mark + CLIENTS, 20_000, ledger, context);
      // Some of the re-sent commands were acknowledged before: their answers must carry the same seq.
      for (const c of clients) {
        const mine = ledger.acked.filter((x) => x.client === c.index);
        c.reprobe(mine.sort(() => Math.random() - 0.5).slice(0, 2).map((x) => x.id));
      }
      const afterMs = randomInt(300, 1500);
      await sleep(afterMs);
      expect(g.running, `gateway died on its own before kill #${cycle}\n${context()}`).toBe(true);
      const inFlightIds = clients.flatMap((c) => [...c.pending.keys()]);
      const acksBefore = ledger.acks;
      const exit = await g.kill('SIGKILL');
      expect(exit?.signal, `kill #${cycle} did not end the gateway by SIGKILL (it exited by itself?)\n${context()}`).toBe('SIGKILL');
      // Which commands in flight at the kill had already been committed (their answer was lost)?
      // Their retries after the restart must be answered from the idempotency table.
      const stillUnanswered = inFlightIds.filter((id) => ledger.commands.get(id)?.ackSeq === undefined);
      const committedUnanswered = countJournaled(g.files.journalFile, stillUnanswered);
      kills.push({ cycle, afterMs, inFlight: inFlightIds.length, committedUnanswered, acksBefore, exit: `${exit?.code}/${exit?.signal}` });
      await sleep(randomInt(0, 250)); // clients see refused connections for a while
      await g.start();
    }

    // Final run: stop creating commands, let every client retry until all are acknowledged.
    const mark = ledger.acks;
    await waitFor('acknowledgements after the last restart', () => ledger.acks >= mark + CLIENTS, 20_000, ledger, context);
    for (const c of clients) c.generating = false;
    await waitFor('every command acknowledged', () => ledger.unacked.length === 0 && clients.every((c) => c.idle), 30_000, ledger, context);

    // A retry after the ack, for a sample of every client's commands from all runs.
    const replaysBefore = ledger.replays;
    let probes = 0;
    for (const c of clients) {
      const mine = ledger.acked.filter((x) => x.client === c.index).sort(() => Math.random() - 0.5).slice(0, 10);
      probes += mine.length;
      c.reprobe(mine.map((x) => x.id));
    }
    await waitFor('answers to the re-sent acknowledged commands', () => ledger.replays >= replaysBefore + probes && clients.every((c) => c.idle), 20_000, ledger, context);

    // One last crash, then read what is on disk.
    await g.kill('SIGKILL');
    await Promise.all(clients.map((c) => c.close()));
    clients = [];

    console.log(
      `sigkill chaos: ${ledger.commands.size} commands, ${ledger.acks} acknowledged, ${ledger.replays} replayed answers ` +
        `(${ledger.replaysSameSeq} same seq), ${ledger.retryableErrors} retryable errors; kills: ${JSON.stringify(kills)}`,
    );

    expect(ledger.violations, 'protocol violations seen by the clients').toEqual([]);
    expect(kills.length).toBe(KILLS);
    expect(kills.filter((k) => k.inFlight > 0).length, `no kill landed mid-load: ${JSON.stringify(kills)}`).toBeGreaterThan(0);
    expect(ledger.acks).toBeGreaterThanOrEqual(CLIENTS * (KILLS + 1));
    expect(ledger.replays).toBeGreaterThanOrEqual(probes);
    expect(ledger.replaysSameSeq).toBe(ledger.replays);

    const db = new Database(g.files.journalFile, { readonly: true, fileMustExist: true });
    try {
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
      expect(db.pragma('foreign_key_check')).toEqual([]);

      const dup = db
        .prepare('SELECT command_id, count(*) AS n FROM journal WHERE command_id IS NOT NULL GROUP BY command_id HAVING n > 1')
        .all() as { command_id: string; n: number }[];
      expect(dup, 'command ids written more than once').toEqual([]);

      const rows = db.prepare('SELECT seq, id, command_id, payload FROM journal').all() as { seq: number; id: string; command_id: string | null; payload: string }[];
      const byCommand = new Map(rows.filter((r) => r.command_id !== null).map((r) => [r.command_id!, r]));
      const problems: string[] = [];
      for (const cmd of ledger.commands.values()) {
        const row = byCommand.get(cmd.id);
        if (!row) problems.push(`acknowledged ${cmd.id} (seq ${cmd.ackSeq}) is missing from the journal`);
        else if (row.seq !== cmd.ackSeq || row.id !== cmd.recordId) problems.push(`${cmd.id} acknowledged as seq ${cmd.ackSeq}/${cmd.recordId}, journal has seq ${row.seq}/${row.id}`);
        else if ((JSON.parse(row.payload) as { text?: string }).text !== cmd.text) problems.push(`${cmd.id} journaled with another text`);
      }
      for (const r of rows) if (r.command_id !== null && !ledger.commands.has(r.command_id)) problems.push(`journal seq ${r.seq} has unknown command id ${r.command_id}`);
      expect(problems.slice(0, 20), `${problems.length} journal problems`).toEqual([]);
      expect(byCommand.size).toBe(ledger.commands.size);

      // The exactly-once bookkeeping agrees: one outbox row and one remembered answer per record.
      const count = (sql: string) => (db.prepare(sql).get() as { n: number }).n;
      expect(count('SELECT count(*) AS n FROM outbox')).toBe(rows.length);
      expect(count('SELECT count(*) AS n FROM commands')).toBe(ledger.commands.size);
      const answers = db.prepare('SELECT id, answer FROM commands').all() as { id: string; answer: string }[];
      for (const a of answers) {
        const doc = JSON.parse(a.answer) as { result?: { seq?: number } };
        expect(doc.result?.seq, `stored answer for ${a.id}`).toBe(ledger.commands.get(a.id)?.ackSeq);
      }
    } finally {
      db.close();
    }
    failed = false;
  });
});
