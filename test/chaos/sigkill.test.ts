// Chaos: SIGKILL the gateway in the middle of a mixed command load (logbook entries,
// queue takes and calls, requests), again and again (50 times by default), and prove
// DESIGN.md non-negotiables 1 and 2 on the journal it leaves behind: after every kill
// the file passes `PRAGMA integrity_check` (power-cut realism: nothing but the file is
// left) and holds every command acknowledged so far; at the end every acknowledged
// command is there exactly once, retries never write twice, and a retry after the ack
// returns the first answer. Prints restart (start -> ready) and recovery (kill -> first
// new acknowledgement) times.
//
// VIM_CHAOS_KILLS sets the number of kills (e.g. 200 for a longer run).
import Database from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { GatewayProcess, killAllGateways, STAFF } from '../helpers/gateway-process.js';
import { command, replyClient } from '../helpers/gateway-inproc.js';
import { Ledger, LoadClient, type LoadKind } from './load-client.js';

const KILLS = Number(process.env.VIM_CHAOS_KILLS ?? 50);
/** The tablets: mostly logbook entries, with queue takes, a counter calling, and requests. */
const MIX: LoadKind[] = ['logbook', 'logbook', 'logbook', 'logbook', 'queue-take', 'queue-take', 'queue-call', 'request', 'request', 'logbook'];
const CLIENTS = MIX.length;

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const randomInt = (lo: number, hi: number) => lo + Math.floor(Math.random() * (hi - lo + 1));
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))] ?? NaN;

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

/** What a killed gateway left on disk, read as the next boot would find it (a fresh connection). */
function afterCrash(file: string): { integrity: string; rowsByCommand: Map<string, number> } {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const integrity = db.pragma('integrity_check', { simple: true }) as string;
    const rows = db.prepare('SELECT command_id AS id, count(*) AS n FROM journal WHERE command_id IS NOT NULL GROUP BY command_id').all() as { id: string; n: number }[];
    return { integrity, rowsByCommand: new Map(rows.map((r) => [r.id, r.n])) };
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
  startMs: number;
  recoveryMs: number;
}

describe('chaos: SIGKILL under mixed load', () => {
  let gw: GatewayProcess | null = null;
  let clients: LoadClient[] = [];
  let failed = true;

  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close().catch(() => undefined)));
    await killAllGateways();
    if (gw) {
      if (failed) {
        writeFileSync(join(gw.files.dir, 'gateway.log'), gw.output.join(''));
        console.error(`sigkill chaos: files and the whole gateway output (gateway.log) kept in ${gw.files.dir}\n--- gateway output (tail) ---\n${gw.tail(3000)}`);
      }
      await gw.dispose(failed);
    }
  });

  it(`keeps every acknowledged command exactly once, and the file intact, across ${KILLS} SIGKILL/restart cycles with ${CLIENTS} retrying clients`, { timeout: 60_000 + KILLS * 8_000 }, async () => {
    gw = await GatewayProcess.create({ staffLimits: { publishPerSecond: 100_000, burst: 100_000 } });
    const g = gw;
    const ledger = new Ledger();
    const context = () =>
      `acks=${ledger.acks} unacked=${ledger.unacked.length} violations=${ledger.violations.length}\n` +
      `clients: ${clients.map((c) => `${c.clientId} connects=${c.connects} inFlight=${c.inFlight} idle=${c.idle}`).join('; ')}\n` +
      `--- gateway output (tail) ---\n${g.tail(2000)}`;

    await g.start();
    // Counter 1 calls tickets; its opening is journaled, so it stays open across restarts.
    const setup = await replyClient(g.files.url, STAFF, 'personel1@chaos-setup');
    expect(await command(setup, 'vim/cmd/queue/open-counter', { id: randomUUID(), counter: 1 })).toMatchObject({ ok: true });
    await setup.endAsync(true);

    clients = MIX.map((kind, i) => new LoadClient(i, ledger, { url: g.files.url, ...STAFF, kind, window: kind === 'queue-call' ? 1 : undefined }));
    for (const c of clients) c.start();

    const kills: KillRecord[] = [];
    const t0 = Date.now();
    for (let cycle = 1; cycle <= KILLS; cycle++) {
      // Load must be flowing on this run before the kill: wait for fresh acknowledgements.
      const mark = ledger.acks;
      await waitFor(`acknowledgements after start #${g.starts}`, () => ledger.acks >= mark + CLIENTS, 30_000, ledger, context);
      // Some of the re-sent commands were acknowledged before: their answers must be the first ones.
      if (cycle % 5 === 0) {
        for (const c of clients) {
          const mine = ledger.acked.filter((x) => x.client === c.index);
          c.reprobe(mine.sort(() => Math.random() - 0.5).slice(0, 2).map((x) => x.id));
        }
      }
      const afterMs = randomInt(100, 900);
      await sleep(afterMs);
      expect(g.running, `gateway died on its own before kill #${cycle}\n${context()}`).toBe(true);
      const inFlightIds = clients.flatMap((c) => [...c.pending.keys()]);
      const ackedAtKill = ledger.acked.map((c) => c.id);
      const exit = await g.kill('SIGKILL');
      const killedAt = Date.now();
      expect(exit?.signal, `kill #${cycle} did not end the gateway by SIGKILL (it exited by itself?)\n${context()}`).toBe('SIGKILL');

      // Power-cut realism: the file as the next boot finds it is intact and holds every ack so far.
      const disk = afterCrash(g.files.journalFile);
      expect(disk.integrity, `integrity_check after kill #${cycle}`).toBe('ok');
      const missing = ackedAtKill.filter((id) => !disk.rowsByCommand.has(id));
      expect(missing.slice(0, 10), `acknowledged commands missing after kill #${cycle}`).toEqual([]);
      const stillUnanswered = inFlightIds.filter((id) => ledger.commands.get(id)?.result === undefined);
      const committedUnanswered = stillUnanswered.filter((id) => disk.rowsByCommand.has(id)).length;

      await sleep(randomInt(0, 250)); // clients see refused connections for a while
      const acksBeforeStart = ledger.acks;
      const s0 = Date.now();
      await g.start(30_000);
      const startMs = Date.now() - s0;
      await waitFor(`the first acknowledgement after restart #${cycle}`, () => ledger.acks > acksBeforeStart, 30_000, ledger, context);
      kills.push({ cycle, afterMs, inFlight: inFlightIds.length, committedUnanswered, startMs, recoveryMs: Date.now() - killedAt });
    }

    // Final run: stop creating commands, let every client retry until all are acknowledged.
    for (const c of clients) c.generating = false;
    await waitFor('every command acknowledged', () => ledger.unacked.length === 0 && clients.every((c) => c.idle), 60_000, ledger, context);

    // A retry after the ack, for a sample of every client's commands from all runs.
    const replaysBefore = ledger.replays;
    let probes = 0;
    for (const c of clients) {
      const mine = ledger.acked.filter((x) => x.client === c.index).sort(() => Math.random() - 0.5).slice(0, 10);
      probes += mine.length;
      c.reprobe(mine.map((x) => x.id));
    }
    await waitFor('answers to the re-sent acknowledged commands', () => ledger.replays >= replaysBefore + probes && clients.every((c) => c.idle), 30_000, ledger, context);

    // One last crash, then read what is on disk.
    await g.kill('SIGKILL');
    await Promise.all(clients.map((c) => c.close()));
    clients = [];

    const starts = kills.map((k) => k.startMs);
    const recoveries = kills.map((k) => k.recoveryMs);
    const byKind = Object.fromEntries(MIX.map((k) => [k, [...ledger.commands.values()].filter((c) => c.kind === k && c.result !== undefined).length]));
    console.log(
      `sigkill chaos: ${kills.length} kills in ${Math.round((Date.now() - t0) / 1000)} s; ${ledger.commands.size} commands, ${ledger.acks} acknowledged ${JSON.stringify(byKind)}, ` +
        `${ledger.settled} settled by a domain refusal, ${ledger.replays} replayed answers (${ledger.replaysSameSeq} identical), ${ledger.retryableErrors} retryable errors; ` +
        `kills mid-load ${kills.filter((k) => k.inFlight > 0).length}, committed-but-unanswered at a kill ${kills.reduce((s, k) => s + k.committedUnanswered, 0)}; ` +
        `restart (start -> ready) p50 ${pct(starts, 50)} ms max ${Math.max(...starts)} ms; recovery (kill -> first new ack) p50 ${pct(recoveries, 50)} ms max ${Math.max(...recoveries)} ms; ` +
        `integrity_check ok after ${kills.length + 1} kills; lost 0`,
    );

    expect(ledger.violations, 'protocol violations seen by the clients').toEqual([]);
    expect(kills.length).toBe(KILLS);
    expect(kills.filter((k) => k.inFlight > 0).length, `too few kills landed mid-load: ${JSON.stringify(kills)}`).toBeGreaterThan(KILLS / 2);
    expect(ledger.acks).toBeGreaterThanOrEqual(CLIENTS * (KILLS + 1));
    for (const kind of MIX) expect(byKind[kind], `acknowledged ${kind} commands`).toBeGreaterThan(0);
    expect(ledger.replays).toBeGreaterThanOrEqual(probes);
    expect(ledger.replaysSameSeq).toBe(ledger.replays);

    const db = new Database(g.files.journalFile, { readonly: true, fileMustExist: true });
    try {
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
      expect(db.pragma('foreign_key_check')).toEqual([]);

      // Each command kind writes exactly one journal row; a second one is a double write.
      const dup = db
        .prepare('SELECT command_id, count(*) AS n FROM journal WHERE command_id IS NOT NULL GROUP BY command_id HAVING n > 1')
        .all() as { command_id: string; n: number }[];
      expect(dup.slice(0, 10), 'command ids written more than once').toEqual([]);

      const rows = db.prepare('SELECT seq, id, type, command_id, payload FROM journal').all() as { seq: number; id: string; type: string; command_id: string | null; payload: string }[];
      const byCommand = new Map(rows.filter((r) => r.command_id !== null).map((r) => [r.command_id!, r]));
      const problems: string[] = [];
      for (const cmd of ledger.commands.values()) {
        const row = byCommand.get(cmd.id);
        if (cmd.settled !== undefined) {
          if (row) problems.push(`${cmd.id} was refused ${cmd.settled} yet journaled as seq ${row.seq}`);
          continue;
        }
        const result = JSON.parse(cmd.result!) as Record<string, unknown>;
        const payload = row ? (JSON.parse(row.payload) as Record<string, unknown>) : null;
        if (!row || !payload) problems.push(`acknowledged ${cmd.kind} ${cmd.id} is missing from the journal`);
        else if (cmd.kind === 'logbook') {
          if (row.seq !== cmd.ackSeq || row.id !== cmd.recordId) problems.push(`${cmd.id} acknowledged as seq ${cmd.ackSeq}/${cmd.recordId}, journal has seq ${row.seq}/${row.id}`);
          else if (payload.text !== cmd.text) problems.push(`${cmd.id} journaled with another text`);
        } else if (cmd.kind === 'queue-take' || cmd.kind === 'queue-call') {
          const want = cmd.kind === 'queue-take' ? 'queue.ticket.taken' : cmd.topic.endsWith('/no-show') ? 'queue.ticket.no_show' : 'queue.ticket.called';
          if (row.type !== want || payload.ticket !== result.ticketId) problems.push(`${cmd.id} answered ${String(result.ticketId)}, journal has ${row.type} ${String(payload.ticket)}`);
        } else if (row.id !== result.recordId) problems.push(`request ${cmd.id} answered record ${String(result.recordId)}, journal has ${row.id}`);
      }
      for (const r of rows) if (r.command_id !== null && !ledger.commands.has(r.command_id) && r.type !== 'queue.counter.opened') problems.push(`journal seq ${r.seq} has unknown command id ${r.command_id}`);
      expect(problems.slice(0, 20), `${problems.length} journal problems`).toEqual([]);

      // No ticket number was handed out twice (a double take would show here).
      const taken = rows.filter((r) => r.type === 'queue.ticket.taken').map((r) => (JSON.parse(r.payload) as { ticket: string }).ticket);
      expect(taken.length - new Set(taken).size, 'ticket ids taken twice').toBe(0);
      const called = rows.filter((r) => r.type === 'queue.ticket.called').map((r) => (JSON.parse(r.payload) as { ticket: string }).ticket);
      expect(called.length - new Set(called).size, 'tickets called twice').toBe(0);

      // The exactly-once bookkeeping agrees: one outbox row per record and one remembered answer per command.
      const count = (sql: string) => (db.prepare(sql).get() as { n: number }).n;
      expect(count('SELECT count(*) AS n FROM outbox')).toBe(rows.length);
      const answers = db.prepare('SELECT id, answer FROM commands').all() as { id: string; answer: string }[];
      const acked = ledger.acked;
      expect(answers.filter((a) => ledger.commands.has(a.id)).length).toBe(acked.length);
      for (const a of answers) {
        const cmd = ledger.commands.get(a.id);
        if (!cmd) continue; // the setup's open-counter
        expect(JSON.stringify((JSON.parse(a.answer) as { result?: unknown }).result ?? null), `stored answer for ${a.id}`).toBe(cmd.result);
      }
    } finally {
      db.close();
    }
    failed = false;
  });
});
